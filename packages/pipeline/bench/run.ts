// Pipeline benchmark: a 10M-assignment / 20M-exposure / 50M-event data set generated inside DuckDB, the canonical
// models timed one by one, against a plain hand-written DuckDB SQL baseline doing the same joins in the same run.
// ASSAY_BENCH_SCALE=0.1 for a quick try; ASSAY_BENCH_REPEAT runs pipeline and baseline that many times each (default 3
// below full scale, 1 at full scale), alternating which goes first, and reports medians; ASSAY_DUCKDB_MEMORY_LIMIT
// (default 4GB) bounds DuckDB's memory.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  baseModels,
  createDuckDbWarehouse,
  duckdbDialect,
  type Engine,
  generateDataset,
  runPipeline,
  type VariantAggregate,
} from "../src/index.js";
import { computeResults } from "../src/results/compute-results.js";
import { benchDatasetOptions, benchScale as scale, benchUsers as users } from "./bench-dataset.js";

const memoryLimit = process.env.ASSAY_DUCKDB_MEMORY_LIMIT ?? "4GB";
const outDir = process.env.ASSAY_BENCH_OUT ?? join(import.meta.dirname, "../../../bench-results");
const loadAtStart = loadavg()[0];
const repeat = Math.max(1, Number(process.env.ASSAY_BENCH_REPEAT ?? (scale < 1 ? "3" : "1")));

/** Peak RSS per phase (DuckDB runs in-process, so this includes its buffer pool). */
const peaks = { generate: 0, pipeline: 0, baseline: 0, other: 0 };
let phase: keyof typeof peaks = "other";
const sampler = setInterval(() => {
  peaks[phase] = Math.max(peaks[phase], process.memoryUsage.rss());
}, 50);

