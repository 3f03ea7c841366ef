// Cost of each metric type of docs/metrics.md at 1M users (ASSAY_BENCH_METRIC_USERS): one generated data set
// (bench-dataset.ts, with user attributes), then the analysis (models + statistics, no data tests) with the
// generated config's metrics alone ("base") and with one extra metric of each type, alternating base and type runs
// (ASSAY_BENCH_REPEAT rounds, default 1); reports medians, the extra seconds over the base and the new models' times.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AssayConfig,
  createDuckDbWarehouse,
  generateDataset,
  type MetricDefinition,
  runPipeline,
} from "../src/index.js";
import { benchDatasetOptions } from "./bench-dataset.js";

const users = Number(process.env.ASSAY_BENCH_METRIC_USERS ?? "1000000");
const repeat = Math.max(1, Number(process.env.ASSAY_BENCH_REPEAT ?? "1"));
const memoryLimit = process.env.ASSAY_DUCKDB_MEMORY_LIMIT ?? "4GB";
const outDir = process.env.ASSAY_BENCH_OUT ?? join(import.meta.dirname, "../../../bench-results");

const purchase = { event: "purchase", aggregation: "sum" } as const;
const metric = (m: Partial<MetricDefinition> & Pick<MetricDefinition, "id" | "type">): MetricDefinition => ({
  kind: "mean",
  windowDays: 7,
  cupedPreDays: null,
  numerator: purchase,
  denominator: null,
  ...m,
});

