// Pipeline benchmark: the pipeline against a floor, hand-written DuckDB SQL for the same contract work (bench/floor/),
// alternated in one run, on two targets:
//  (a) `assay analyze` (analyzeDirectory) on 1M users (ASSAY_BENCH_SCALE=1): Parquet in, the contract's CSVs out
//      (per-unit CSVs included), against the floor reading the same Parquet and writing the same CSVs;
//  (b) the lake's daily jobs (assignments, exposure-validation, outcomes, results) on 10M assignments / 20M exposures /
//      50M events, against the floor reading the same raw partitions and writing the same silver/gold partitions.
// ASSAY_BENCH_SCALE=0.1 for a tenth; ASSAY_BENCH_REPEAT runs each side that many times (default 3 below full scale,
// 1 at full scale), alternating which goes first, and reports medians; ASSAY_DUCKDB_MEMORY_LIMIT (default 4GB)
// bounds DuckDB on both sides; ASSAY_BENCH_DATA=DIR keeps the generated Parquet there and reuses it.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AssayConfig,
  createDuckDbEngine,
  duckdbDialect,
  type Engine,
  generateDataset,
  inputTableNames,
  loadConfigFile,
  type PipelineRun,
  partitionFiles,
  rawLakeSelectList,
  runPipeline,
  stringifyConfig,
  type VariantAggregate,
} from "../src/index.js";
import { loadConfigRelations } from "../src/models/run-models.js";
import { computeResults } from "../src/results/compute-results.js";
import { materializeResults } from "../src/results/results-table.js";
import { benchDatasetOptions, benchUsers as lakeUsers, benchScale as scale } from "./bench-dataset.js";
import {
  type FloorTargets,
  floorModelSteps,
  parquetRelation,
  readFloorStep,
  renderFloorSql,
} from "./floor-sql.js";

const memoryLimit = process.env.ASSAY_DUCKDB_MEMORY_LIMIT ?? "4GB";
process.env.ASSAY_DUCKDB_MEMORY_LIMIT = memoryLimit;
const outDir = process.env.ASSAY_BENCH_OUT ?? join(import.meta.dirname, "../../../bench-results");
const repeat = Math.max(1, Number(process.env.ASSAY_BENCH_REPEAT ?? (scale < 1 ? "3" : "1")));
const analyzeUsers = Math.round(1_000_000 * scale);
const lakeDt = "2026-03-01";
// ASSAY_BENCH_TARGETS=lake (or analyze) runs one target only; default both.
const benchTargets = new Set(
  (process.env.ASSAY_BENCH_TARGETS ?? "analyze,lake").split(",").map((t) => t.trim()),
);
const runAnalyze = benchTargets.has("analyze");
const runLake = benchTargets.has("lake");
const loads: number[] = [];
const sampleLoad = () => loads.push(loadavg()[0] ?? 0);

/** Peak RSS per phase (DuckDB runs in-process, so this includes its buffer pool). */
const peaks = { generate: 0, analyze: 0, analyzeFloor: 0, lake: 0, lakeFloor: 0, other: 0 };
type Phase = keyof typeof peaks;
let phase: Phase = "other";
const sampler = setInterval(() => {
  peaks[phase] = Math.max(peaks[phase], process.memoryUsage.rss());
}, 50);
const loadSampler = setInterval(sampleLoad, 15_000);

