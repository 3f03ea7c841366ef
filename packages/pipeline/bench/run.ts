// Pipeline benchmark: a 10M-assignment / 20M-exposure / 50M-event data set generated inside DuckDB, the canonical
// models timed one by one, against a plain hand-written DuckDB SQL baseline doing the same joins in the same run.
// ASSAY_BENCH_SCALE=0.1 for a quick try; ASSAY_DUCKDB_MEMORY_LIMIT (default 4GB) bounds DuckDB's memory.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  baseModels,
  createDuckDbEngine,
  duckdbDialect,
  type Engine,
  generateDataset,
  runAnalysis,
  type VariantAggregate,
} from "../src/index.js";
import { computeResults } from "../src/results/compute-results.js";

const scale = Number(process.env.ASSAY_BENCH_SCALE ?? "1");
const memoryLimit = process.env.ASSAY_DUCKDB_MEMORY_LIMIT ?? "4GB";
const outDir = process.env.ASSAY_BENCH_OUT ?? join(import.meta.dirname, "../../../bench-results");
const users = Math.round(5_000_000 * scale);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - start) / 1000 };
}

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
  const engine: Engine = await createDuckDbEngine({
    path: join(work, "bench.duckdb"),
    memoryLimit,
    tempDirectory: join(work, "spill"),
  });
  try {
    console.log(
      `pipeline bench: scale ${scale} (${users.toLocaleString()} users), memory_limit ${memoryLimit}`,
    );
    const generated = await timed(() =>
      generateDataset(engine, {
        seed: 42,
        users,
        experiments: [
          {
            id: "exp_checkout",
            variants: [
              { id: "control", allocation: 50, control: true },
              { id: "treatment", allocation: 50 },
            ],
            participation: 1,
          },
          {
            id: "exp_onboarding",
            variants: [
              { id: "control", allocation: 50, control: true },
              { id: "guided", allocation: 50 },
            ],
            participation: 1,
          },
        ],
        effects: { exp_checkout: { treatment: 0.05 } },
        exposureRate: 1,
        sessionsPerUser: 9.7,
      }),
    );
    await engine.run("CHECKPOINT");
    console.log(`generated in ${generated.seconds.toFixed(1)}s:`, generated.value.rows);
    const config = generated.value.config;

    // The pipeline: every model (data tests off here; timed separately below), then results from the aggregate.
    const pipeline = await timed(() => runAnalysis(engine, { config, skipTests: true }));
    for (const m of pipeline.value.models)
      console.log(
        `  ${m.model.padEnd(40)} ${String(m.rows).padStart(10)} rows ${(m.elapsedMs / 1000).toFixed(2)}s`,
      );
    console.log(`pipeline total ${pipeline.seconds.toFixed(1)}s`);

    const baselineSteps: number[] = [];
    const baseline = await timed(async () => {
      for (const sql of baselineSql) {
        const step = await timed(() => engine.run(sql));
        baselineSteps.push(step.seconds);
      }
    });
    console.log(`baseline total ${baseline.seconds.toFixed(1)}s`);
    const [check] = await engine.query<{ a: number; b: number }>(
      "SELECT (SELECT sum(n) FROM agg_experiment_metric_by_variant WHERE metric_id = 'orders_7d') AS a, (SELECT sum(n) FROM b_agg) AS b",
    );
    if (check?.a !== check?.b)
      throw new Error(`baseline and pipeline disagree on unit counts: ${check?.a} vs ${check?.b}`);

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
    console.log(
      `results for one experiment from the aggregate: ${(readOne.seconds * 1000).toFixed(0)} ms (${readOne.value} rows)`,
    );

    const tests = await timed(async () => {
      const { runModels } = await import("../src/model/run-models.js");
      const only = baseModels.filter((m) =>
        ["fact_assignment", "int_experiment_exposure_validation"].includes(m.name),
      );
      return runModels({ engine, dialect: duckdbDialect, config, models: only });
    });

    clearInterval(sampler);
    const ratio = pipeline.seconds / baseline.seconds;
    const figures = {
      scale,
      memoryLimit,
      rows: generated.value.rows,
      generateSeconds: generated.seconds,
      pipelineSeconds: pipeline.seconds,
      baselineSeconds: baseline.seconds,
      pipelineToBaselineRatio: ratio,
      models: pipeline.value.models.map((m) => ({
        model: m.model,
        rows: m.rows,
        seconds: m.elapsedMs / 1000,
      })),
      baselineSteps: baselineSteps.map((s, i) => ({ step: i, seconds: s })),
      oneExperimentResultsMs: readOne.seconds * 1000,
      dataTestsOnTwoModelsSeconds: tests.seconds,
      peakRssBytes: peakRss,
      targets: {
        ratioWithin1_5: ratio <= 1.5,
        peakRssUnder6GiB: peakRss < 6 * 1024 ** 3,
        oneExperimentUnder500ms: readOne.seconds < 0.5,
      },
      note: "single run on a shared 2-core machine; model timings include a count(*) per model",
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "pipeline.json"), `${JSON.stringify(figures, null, 2)}\n`);
    const md = [
      `# Pipeline benchmark (scale ${scale})`,
      "",
      `Data: ${generated.value.rows.assignments.toLocaleString()} assignments, ${generated.value.rows.exposures.toLocaleString()} exposures, ${generated.value.rows.events.toLocaleString()} events (generated in DuckDB SQL in ${generated.seconds.toFixed(1)} s). DuckDB memory_limit ${memoryLimit}.`,
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
      `| pipeline total (models + stats) | ${pipeline.seconds.toFixed(1)} s | |`,
      `| hand-written DuckDB baseline | ${baseline.seconds.toFixed(1)} s | |`,
      `| ratio | ${ratio.toFixed(2)}× | ≤ 1.5× ${figures.targets.ratioWithin1_5 ? "✓" : "✗"} |`,
      `| peak RSS | ${(peakRss / 1024 ** 3).toFixed(2)} GiB | < 6 GiB ${figures.targets.peakRssUnder6GiB ? "✓" : "✗"} |`,
      `| one experiment's results from the aggregate | ${(readOne.seconds * 1000).toFixed(0)} ms | < 500 ms ${figures.targets.oneExperimentUnder500ms ? "✓" : "✗"} |`,
      `| data tests of fact_assignment + validation | ${tests.seconds.toFixed(1)} s | (not in the totals) |`,
      "",
      figures.note,
      "",
    ].join("\n");
    writeFileSync(join(outDir, "pipeline.md"), md);
    console.log(md);
  } finally {
    await engine.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