/** One extra metric per type (on the generator's purchase and session_start events). */
const variants: ReadonlyArray<{ readonly name: string; readonly metric: MetricDefinition }> = [
  { name: "cap: absolute (sum)", metric: metric({ id: "x_cap_abs", type: "sum", cap: { absolute: 150 } }) },
  {
    name: "cap: percentile 0.99 (sum, with CUPED)",
    metric: metric({ id: "x_cap_p99", type: "sum", cap: { percentile: 0.99 }, cupedPreDays: 14 }),
  },
  {
    name: "quantile p90, of: unit",
    metric: metric({
      id: "x_p90_unit",
      kind: "quantile",
      type: "quantile",
      quantile: { p: 0.9, of: "unit" },
    }),
  },
  {
    name: "quantile p90, of: event (design effect)",
    metric: metric({
      id: "x_p90_event",
      kind: "quantile",
      type: "quantile",
      quantile: { p: 0.9, of: "event" },
    }),
  },
  {
    name: "retention d7–8",
    metric: metric({
      id: "x_retention",
      type: "retention",
      windowDays: 8,
      numerator: { event: "session_start", aggregation: "conversion" },
      retention: { fromDays: 7, toDays: 8 },
    }),
  },
  {
    name: "funnel session_start → purchase",
    metric: metric({
      id: "x_funnel",
      type: "funnel",
      numerator: { event: "session_start", aggregation: "conversion" },
      funnelSteps: ["session_start", "purchase"],
    }),
  },
  {
    name: "ratio CUPED",
    metric: metric({
      id: "x_ratio_cuped",
      kind: "ratio",
      type: "ratio",
      cupedPreDays: 14,
      denominator: { event: "session_start", aggregation: "count" },
    }),
  },
  {
    name: "regression adjustment, k = 1 + 1 metric + platform",
    metric: metric({
      id: "x_multi_cuped",
      type: "sum",
      cupedPreDays: 14,
      covariates: { metrics: ["orders_7d"], attributes: ["platform"] },
    }),
  },
  {
    name: "SQL source (sum over raw_events)",
    metric: metric({
      id: "x_sql_source",
      type: "sum",
      numerator: {
        event: "x_sql_source",
        aggregation: "sum",
        sql: "select user_id, event_time_utc, value from raw_events where event_name = 'purchase'",
      },
    }),
  },
];

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const newModels = new Set([
  "stg_metric_source_events",
  "int_experiment_unit_attributes",
  "int_experiment_unit_funnels",
  "agg_experiment_metric_caps",
  "agg_experiment_metric_quantiles",
  "agg_experiment_metric_moments",
]);

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "assay-bench-metrics-"));
  const warehouse = await createDuckDbWarehouse({
    path: join(work, "bench.duckdb"),
    memoryLimit,
    tempDirectory: join(work, "spill"),
  });
  try {
    const loadAtStart = loadavg()[0];
    console.log(
      `pipeline metrics bench: ${users.toLocaleString()} users, ${repeat} round(s), load ${loadAtStart?.toFixed(1)}`,
    );
    const started = performance.now();
    const generated = await generateDataset(warehouse.engine, {
      ...benchDatasetOptions(users),
      userAttributes: true,
    });
    const generateSeconds = (performance.now() - started) / 1000;
    const base = generated.config;
    const withMetrics = (ms: ReadonlyArray<MetricDefinition>): AssayConfig => ({
      ...base,
      metrics: [...base.metrics, ...ms],
      experiments: base.experiments.map((e) => ({
        ...e,
        metricIds: [...e.metricIds, ...ms.map((m) => m.id)],
      })),
    });
    const all = withMetrics(variants.map((v) => v.metric));
    const run = async (config: AssayConfig) => {
      const t = performance.now();
      const analysis = await runPipeline({
        source: { kind: "loaded" },
        warehouse,
        sink: { kind: "none" },
        config,
        skipTests: true,
      });
      return {
        seconds: (performance.now() - t) / 1000,
        models: new Map(analysis.models.map((m) => [m.model, m.elapsedMs / 1000])),
      };
    };
    // Base and all-types runs alternate (the machine is shared: both see the same load); medians per model.
    const baseRuns: Array<Awaited<ReturnType<typeof run>>> = [];
    const allRuns: Array<Awaited<ReturnType<typeof run>>> = [];
    for (let round = 0; round < repeat; round++) {
      const first = round % 2 === 0 ? "base" : "all";
      for (const which of first === "base" ? ["base", "all"] : ["all", "base"]) {
        const r = await run(which === "base" ? base : all);
        (which === "base" ? baseRuns : allRuns).push(r);
        console.log(`  ${which}: ${r.seconds.toFixed(1)} s`);
      }
    }
    const modelSeconds = (runs: typeof baseRuns, model: string) =>
      median(runs.map((r) => r.models.get(model) ?? 0));
    const baseSeconds = median(baseRuns.map((r) => r.seconds));
    const allSeconds = median(allRuns.map((r) => r.seconds));
    const dedicated: Record<string, ReadonlyArray<string>> = {
      x_cap_abs: ["agg_experiment_metric_caps"],
      x_cap_p99: ["agg_experiment_metric_caps"],
      x_p90_unit: ["agg_experiment_metric_quantiles"],
      x_p90_event: ["agg_experiment_metric_quantiles"],
      x_funnel: ["int_experiment_unit_funnels", "agg_experiment_metric_moments"],
      x_multi_cuped: ["int_experiment_unit_attributes", "agg_experiment_metric_moments"],
      x_sql_source: ["stg_metric_source_events"],
    };
    const rows = variants.map((v) => ({
      name: v.name,
      models: (dedicated[v.metric.id] ?? []).map((m) => `${m} ${modelSeconds(allRuns, m).toFixed(1)} s`),
    }));
    const shared = ["int_experiment_unit_measures", "agg_experiment_metric_by_variant"].map((m) => ({
      model: m,
      base: modelSeconds(baseRuns, m),
      all: modelSeconds(allRuns, m),
    }));
    const newModelSeconds = [...newModels].map((m) => ({ model: m, seconds: modelSeconds(allRuns, m) }));
    const figures = {
      users,
      rows: generated.rows,
      generateSeconds,
      repeat,
      memoryLimit,
      baseSeconds,
      allSeconds,
      shared,
      newModelSeconds,
      metricTypes: rows,
      loadAtStart,
      loadAtEnd: loadavg()[0],
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "pipeline-metrics.json"), `${JSON.stringify(figures, null, 2)}\n`);
    const md = [
      `# Pipeline metric types (${users.toLocaleString()} users)`,
      "",
      `Data: ${generated.rows.assignments.toLocaleString()} assignments, ${generated.rows.events.toLocaleString()} events, ${generated.rows.userAttributes.toLocaleString()} attribute rows (generated in ${generateSeconds.toFixed(1)} s). DuckDB memory_limit ${memoryLimit}. Analysis = models + statistics, no data tests. "base" = the generator's four metrics; "all" = base plus one metric of each type below on every experiment. Base and all runs alternate; medians of ${repeat} round(s). Load average ${loadAtStart?.toFixed(1)} at start, ${loadavg()[0]?.toFixed(1)} at end (a shared machine: wall times are noisy).`,
      "",
      "| run | analysis s |",
      "| --- | ---: |",
      `| base (conversion, count, sum + CUPED, ratio) | ${baseSeconds.toFixed(1)} |`,
      `| all (base + the ${variants.length} metrics below) | ${allSeconds.toFixed(1)} |`,
      "",
      "| shared model | base s | all s |",
      "| --- | ---: | ---: |",
      ...shared.map((m) => `| ${m.model} | ${m.base.toFixed(1)} | ${m.all.toFixed(1)} |`),
      "",
      "| metric type added | its own models (s, in the all run) |",
      "| --- | --- |",
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.models.length > 0 ? r.models.join(", ") : "none: columns of the shared models"} |`,
      ),
      "",
    ].join("\n");
    writeFileSync(join(outDir, "pipeline-metrics.md"), md);
    console.log(md);
  } finally {
    await warehouse.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