interface Timed<T> {
  readonly value: T;
  readonly seconds: number;
  /** CPU seconds of this process (all DuckDB threads): steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
}

async function timed<T>(fn: () => Promise<T>, during?: Phase): Promise<Timed<T>> {
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
/** A data set of a target this run measures (ASSAY_BENCH_TARGETS). */
function need<T>(value: T | null): T {
  if (value === null) throw new Error("bench: that target is not run (ASSAY_BENCH_TARGETS)");
  return value;
}
const engineOptions = (work: string) => ({ memoryLimit, tempDirectory: join(work, "spill") });

interface Dataset {
  readonly config: AssayConfig;
  readonly rows: Record<string, number>;
  readonly generateSeconds: number;
}

/**
 * Generates a data set in DuckDB and writes its raw tables as Parquet in the raw lake schema (TIMESTAMPTZ times):
 * `<dir>/<table>.parquet` for analyze, or one lake partition `raw/<table>/dt=<lakeDt>/` (the jobs read every raw
 * partition up to dt, so one partition holds the same rows as a month of daily ones). Reused when already there.
 */
async function ensureDataset(dir: string, kind: "analyze" | "lake", users: number): Promise<Dataset> {
  const marker = join(dir, "dataset.json");
  if (existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, "utf8")) as Omit<Dataset, "config">;
    return { ...saved, config: await loadConfigFile(join(dir, "assay.yaml")) };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const generated = await timed(async () => {
    const engine = await createDuckDbEngine({ memoryLimit, tempDirectory: join(dir, "spill") });
    try {
      const options = kind === "lake" ? benchDatasetOptions(users) : { seed: 42, users };
      const dataset = await generateDataset(engine, options);
      for (const table of inputTableNames.filter((t) => t !== "user_attributes")) {
        const relation = `raw_${table}`;
        const columns = await engine.query<{ column_name: string }>(`DESCRIBE ${relation}`);
        const path =
          kind === "lake"
            ? join(dir, "raw", table, `dt=${lakeDt}`, "part-0.parquet")
            : join(dir, `${table}.parquet`);
        mkdirSync(join(path, ".."), { recursive: true });
        await engine.run(
          `COPY (SELECT ${rawLakeSelectList(
            table,
            columns.map((c) => c.column_name),
          )} FROM ${relation}) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`,
        );
      }
      writeFileSync(join(dir, "assay.yaml"), stringifyConfig(dataset.config));
      return dataset;
    } finally {
      await engine.close();
      rmSync(join(dir, "spill"), { recursive: true, force: true });
    }
  }, "generate");
  const saved = { rows: generated.value.rows as Record<string, number>, generateSeconds: generated.seconds };
  writeFileSync(marker, `${JSON.stringify(saved)}\n`);
  return { ...saved, config: generated.value.config };
}

interface FloorRun {
  readonly steps: Record<string, number>;
  /** CPU seconds per step. */
  readonly cpuSteps: Record<string, number>;
}

/** Runs the floor's model steps and one write step on a fresh embedded DuckDB, then the results from its sums. */
async function runFloor(
  work: string,
  config: AssayConfig,
  targets: FloorTargets,
  write: "09-write-lake" | "09-write-analyze",
): Promise<FloorRun> {
  const engine = await createDuckDbEngine(engineOptions(work));
  const steps: Record<string, number> = {};
  const cpuSteps: Record<string, number> = {};
  try {
    await loadConfigRelations(engine, duckdbDialect, config);
    for (const step of [...floorModelSteps(), readFloorStep(write)]) {
      const run = await timed(async () => {
        for (const sql of step.statements) {
          if (step.name === "00-input-check") {
            const [check] = await engine.query<{ bad_rows: number }>(renderFloorSql(sql, targets));
            if (check?.bad_rows !== 0) throw new Error(`floor: ${check?.bad_rows} bad input row(s)`);
          } else await engine.run(renderFloorSql(sql, targets));
        }
      });
      steps[step.name] = run.seconds;
      cpuSteps[step.name] = run.cpuSeconds;
    }
    const results = await timed(async () => {
      const aggregates = await engine.query<VariantAggregate & Record<string, unknown>>(
        "SELECT * FROM f_agg",
      );
      const { rows } = computeResults(config, aggregates, { alpha: 0.05 });
      await materializeResults(engine, duckdbDialect, rows);
      const to = targets.lake
        ? `'${join(targets.lake.dir, "gold", "fct_experiment_results", `dt=${targets.lake.dt}`, "part-0.parquet")}' (FORMAT parquet)`
        : `'${join(targets.csvDir ?? "", "fct_experiment_results.csv")}' (FORMAT csv, HEADER true, NULLSTR '')`;
      if (targets.lake)
        mkdirSync(join(targets.lake.dir, "gold", "fct_experiment_results", `dt=${targets.lake.dt}`), {
          recursive: true,
        });
      await engine.run(`COPY fct_experiment_results TO ${to}`);
    });
    steps.results = results.seconds;
    cpuSteps.results = results.cpuSeconds;
    return { steps, cpuSteps };
  } finally {
    await engine.close();
  }
}

