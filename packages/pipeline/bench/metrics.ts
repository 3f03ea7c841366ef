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
    console.log(
      `pipeline metrics bench: ${users.toLocaleString()} users, ${repeat} round(s), load ${loadavg()[0]?.toFixed(1)}`,
    );
    const started = performance.now();
    const generated = await generateDataset(warehouse.engine, {
      ...benchDatasetOptions(users),
      userAttributes: true,
    });
    const generateSeconds = (performance.now() - started) / 1000;
    const base = generated.config;
    const withMetric = (m: MetricDefinition): AssayConfig => ({
      ...base,
      metrics: [...base.metrics, m],
      experiments: base.experiments.map((e) => ({ ...e, metricIds: [...e.metricIds, m.id] })),
    });
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
        models: analysis.models
          .filter((m) => newModels.has(m.model))
          .map((m) => `${m.model} ${(m.elapsedMs / 1000).toFixed(2)} s`),
      };
    };
    const baseRuns: number[] = [];
    const rows: Array<{ name: string; seconds: number; extra: number; models: string[] }> = [];
    const times = new Map<string, { seconds: number[]; models: string[] }>();
    for (let round = 0; round < repeat; round++) {
      for (const variant of variants) {
        // Alternate: a base run before each type run, so both see the same machine load.
        const b = await run(base);
        baseRuns.push(b.seconds);
        const r = await run(withMetric(variant.metric));
        const entry = times.get(variant.name) ?? { seconds: [], models: r.models };
        entry.seconds.push(r.seconds);
        times.set(variant.name, entry);
        console.log(
          `  ${variant.name}: ${r.seconds.toFixed(1)} s (base ${b.seconds.toFixed(1)} s) ${r.models.join(", ")}`,
        );
      }
    }
    const baseMedian = median(baseRuns);
    for (const variant of variants) {
      const entry = times.get(variant.name);
      if (!entry) continue;
      const seconds = median(entry.seconds);
      rows.push({ name: variant.name, seconds, extra: seconds - baseMedian, models: entry.models });
    }
    const figures = {
      users,
      rows: generated.rows,
      generateSeconds,
      repeat,
      memoryLimit,
      baseSeconds: baseMedian,
      baseRuns,
      metricTypes: rows,
      loadAtStart: loadavg()[0],
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "pipeline-metrics.json"), `${JSON.stringify(figures, null, 2)}\n`);
    const md = [
      `# Pipeline metric types (${users.toLocaleString()} users)`,
      "",
      `Data: ${generated.rows.assignments.toLocaleString()} assignments, ${generated.rows.events.toLocaleString()} events, ${generated.rows.userAttributes.toLocaleString()} attribute rows (generated in ${generateSeconds.toFixed(1)} s). DuckDB memory_limit ${memoryLimit}. Analysis = models + statistics, no data tests; the base config is the generator's four metrics; each type adds one metric to every experiment. Base and type runs alternate; medians of ${repeat} round(s) (base: median of ${baseRuns.length} runs).`,
      "",
      "| metric type added | analysis s | extra over base s | new models |",
      "| --- | ---: | ---: | --- |",
      `| (base: conversion, count, sum + CUPED, ratio) | ${baseMedian.toFixed(1)} | — | |`,
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.seconds.toFixed(1)} | ${r.extra >= 0 ? "+" : ""}${r.extra.toFixed(1)} | ${r.models.join(", ")} |`,
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