interface Timed<T> {
  readonly value: T;
  readonly seconds: number;
  /** CPU seconds of this process (all DuckDB threads): steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
}

async function timed<T>(fn: () => Promise<T>, during?: keyof typeof peaks): Promise<Timed<T>> {
  const previous = phase;
  if (during) phase = during;
  const cpu = process.cpuUsage();
  const start = performance.now();
  try {
    const value = await fn();
    const used = process.cpuUsage(cpu);
    return {
      value,
      seconds: (performance.now() - start) / 1000,
      cpuSeconds: (used.user + used.system) / 1e6,
    };
  } finally {
    phase = previous;
  }
}

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const gib = (bytes: number) => bytes / 1024 ** 3;

/** What a careful analyst would write by hand in DuckDB for the same outputs (window functions, QUALIFY, FILTER). */
const baselineSql = [
  `CREATE OR REPLACE TABLE b_assignment AS
   SELECT r.experiment_id, r.user_id, arg_min(r.variant_id, (r.assignment_time_utc, r.variant_id)) AS variant_id,
          min(r.assignment_time_utc) AS assignment_time_utc, count(DISTINCT r.variant_id) > 1 AS assignment_conflict
   FROM raw_assignments r JOIN cfg_experiment x USING (experiment_id)
   JOIN cfg_variant v ON v.experiment_id = r.experiment_id AND v.variant_id = r.variant_id
   WHERE r.assignment_time_utc >= x.start_time_utc AND r.assignment_time_utc < x.end_time_utc
   GROUP BY ALL`,
  `CREATE OR REPLACE TABLE b_validation AS
   SELECT a.*, count(e.user_id) AS exposure_count,
          coalesce(bool_or(e.exposure_time_utc < a.assignment_time_utc), false) AS pre_assignment_exposure,
          coalesce(bool_or(e.variant_id <> a.variant_id), false) AS variant_mismatch,
          count(DISTINCT e.variant_id) >= 2 AS multi_variation_exposure,
          coalesce(bool_or(e.exposure_time_utc < x.start_time_utc OR e.exposure_time_utc >= x.end_time_utc), false) AS exposure_outside_window,
          min(e.exposure_time_utc) FILTER (WHERE e.exposure_time_utc >= a.assignment_time_utc AND e.variant_id = a.variant_id
                AND e.exposure_time_utc >= x.start_time_utc AND e.exposure_time_utc < x.end_time_utc) AS first_exposure_time_utc
   FROM b_assignment a JOIN cfg_experiment x USING (experiment_id)
   LEFT JOIN raw_exposures e ON e.experiment_id = a.experiment_id AND e.user_id = a.user_id
   GROUP BY ALL`,
  `CREATE OR REPLACE TABLE b_cohort AS
   SELECT *, first_exposure_time_utc IS NOT NULL AND NOT multi_variation_exposure AS is_exposed,
          CASE WHEN first_exposure_time_utc IS NOT NULL AND NOT multi_variation_exposure THEN first_exposure_time_utc ELSE assignment_time_utc END AS anchor
   FROM b_validation`,
  `CREATE OR REPLACE TABLE b_events AS
   SELECT * FROM raw_events QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY event_time_utc) = 1`,
  `CREATE OR REPLACE TABLE b_unit AS
   SELECT c.experiment_id, c.user_id, c.variant_id, c.is_exposed,
     count(*) FILTER (WHERE ev.event_name = 'purchase' AND ev.event_time_utc >= c.anchor AND ev.event_time_utc < c.anchor + INTERVAL 7 DAY) AS purchases,
     coalesce(sum(ev.value) FILTER (WHERE ev.event_name = 'purchase' AND ev.event_time_utc >= c.anchor AND ev.event_time_utc < c.anchor + INTERVAL 7 DAY), 0) AS revenue,
     count(*) FILTER (WHERE ev.event_name = 'session_start' AND ev.event_time_utc >= c.anchor AND ev.event_time_utc < c.anchor + INTERVAL 7 DAY) AS sessions,
     coalesce(sum(ev.value) FILTER (WHERE ev.event_name = 'purchase' AND ev.event_time_utc >= c.assignment_time_utc - INTERVAL 14 DAY AND ev.event_time_utc < c.assignment_time_utc), 0) AS pre_revenue
   FROM b_cohort c LEFT JOIN b_events ev ON ev.user_id = c.user_id
   GROUP BY ALL`,
  `CREATE OR REPLACE TABLE b_agg AS
   SELECT experiment_id, m.mode AS analysis_mode, variant_id, count(*) AS n,
     sum((purchases > 0)::INT) AS conv, sum(purchases) AS orders, sum(purchases * purchases) AS orders_sq,
     sum(revenue) AS rev, sum(revenue * revenue) AS rev_sq, sum(pre_revenue) AS x, sum(pre_revenue * pre_revenue) AS x_sq,
     sum(revenue * pre_revenue) AS xy, sum(sessions) AS den, sum(sessions * sessions) AS den_sq, sum(revenue * sessions) AS num_den
   FROM b_unit JOIN (VALUES ('itt'), ('exposed')) m(mode) ON m.mode = 'itt' OR is_exposed
   GROUP BY ALL`,
];

async function main() {
  const work = mkdtempSync(join(tmpdir(), "assay-bench-"));
  const warehouse = await createDuckDbWarehouse({
    path: join(work, "bench.duckdb"),
    memoryLimit,
    tempDirectory: join(work, "spill"),
  });
  const engine: Engine = warehouse.engine;
  try {
    const [settings] = await engine.query<{ threads: number; memory_limit: string; preserve: boolean }>(
      "SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory_limit, current_setting('preserve_insertion_order') AS preserve",
    );
    console.log(
      `pipeline bench: scale ${scale} (${users.toLocaleString()} users), memory_limit ${memoryLimit}, ${settings?.threads} threads, ${repeat} repetition(s), load ${loadAtStart?.toFixed(1)}`,
    );
    const generated = await timed(() => generateDataset(engine, benchDatasetOptions(users)), "generate");
    await engine.run("CHECKPOINT");
    console.log(`generated in ${generated.seconds.toFixed(1)}s:`, generated.value.rows);
    const config = generated.value.config;

    // The pipeline: every model (data tests off here; timed separately below), then results from the aggregate.
    const runPipelineOnce = () =>
      timed(
        () =>
          runPipeline({
            source: { kind: "loaded" },
            warehouse,
            sink: { kind: "none" },
            config,
            skipTests: true,
          }),
        "pipeline",
      );
    const runBaselineOnce = () =>
      timed(async () => {
        const steps: number[] = [];
        for (const sql of baselineSql) steps.push((await timed(() => engine.run(sql))).seconds);
        return steps;
      }, "baseline");

    const pipelineRuns: Awaited<ReturnType<typeof runPipelineOnce>>[] = [];
    const baselineRuns: Awaited<ReturnType<typeof runBaselineOnce>>[] = [];
    for (let rep = 0; rep < repeat; rep++) {
      // Alternate which side runs first, so neither always gets the warmer (or the more contended) slot.
      const order = rep % 2 === 0 ? (["pipeline", "baseline"] as const) : (["baseline", "pipeline"] as const);
      for (const side of order) {
        if (side === "pipeline") {
          const run = await runPipelineOnce();
          pipelineRuns.push(run);
          for (const m of run.value.models)
            console.log(
              `  ${m.model.padEnd(40)} ${(m.rows === null ? "view" : String(m.rows)).padStart(10)} ${(m.elapsedMs / 1000).toFixed(2)}s`,
            );
          console.log(
            `pipeline ${rep + 1}/${repeat}: ${run.seconds.toFixed(1)}s (cpu ${run.cpuSeconds.toFixed(1)}s)`,
          );
        } else {
          const run = await runBaselineOnce();
          baselineRuns.push(run);
          console.log(
            `baseline ${rep + 1}/${repeat}: ${run.seconds.toFixed(1)}s (cpu ${run.cpuSeconds.toFixed(1)}s)`,
          );
        }
      }
    }

    // The baseline must compute the same numbers, or the comparison means nothing.
    const [check] = await engine.query<{ mismatches: number; compared: number }>(`
      WITH p AS (
        SELECT experiment_id, analysis_mode, variation_id,
          max(n) AS n,
          max(CASE WHEN metric_id = 'conversion_7d' THEN sum_value END) AS conv,
          max(CASE WHEN metric_id = 'orders_7d' THEN sum_value END) AS orders,
          max(CASE WHEN metric_id = 'orders_7d' THEN sum_value_sq END) AS orders_sq,
          max(CASE WHEN metric_id = 'revenue_7d' THEN sum_value END) AS rev,
          max(CASE WHEN metric_id = 'revenue_7d' THEN sum_value_sq END) AS rev_sq,
          max(CASE WHEN metric_id = 'revenue_7d' THEN sum_cov END) AS x,
          max(CASE WHEN metric_id = 'revenue_7d' THEN sum_cov_sq END) AS x_sq,
          max(CASE WHEN metric_id = 'revenue_7d' THEN sum_value_cov END) AS xy,
          max(CASE WHEN metric_id = 'revenue_per_session' THEN sum_den END) AS den,
          max(CASE WHEN metric_id = 'revenue_per_session' THEN sum_den_sq END) AS den_sq,
          max(CASE WHEN metric_id = 'revenue_per_session' THEN sum_value_den END) AS num_den
        FROM agg_experiment_metric_by_variant GROUP BY ALL
      )
      SELECT count(*) FILTER (WHERE ${[
        "n",
        "conv",
        "orders",
        "orders_sq",
        "rev",
        "rev_sq",
        "x",
        "x_sq",
        "xy",
        "den",
        "den_sq",
        "num_den",
      ]
        .map((c) => `abs(p.${c} - b.${c}) > 1e-9 * greatest(1, abs(b.${c}))`)
        .join(" OR ")}) AS mismatches, count(*) AS compared
      FROM p JOIN b_agg b ON b.experiment_id = p.experiment_id AND b.analysis_mode = p.analysis_mode AND b.variant_id = p.variation_id`);
    if (check?.mismatches !== 0 || check?.compared !== 8)
      throw new Error(`baseline and pipeline disagree: ${JSON.stringify(check)}`);

    const readTimes: number[] = [];
    let resultRows = 0;
    for (let i = 0; i < 5; i++) {
      const readOne = await timed(async () => {
        const rows = await engine.query<VariantAggregate & Record<string, unknown>>(
          "SELECT * FROM agg_experiment_metric_by_variant WHERE experiment_id = 'exp_checkout'",
        );
        const oneExperiment = {
          ...config,
          experiments: config.experiments.filter((e) => e.id === "exp_checkout"),
        };
        return computeResults(oneExperiment, rows, { alpha: 0.05 }).rows.length;
      });
      readTimes.push(readOne.seconds);
      resultRows = readOne.value;
    }
    const readOneMs = median(readTimes) * 1000;
    console.log(
      `results for one experiment from the aggregate: ${readOneMs.toFixed(1)} ms (${resultRows} rows)`,
    );

    const tests = await timed(async () => {
      const { runModels } = await import("../src/models/run-models.js");
      const only = baseModels.filter((m) =>
        ["fact_assignment", "int_experiment_exposure_validation"].includes(m.name),
      );
      return runModels({ engine, dialect: duckdbDialect, config, models: only });
    });

    clearInterval(sampler);
    const pipelineSeconds = median(pipelineRuns.map((r) => r.seconds));
    const baselineSeconds = median(baselineRuns.map((r) => r.seconds));
    const ratios = pipelineRuns.map((r, i) => r.seconds / (baselineRuns[i]?.seconds ?? Number.NaN));
    const cpuRatios = pipelineRuns.map((r, i) => r.cpuSeconds / (baselineRuns[i]?.cpuSeconds ?? Number.NaN));
    const ratio = median(ratios);
    const cpuRatio = median(cpuRatios);
    const peakRss = Math.max(...Object.values(peaks));
    const modelNames = pipelineRuns[0]?.value.models.map((m) => m.model) ?? [];
    const figures = {
      scale,
      repeat,
      memoryLimit,
      duckdbThreads: settings?.threads,
      loadAverage: { start: loadAtStart, end: loadavg()[0] },
      rows: generated.value.rows,
      generateSeconds: generated.seconds,
      pipelineSeconds,
      baselineSeconds,
      pipelineToBaselineRatio: ratio,
      pipelineCpuSeconds: median(pipelineRuns.map((r) => r.cpuSeconds)),
      baselineCpuSeconds: median(baselineRuns.map((r) => r.cpuSeconds)),
      pipelineToBaselineCpuRatio: cpuRatio,
      runs: pipelineRuns.map((r, i) => ({
        pipelineSeconds: r.seconds,
        baselineSeconds: baselineRuns[i]?.seconds,
        ratio: ratios[i],
        cpuRatio: cpuRatios[i],
      })),
      models: modelNames.map((name) => {
        const reports = pipelineRuns.flatMap((r) => r.value.models.filter((m) => m.model === name));
        return {
          model: name,
          rows: reports[0]?.rows ?? null,
          seconds: median(reports.map((m) => m.elapsedMs / 1000)),
        };
      }),
      baselineSteps: baselineSql.map((_, i) => ({
        step: i,
        seconds: median(baselineRuns.map((r) => r.value[i] ?? Number.NaN)),
      })),
      oneExperimentResultsMs: readOneMs,
      dataTestsOnTwoModelsSeconds: tests.seconds,
      peakRssBytes: peakRss,
      peakRssBytesByPhase: peaks,
      targets: {
        ratioWithin1_5: ratio <= 1.5,
        peakRssUnder6GiB: peakRss < 6 * 1024 ** 3,
        oneExperimentUnder500ms: readOneMs < 500,
      },
      note: `medians of ${repeat} run(s) on a shared 2-core machine; pipeline and baseline alternate order; model timings include a count(*) per table (views are not counted); results checked equal to the baseline's`,
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "pipeline.json"), `${JSON.stringify(figures, null, 2)}\n`);
    const md = [
      `# Pipeline benchmark (scale ${scale})`,
      "",
      `Data: ${generated.value.rows.assignments.toLocaleString()} assignments, ${generated.value.rows.exposures.toLocaleString()} exposures, ${generated.value.rows.events.toLocaleString()} events (generated in DuckDB SQL in ${generated.seconds.toFixed(1)} s). DuckDB memory_limit ${memoryLimit}, ${settings?.threads} threads. Medians of ${repeat} run(s).`,
      "",
      "| model | rows | seconds |",
      "| --- | ---: | ---: |",
      ...figures.models.map(
        (m) =>
          `| ${m.model} | ${m.rows === null ? "view" : m.rows.toLocaleString()} | ${m.seconds.toFixed(2)} |`,
      ),
      "",
      `| measure | value | target |`,
      `| --- | ---: | --- |`,
      `| pipeline total (models + stats) | ${pipelineSeconds.toFixed(1)} s (cpu ${figures.pipelineCpuSeconds.toFixed(1)} s) | |`,
      `| hand-written DuckDB baseline | ${baselineSeconds.toFixed(1)} s (cpu ${figures.baselineCpuSeconds.toFixed(1)} s) | |`,
      `| ratio (median of per-run ratios) | ${ratio.toFixed(2)}× (cpu ${cpuRatio.toFixed(2)}×) | ≤ 1.5× ${figures.targets.ratioWithin1_5 ? "✓" : "✗"} |`,
      `| peak RSS | ${gib(peakRss).toFixed(2)} GiB (generate ${gib(peaks.generate).toFixed(2)}, pipeline ${gib(peaks.pipeline).toFixed(2)}, baseline ${gib(peaks.baseline).toFixed(2)}) | < 6 GiB ${figures.targets.peakRssUnder6GiB ? "✓" : "✗"} |`,
      `| one experiment's results from the aggregate | ${readOneMs.toFixed(1)} ms | < 500 ms ${figures.targets.oneExperimentUnder500ms ? "✓" : "✗"} |`,
      `| data tests of fact_assignment + validation | ${tests.seconds.toFixed(1)} s | (not in the totals) |`,
      "",
      `Per run (pipeline / baseline s): ${figures.runs.map((r) => `${r.pipelineSeconds.toFixed(1)} / ${r.baselineSeconds?.toFixed(1)}`).join(", ")}.`,
      "",
      figures.note,
      "",
    ].join("\n");
    writeFileSync(join(outDir, "pipeline.md"), md);
    console.log(md);
  } finally {
    await warehouse.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