/** Compares the per-variant sums of the pipeline and the floor (read back from their outputs); throws on a mismatch. */
async function checkSums(pipelineAgg: string, floorAgg: string): Promise<number> {
  const engine = await createDuckDbEngine();
  try {
    const stats = [
      "n",
      "sum_value",
      "sum_value_sq",
      "sum_den",
      "sum_den_sq",
      "sum_value_den",
      "sum_cov",
      "sum_cov_sq",
      "sum_value_cov",
    ];
    const [check] = await engine.query<{ mismatches: number; compared: number; missing: number }>(`
      SELECT count(*) FILTER (WHERE ${stats
        .map(
          (c) =>
            `abs(CAST(p.${c} AS DOUBLE) - CAST(b.${c} AS DOUBLE)) > 1e-9 * greatest(1, abs(CAST(b.${c} AS DOUBLE)))`,
        )
        .join(" OR ")}) AS mismatches,
        count(*) AS compared, count(*) FILTER (WHERE p.n IS NULL OR b.n IS NULL) AS missing
      FROM ${pipelineAgg} p FULL JOIN ${floorAgg} b ON b.experiment_id = p.experiment_id AND b.metric_id = p.metric_id
        AND b.analysis_mode = p.analysis_mode AND b.variation_id = p.variation_id`);
    if (check?.mismatches !== 0 || check.missing !== 0 || check.compared === 0)
      throw new Error(`floor and pipeline disagree: ${JSON.stringify(check)}`);
    return check.compared;
  } finally {
    await engine.close();
  }
}

/** Row counts of the analyze CSVs of both sides must agree (same outputs, not only the same sums). */
async function checkCsvRows(
  pipelineDir: string,
  floorDir: string,
  files: ReadonlyArray<string>,
): Promise<void> {
  const engine = await createDuckDbEngine();
  try {
    for (const file of files) {
      const count = async (dir: string) =>
        (
          await engine.query<{ n: number }>(
            `SELECT count(*) AS n FROM read_csv('${join(dir, file)}', header = true, all_varchar = true)`,
          )
        )[0]?.n;
      const [p, b] = [await count(pipelineDir), await count(floorDir)];
      if (p !== b) throw new Error(`${file}: pipeline ${p} rows, floor ${b}`);
    }
  } finally {
    await engine.close();
  }
}

/** Which floor step does the work of which pipeline model (views are computed by the models that read them). */
const floorStepOf: Record<string, string> = {
  stg_experiment_assignments: "01-canonical-assignment",
  fact_assignment: "01-canonical-assignment",
  fct_experiment_assignment_quality: "02-assignment-quality",
  stg_experiment_exposures: "03-exposure-validation",
  int_experiment_exposure_validation: "03-exposure-validation",
  fct_experiment_exposure_quality_daily: "04-exposure-quality-daily",
  fct_experiment_cohort: "04-exposure-quality-daily",
  int_duplicate_events: "05-event-duplicates",
  stg_conversion_events: "07-outcome-windows",
  fct_event_quality: "06-event-quality",
  int_experiment_unit_measures: "07-outcome-windows",
  fct_experiment_unit_outcomes: "07-outcome-windows",
  agg_experiment_metric_by_variant: "08-variant-sums",
};

async function main() {
  const work = mkdtempSync(join(tmpdir(), "assay-bench-"));
  const dataRoot = process.env.ASSAY_BENCH_DATA ?? join(work, "data");
  try {
    sampleLoad();
    console.log(
      `pipeline bench: scale ${scale} (analyze ${analyzeUsers.toLocaleString()} users, lake ${lakeUsers.toLocaleString()} users), memory_limit ${memoryLimit}, ${repeat} repetition(s), load ${loads[0]?.toFixed(1)}`,
    );
    const analyzeData = join(dataRoot, `analyze-${analyzeUsers}`);
    const lake = join(dataRoot, `lake-${lakeUsers}`);
    const analyzeSet = runAnalyze ? await ensureDataset(analyzeData, "analyze", analyzeUsers) : null;
    if (analyzeSet)
      console.log(
        `analyze data: ${JSON.stringify(analyzeSet.rows)} (generated in ${analyzeSet.generateSeconds.toFixed(1)} s)`,
      );
    const lakeSet = runLake ? await ensureDataset(lake, "lake", lakeUsers) : null;
    if (lakeSet)
      console.log(
        `lake data: ${JSON.stringify(lakeSet.rows)} (generated in ${lakeSet.generateSeconds.toFixed(1)} s)`,
      );
    // ASSAY_BENCH_GENERATE_ONLY=1 with ASSAY_BENCH_DATA: prepare the data sets for a later run, time nothing.
    if (process.env.ASSAY_BENCH_GENERATE_ONLY === "1") return;

    const analyzeOut = join(work, "analyze-out");
    const analyzeFloorOut = join(work, "analyze-floor-out");
    const floorLake = join(work, "floor-lake");
    const analyzeInputs = {
      assignments: parquetRelation([join(analyzeData, "assignments.parquet")]),
      exposures: parquetRelation([join(analyzeData, "exposures.parquet")]),
      events: parquetRelation([join(analyzeData, "events.parquet")]),
    };
    const lakeInputs = {
      assignments: parquetRelation(partitionFiles(lake, "raw", "assignments", lakeDt)),
      exposures: parquetRelation(partitionFiles(lake, "raw", "exposures", lakeDt)),
      events: parquetRelation(partitionFiles(lake, "raw", "events", lakeDt)),
    };

    const sides = {
      analyze: () =>
        timed(() => {
          rmSync(analyzeOut, { recursive: true, force: true });
          return runPipeline({
            source: { kind: "folder", dir: analyzeData },
            sink: { kind: "folder", dir: analyzeOut },
            config: need(analyzeSet).config,
            duckdb: engineOptions(work),
          });
        }, "analyze"),
      analyzeFloor: () =>
        timed(() => {
          rmSync(analyzeFloorOut, { recursive: true, force: true });
          return runFloor(
            work,
            need(analyzeSet).config,
            { inputs: analyzeInputs, csvDir: analyzeFloorOut },
            "09-write-analyze",
          );
        }, "analyzeFloor"),
      // `assay pipeline run`: the four daily jobs in one run over the lake (what the scheduled run does).
      lake: () =>
        timed(
          () =>
            runPipeline({
              source: { kind: "lake", lake, dt: lakeDt },
              sink: { kind: "lake", lake, dt: lakeDt },
              duckdb: engineOptions(work),
            }),
          "lake",
        ),
      lakeFloor: () =>
        timed(() => {
          rmSync(floorLake, { recursive: true, force: true });
          return runFloor(
            work,
            need(lakeSet).config,
            { inputs: lakeInputs, lake: { dir: floorLake, dt: lakeDt } },
            "09-write-lake",
          );
        }, "lakeFloor"),
    };

    const analyzeRuns: Timed<PipelineRun>[] = [];
    const analyzeFloorRuns: Timed<FloorRun>[] = [];
    const lakeRuns: Awaited<ReturnType<typeof sides.lake>>[] = [];
    const lakeFloorRuns: Timed<FloorRun>[] = [];
    for (let rep = 0; rep < repeat; rep++) {
      // Alternate which side runs first, so neither always gets the warmer (or the more contended) slot.
      const floorFirst = rep % 2 === 1;
      for (const side of !runAnalyze
        ? []
        : floorFirst
          ? (["analyzeFloor", "analyze"] as const)
          : (["analyze", "analyzeFloor"] as const)) {
        if (side === "analyze") analyzeRuns.push(await sides.analyze());
        else analyzeFloorRuns.push(await sides.analyzeFloor());
        console.log(
          `${side} ${rep + 1}/${repeat}: ${(side === "analyze" ? analyzeRuns : analyzeFloorRuns).at(-1)?.seconds.toFixed(1)} s, load ${loadavg()[0]?.toFixed(1)}`,
        );
      }
      for (const side of !runLake
        ? []
        : floorFirst
          ? (["lakeFloor", "lake"] as const)
          : (["lake", "lakeFloor"] as const)) {
        if (side === "lake") {
          const run = await sides.lake();
          lakeRuns.push(run);
          for (const m of run.value.models)
            console.log(
              `  ${m.model.padEnd(40)} ${(m.rows === null ? "view" : String(m.rows)).padStart(10)} ${(m.elapsedMs / 1000).toFixed(2)}s (cpu ${((m.cpuMs ?? 0) / 1000).toFixed(2)}s) + tests ${((m.testElapsedMs ?? 0) / 1000).toFixed(2)}s (cpu ${((m.testCpuMs ?? 0) / 1000).toFixed(2)}s)`,
            );
          console.log(
            `lake ${rep + 1}/${repeat}: ${run.seconds.toFixed(1)} s (cpu ${run.cpuSeconds.toFixed(1)} s) ${JSON.stringify(run.value.profile.phases)} cpu ${JSON.stringify(run.value.profile.cpu_phases)}, load ${loadavg()[0]?.toFixed(1)}`,
          );
        } else {
          const run = await sides.lakeFloor();
          lakeFloorRuns.push(run);
          console.log(
            `lakeFloor ${rep + 1}/${repeat}: ${run.seconds.toFixed(1)} s (cpu ${run.cpuSeconds.toFixed(1)} s) ${JSON.stringify(run.value.steps)} cpu ${JSON.stringify(run.value.cpuSteps)}, load ${loadavg()[0]?.toFixed(1)}`,
          );
        }
      }
    }

    // The floor must compute the same numbers, or the comparison means nothing.
    const csv = (dir: string) =>
      `read_csv('${join(dir, "agg_experiment_metric_by_variant.csv")}', header = true)`;
    if (runAnalyze) await checkSums(csv(analyzeOut), csv(analyzeFloorOut));
    if (runAnalyze)
      await checkCsvRows(analyzeOut, analyzeFloorOut, [
        "fact_assignment.csv",
        "int_experiment_exposure_validation.csv",
        "fct_experiment_exposure_quality_daily.csv",
        "fct_experiment_cohort.csv",
        "fct_experiment_unit_outcomes.csv",
        "agg_experiment_metric_by_variant.csv",
        "fct_experiment_results.csv",
      ]);
    const lakeAgg = (dir: string) =>
      parquetRelation(partitionFiles(dir, "gold", "agg_experiment_metric_by_variant", lakeDt));
    const compared = runLake ? await checkSums(lakeAgg(lake), lakeAgg(floorLake)) : 0;

    // One experiment's results from the lake's aggregate (what the server does per request).
    const readTimes: number[] = [];
    for (let i = 0; i < (runLake ? 5 : 0); i++) {
      const readOne = await timed(async () => {
        const engine: Engine = await createDuckDbEngine({ threads: 1 });
        try {
          const rows = await engine.query<VariantAggregate & Record<string, unknown>>(
            `SELECT * FROM ${lakeAgg(lake)} WHERE experiment_id = 'exp_checkout'`,
          );
          const { config } = need(lakeSet);
          const one = { ...config, experiments: config.experiments.filter((e) => e.id === "exp_checkout") };
          return computeResults(one, rows, { alpha: 0.05 }).rows.length;
        } finally {
          await engine.close();
        }
      });
      readTimes.push(readOne.seconds);
    }
    const readOneMs = median(readTimes) * 1000;

    clearInterval(sampler);
    clearInterval(loadSampler);
    sampleLoad();
    const ratioOf = (p: ReadonlyArray<Timed<unknown>>, b: ReadonlyArray<Timed<unknown>>, cpu = false) =>
      median(
        p.map((r, i) =>
          cpu ? r.cpuSeconds / (b[i]?.cpuSeconds ?? Number.NaN) : r.seconds / (b[i]?.seconds ?? Number.NaN),
        ),
      );
    const analyzeRatio = ratioOf(analyzeRuns, analyzeFloorRuns);
    const lakeRatio = ratioOf(lakeRuns, lakeFloorRuns);
    const floorSteps = Object.keys((lakeFloorRuns[0] ?? analyzeFloorRuns[0])?.value.steps ?? {});
    const floorStepSeconds = (runs: ReadonlyArray<Timed<FloorRun>>, cpu = false) =>
      Object.fromEntries(
        floorSteps.map((s) => [
          s,
          median(runs.map((r) => (cpu ? r.value.cpuSteps : r.value.steps)[s] ?? Number.NaN)),
        ]),
      );
    const lakeFloorSteps = floorStepSeconds(lakeFloorRuns);
    const lakeFloorCpuSteps = floorStepSeconds(lakeFloorRuns, true);
    const analyzeFloorSteps = floorStepSeconds(analyzeFloorRuns);
    const modelNames = lakeRuns[0]?.value.models.map((m) => m.model) ?? [];
    const modelSeconds = (
      name: string,
      field: "elapsedMs" | "testElapsedMs" | "cpuMs" | "testCpuMs" = "elapsedMs",
    ) =>
      median(
        lakeRuns.map((r) => (r.value.models.find((m) => m.model === name)?.[field] ?? Number.NaN) / 1000),
      );
    const analyzeModelSeconds = (name: string) =>
      median(
        analyzeRuns.map(
          (r) => (r.value.models.find((m) => m.model === name)?.elapsedMs ?? Number.NaN) / 1000,
        ),
      );
    const models = modelNames.map((name) => {
      const step = floorStepOf[name] ?? null;
      const seconds = modelSeconds(name);
      const floor = step ? (lakeFloorSteps[step] ?? Number.NaN) : Number.NaN;
      const cpuSeconds = modelSeconds(name, "cpuMs");
      const floorCpu = step ? (lakeFloorCpuSteps[step] ?? Number.NaN) : Number.NaN;
      return {
        model: name,
        rows: lakeRuns[0]?.value.models.find((m) => m.model === name)?.rows ?? null,
        seconds,
        cpuSeconds,
        testSeconds: modelSeconds(name, "testElapsedMs"),
        testCpuSeconds: modelSeconds(name, "testCpuMs"),
        analyzeSeconds: analyzeModelSeconds(name),
        floorStep: step,
        floorSeconds: floor,
        floorCpuSeconds: floorCpu,
        ratio: seconds / floor,
        cpuRatio: cpuSeconds / floorCpu,
      };
    });
    const phaseNames = ["load_seconds", "models_seconds", "statistics_seconds", "write_seconds"] as const;
    const phases = (runs: ReadonlyArray<Timed<PipelineRun>>, cpu = false) =>
      Object.fromEntries(
        phaseNames.map((p) => [
          p,
          median(runs.map((r) => (cpu ? r.value.profile.cpu_phases : r.value.profile.phases)[p])),
        ]),
      );
    const lakePhases = phases(lakeRuns);
    const lakeCpuPhases = phases(lakeRuns, true);
    const analyzePhases = phases(analyzeRuns);
    const peakRss = Math.max(...Object.values(peaks));
    const figures = {
      scale,
      repeat,
      memoryLimit,
      loadAverage: { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) },
      targetsRun: [...benchTargets],
      analyze: {
        users: analyzeUsers,
        rows: analyzeSet?.rows ?? {},
        seconds: median(analyzeRuns.map((r) => r.seconds)),
        floorSeconds: median(analyzeFloorRuns.map((r) => r.seconds)),
        ratio: analyzeRatio,
        cpuRatio: ratioOf(analyzeRuns, analyzeFloorRuns, true),
        runs: analyzeRuns.map((r, i) => ({
          seconds: r.seconds,
          floorSeconds: analyzeFloorRuns[i]?.seconds,
          cpuSeconds: r.cpuSeconds,
          floorCpuSeconds: analyzeFloorRuns[i]?.cpuSeconds,
        })),
        floorSteps: analyzeFloorSteps,
        phases: analyzePhases,
      },
      lake: {
        users: lakeUsers,
        rows: lakeSet?.rows ?? {},
        seconds: median(lakeRuns.map((r) => r.seconds)),
        floorSeconds: median(lakeFloorRuns.map((r) => r.seconds)),
        ratio: lakeRatio,
        cpuRatio: ratioOf(lakeRuns, lakeFloorRuns, true),
        runs: lakeRuns.map((r, i) => ({
          seconds: r.seconds,
          floorSeconds: lakeFloorRuns[i]?.seconds,
          cpuSeconds: r.cpuSeconds,
          floorCpuSeconds: lakeFloorRuns[i]?.cpuSeconds,
        })),
        phases: lakePhases,
        cpuPhases: lakeCpuPhases,
        floorSteps: lakeFloorSteps,
        floorCpuSteps: lakeFloorCpuSteps,
      },
      models,
      comparedAggregateRows: compared,
      oneExperimentResultsMs: readOneMs,
      peakRssBytes: peakRss,
      peakRssBytesByPhase: peaks,
      targets: {
        analyzeWithin1_5: analyzeRatio <= 1.5,
        lakeWithin1_5: lakeRatio <= 1.5,
        peakRssUnder6GiB: peakRss < 6 * 1024 ** 3,
        oneExperimentUnder500ms: readOneMs < 500,
      },
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "pipeline.json"), `${JSON.stringify(figures, null, 2)}\n`);
    const s = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");
    const a = figures.analyze;
    const l = figures.lake;
    const md = [
      `# Pipeline benchmark (scale ${scale})`,
      "",
      `Pipeline against its floor (hand-written DuckDB SQL for the same contract work, \`packages/pipeline/bench/floor/*.sql\`), alternated in one run, ${repeat} repetition(s), medians. DuckDB memory_limit ${memoryLimit} on both sides, 2 cores shared with other work: 1-minute load average ${figures.loadAverage.min.toFixed(1)}–${figures.loadAverage.max.toFixed(1)} (median ${figures.loadAverage.median.toFixed(1)}) during the run.`,
      "",
      `| target | pipeline | floor | ratio (median of per-run ratios) | target |`,
      `| --- | ---: | ---: | ---: | --- |`,
      runAnalyze
        ? `| (a) \`assay analyze\`, ${a.users.toLocaleString()} users (${a.rows.assignments?.toLocaleString()} assignments / ${a.rows.exposures?.toLocaleString()} exposures / ${a.rows.events?.toLocaleString()} events), Parquet in, CSVs out | ${a.seconds.toFixed(1)} s | ${a.floorSeconds.toFixed(1)} s | ${a.ratio.toFixed(2)}× (cpu ${a.cpuRatio.toFixed(2)}×) | ≤ 1.5× ${figures.targets.analyzeWithin1_5 ? "✓" : "✗"} |`
        : "| (a) `assay analyze` | not run (ASSAY_BENCH_TARGETS) | | | |",
      runLake
        ? `| (b) lake daily jobs, ${l.rows.assignments?.toLocaleString()} assignments / ${l.rows.exposures?.toLocaleString()} exposures / ${l.rows.events?.toLocaleString()} events, Parquet partitions in and out | ${l.seconds.toFixed(1)} s | ${l.floorSeconds.toFixed(1)} s | ${l.ratio.toFixed(2)}× (cpu ${l.cpuRatio.toFixed(2)}×) | ≤ 1.5× ${figures.targets.lakeWithin1_5 ? "✓" : "✗"} |`
        : "| (b) lake daily jobs | not run (ASSAY_BENCH_TARGETS) | | | |",
      `| peak RSS (process, DuckDB embedded) | ${gib(peakRss).toFixed(2)} GiB | | | < 6 GiB ${figures.targets.peakRssUnder6GiB ? "✓" : "✗"} |`,
      `| one experiment's results from the lake's aggregate | ${readOneMs.toFixed(1)} ms | | | < 500 ms ${figures.targets.oneExperimentUnder500ms ? "✓" : "✗"} |`,
      "",
      `Per run, pipeline / floor seconds (CPU seconds): analyze ${a.runs.map((r) => `${r.seconds.toFixed(1)} / ${r.floorSeconds?.toFixed(1)} (${r.cpuSeconds.toFixed(1)} / ${r.floorCpuSeconds?.toFixed(1)})`).join(", ")}; lake ${l.runs.map((r) => `${r.seconds.toFixed(1)} / ${r.floorSeconds?.toFixed(1)} (${r.cpuSeconds.toFixed(1)} / ${r.floorCpuSeconds?.toFixed(1)})`).join(", ")}. Peak RSS by phase (GiB): ${Object.entries(
        peaks,
      )
        .map(([k, v]) => `${k} ${gib(v).toFixed(2)}`)
        .join(", ")}.`,
      "",
      "## Per model (lake jobs) against the floor step doing its work",
      "",
      "| model | rows | lake s (cpu) | its data tests s (cpu) | analyze s | floor step | floor s (cpu) | ratio (cpu) |",
      "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
      ...models.map(
        (m) =>
          `| ${m.model} | ${m.rows === null ? "view" : m.rows.toLocaleString()} | ${s(m.seconds)} (${s(m.cpuSeconds)}) | ${s(m.testSeconds)} (${s(m.testCpuSeconds)}) | ${s(m.analyzeSeconds)} | ${m.floorStep ?? ""} | ${s(m.floorSeconds)} (${s(m.floorCpuSeconds)}) | ${m.rows !== null && Number.isFinite(m.ratio) ? `${m.ratio.toFixed(2)}× (${m.cpuRatio.toFixed(2)}×)` : "–"} |`,
      ),
      "",
      "A floor step that does the work of two models (a view and the table reading it) is listed against both.",
      "",
      "| pipeline phase (runner profile) | lake s | lake cpu s | analyze s |",
      "| --- | ---: | ---: | ---: |",
      ...phaseNames.map(
        (p) =>
          `| ${p.replace("_seconds", "")} | ${s(lakePhases[p] ?? Number.NaN)} | ${s(lakeCpuPhases[p] ?? Number.NaN)} | ${s(analyzePhases[p] ?? Number.NaN)} |`,
      ),
      "",
      "| floor step | lake floor s | lake floor cpu s | analyze floor s |",
      "| --- | ---: | ---: | ---: |",
      ...floorSteps.map(
        (step) =>
          `| ${step} | ${s(lakeFloorSteps[step] ?? Number.NaN)} | ${s(lakeFloorCpuSteps[step] ?? Number.NaN)} | ${s(analyzeFloorSteps[step] ?? Number.NaN)} |`,
      ),
      "",
      `The floor's per-variant sums are checked equal to the pipeline's (${compared} aggregate rows, relative 1e-9), and the analyze CSVs of both sides have the same row counts.`,
      "",
    ].join("\n");
    writeFileSync(join(outDir, "pipeline.md"), md);
    console.log(md);
  } finally {
    clearInterval(sampler);
    clearInterval(loadSampler);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
