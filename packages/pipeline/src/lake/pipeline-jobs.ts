import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AssayConfig } from "../config/assay-config.js";
import { loadConfigFile } from "../config/load-config.js";
import { metricTypeModelNeeded } from "../dialect/base/metric-type-models.js";
import { getModel } from "../dialect/base/models.js";
import { segmentModelNames } from "../dialect/base/segment-models.js";
import { duckdbFunctions as f } from "../dialect/duckdb/functions.js";
import { duckdbDialect } from "../dialect/duckdb/index.js";
import { createDuckDbEngine, type DuckDbEngineOptions } from "../engine/duckdb-engine.js";
import type { Engine } from "../engine/engine.js";
import { readLakeIdentityQuality, stitchLakeStep } from "../identity/identity-inputs.js";
import { writeDirectoryAtomically } from "../io/atomic-directory.js";
import { exportParquet } from "../io/export-table.js";
import { type InputTableName, optionalInputTables } from "../io/input-schema.js";
import { loadInputTable } from "../io/load-input-table.js";
import {
  type DataTestResult,
  loadConfigRelations,
  type ModelRunReport,
  runModels,
} from "../model/run-models.js";
import { type ProgressReporter, silentProgress } from "../progress/progress-reporter.js";
import {
  computeResults,
  type MomentAggregate,
  type QuantileAggregate,
  type ResultRow,
  type VariantAggregate,
} from "../results/compute-results.js";
import {
  computeSegmentResults,
  type SegmentAggregate,
  type SegmentResultRow,
} from "../results/compute-segment-results.js";
import { buildQualityReport, type QualityReport } from "../results/quality-report.js";
import { materializeResults, materializeSegmentResults } from "../results/results-table.js";
import {
  ensureUserAttributesTable,
  resolveAttributeLevels,
  resolveSegmentAttributes,
} from "../segments/segment-attributes.js";
import {
  checkDt,
  type LakeArea,
  lakeConfigPath,
  listPartitions,
  partitionDir,
  partitionFiles,
} from "./lake-layout.js";

/** The daily jobs of seed 001, in run order. */
export const pipelineSteps = ["assignments", "exposure-validation", "outcomes", "results"] as const;
export type PipelineStep = (typeof pipelineSteps)[number];

export interface StepPlan {
  /** Raw tables read cumulatively (all partitions up to dt). */
  readonly raw: ReadonlyArray<InputTableName>;
  /** Upstream models read from their dt partition. */
  readonly upstream: ReadonlyArray<string>;
  readonly models: ReadonlyArray<string>;
}

/** What each job reads and builds (the warehouse pipeline uses the same split for its partitions and test logs). */
export const stepPlans: Readonly<Record<PipelineStep, StepPlan>> = {
  assignments: {
    raw: ["assignments"],
    upstream: [],
    models: ["stg_experiment_assignments", "fact_assignment", "fct_experiment_assignment_quality"],
  },
  "exposure-validation": {
    raw: ["exposures"],
    upstream: ["fact_assignment"],
    models: [
      "stg_experiment_exposures",
      "int_experiment_exposure_validation",
      "fct_experiment_exposure_quality_daily",
      "fct_experiment_cohort",
    ],
  },
  outcomes: {
    raw: ["events", "user_attributes"],
    upstream: ["fct_experiment_cohort"],
    models: [
      "stg_conversion_events",
      "fct_event_quality",
      // The metric-type models (docs/metrics.md) run only when a used metric needs them.
      "stg_metric_source_events",
      "int_experiment_unit_measures",
      "fct_experiment_unit_outcomes",
      "int_experiment_unit_attributes",
      "int_experiment_unit_funnels",
      "agg_experiment_metric_caps",
      "agg_experiment_metric_by_variant",
      "agg_experiment_metric_quantiles",
      "agg_experiment_metric_moments",
      // Built only when there is a segment attribute; their partitions of dt are removed otherwise.
      ...segmentModelNames,
    ],
  },
  results: {
    raw: [],
    upstream: [
      "agg_experiment_metric_by_variant",
      "fct_experiment_assignment_quality",
      "int_experiment_exposure_validation",
      "fct_experiment_exposure_quality_daily",
      "fct_event_quality",
    ],
    models: [],
  },
};

/** The step that writes a model, for "run this first" messages. */
const producerOf = (model: string) =>
  pipelineSteps.find((step) => stepPlans[step].models.includes(model)) ?? "results";

/** A lake partition a job needs is missing. */
export class MissingPartitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MissingPartitionError";
  }
}

export interface PipelineJobOptions {
  readonly lake: string;
  readonly dt: string;
  /** Config file; default `<lake>/assay.yaml`. */
  readonly configPath?: string;
  readonly alpha?: number;
  readonly warnOnly?: boolean;
  readonly progress?: ProgressReporter;
  readonly engineOptions?: DuckDbEngineOptions;
}

export interface PipelineJobReport {
  readonly step: PipelineStep;
  readonly models: ReadonlyArray<ModelRunReport>;
  readonly tests: ReadonlyArray<DataTestResult>;
  readonly written: ReadonlyArray<string>;
}

export const areaOf = (model: string): LakeArea => (getModel(model).zone === "gold" ? "gold" : "silver");

async function readConfig(options: PipelineJobOptions): Promise<AssayConfig> {
  return loadConfigFile(options.configPath ?? lakeConfigPath(options.lake));
}

/**
 * Runs one daily job for `dt`: reads raw partitions up to dt and upstream partitions of dt, builds the job's
 * models (with their data tests) and replaces each output partition atomically.
 * @example await runPipelineStep("assignments", { lake: "./data", dt: "2026-02-14" });
 */
export async function runPipelineStep(
  step: PipelineStep,
  options: PipelineJobOptions,
): Promise<PipelineJobReport> {
  const dt = checkDt(options.dt);
  const config = await readConfig(options);
  const engine = await createDuckDbEngine(options.engineOptions ?? {});
  try {
    return await runStepOnEngine(engine, step, config, { ...options, dt });
  } finally {
    await engine.close();
  }
}

async function runStepOnEngine(
  engine: Engine,
  step: PipelineStep,
  config: AssayConfig,
  options: PipelineJobOptions,
): Promise<PipelineJobReport> {
  const { lake, dt } = options;
  const plan = stepPlans[step];
  const progress = options.progress ?? silentProgress;
  await loadConfigRelations(engine, duckdbDialect, config);
  for (const table of plan.raw) {
    const days = listPartitions(lake, "raw", table).filter((d) => d <= dt);
    const files = days.flatMap((d) => partitionFiles(lake, "raw", table, d));
    if (files.length === 0 && !optionalInputTables.has(table)) {
      throw new MissingPartitionError(
        `no raw ${table} partitions at or before dt=${dt} under ${join(lake, "raw", table)} (run \`assay generate --dt ${dt}\` or land data there)`,
      );
    }
    await loadInputTable(
      engine,
      table,
      files.map((path) => ({ path, format: "parquet" as const })),
    );
  }
  const identity =
    plan.raw.length > 0
      ? await stitchLakeStep(engine, {
          lake,
          dt,
          config,
          tables: plan.raw,
          persist: step === "assignments",
          ...(options.warnOnly ? { warnOnly: true } : {}),
        })
      : null;
  for (const model of plan.upstream) {
    const files = partitionFiles(lake, areaOf(model), model, dt);
    if (files.length === 0) {
      throw new MissingPartitionError(
        `missing ${model} for dt=${dt} (run \`assay build ${producerOf(model)} --dt ${dt}\` first)`,
      );
    }
    await engine.run(
      f.createViewAs(
        model,
        `SELECT * FROM read_parquet([${files.map(f.string).join(", ")}], hive_partitioning = false, union_by_name = true)`,
      ),
    );
  }
  let stepConfig = config;
  let stepModels = plan.models.filter((m) => metricTypeModelNeeded(m, config));
  if (stepModels.some((m) => segmentModelNames.has(m))) {
    await ensureUserAttributesTable(engine, duckdbDialect);
    const segmentAttributes = await resolveSegmentAttributes(engine, config);
    stepConfig = {
      ...config,
      segmentAttributes,
      attributeLevels: await resolveAttributeLevels(engine, duckdbDialect, config),
    };
    if (segmentAttributes.length === 0) {
      stepModels = stepModels.filter((m) => !segmentModelNames.has(m));
      // A re-run without attributes must not leave an earlier run's segment partitions for this dt behind.
      for (const name of segmentModelNames) {
        await rm(partitionDir(lake, areaOf(name), name, dt), { recursive: true, force: true });
      }
    }
  }
  const { models, tests } = await runModels({
    engine,
    dialect: duckdbDialect,
    config: stepConfig,
    models: stepModels.map(getModel),
    warnOnly: options.warnOnly ?? false,
    progress,
  });
  const written: string[] = [];
  for (const model of stepModels.map(getModel).filter((m) => m.zone !== "transient")) {
    const dir = partitionDir(lake, areaOf(model.name), model.name, dt);
    await writeDirectoryAtomically(dir, (tmp) =>
      exportParquet(engine, `SELECT * FROM ${f.ident(model.name)}`, join(tmp, "part-0.parquet")),
    );
    written.push(dir);
  }
  if (step === "results") {
    const aggregates = await engine.query<VariantAggregate & Record<string, unknown>>(
      "SELECT * FROM agg_experiment_metric_by_variant",
    );
    // The metric-type aggregates of the outcomes job, when some metric needs them (docs/metrics.md).
    const extra = async <T>(model: string): Promise<T[]> => {
      if (!metricTypeModelNeeded(model, config)) return [];
      const files = partitionFiles(lake, "gold", model, dt);
      if (files.length === 0) {
        throw new MissingPartitionError(
          `missing ${model} for dt=${dt} (run \`assay build outcomes --dt ${dt}\` first)`,
        );
      }
      return engine.query<T & Record<string, unknown>>(
        `SELECT * FROM read_parquet([${files.map(f.string).join(", ")}], hive_partitioning = false, union_by_name = true)`,
      );
    };
    const { rows, skipped } = computeResults(
      config,
      aggregates,
      { alpha: options.alpha ?? 0.05 },
      {
        quantiles: await extra<QuantileAggregate>("agg_experiment_metric_quantiles"),
        moments: await extra<MomentAggregate>("agg_experiment_metric_moments"),
      },
    );
    await materializeResults(engine, duckdbDialect, rows);
    const quality = await buildQualityReport(engine, config, {
      tests: await previousTests(lake, dt),
      skipped,
    });
    const identityQuality = await readLakeIdentityQuality(lake, dt);
    if (identityQuality) quality.identity = identityQuality;
    // Readers find a day by its results partition, so it is written last: once it exists, so do the rest.
    const qualityDir = partitionDir(lake, "gold", "quality_report", dt);
    await writeDirectoryAtomically(qualityDir, (tmp) =>
      writeFile(join(tmp, "quality_report.json"), `${JSON.stringify(quality, null, 2)}\n`),
    );
    const segmentDir = await writeSegmentResults(engine, config, options);
    const resultsDir = partitionDir(lake, "gold", "fct_experiment_results", dt);
    await writeDirectoryAtomically(resultsDir, (tmp) =>
      exportParquet(engine, "SELECT * FROM fct_experiment_results", join(tmp, "part-0.parquet")),
    );
    written.push(resultsDir, segmentDir, qualityDir);
    progress.modelFinished({ model: "fct_experiment_results", rows: rows.length, elapsedMs: 0 });
  } else {
    await writeTestLog(
      lake,
      step,
      dt,
      step === "assignments" && identity ? [...identity.tests, ...tests] : tests,
    );
  }
  return { step, models, tests, written };
}

/**
 * The results job's per-segment half: reads the outcomes job's `agg_experiment_metric_by_segment` partition of dt
 * (absent when there was no segment attribute) and writes `fct_experiment_results_by_segment` for dt, empty
 * without segments, so a reader never picks up another day's segments.
 */
async function writeSegmentResults(
  engine: Engine,
  config: AssayConfig,
  options: PipelineJobOptions,
): Promise<string> {
  const { lake, dt } = options;
  const files = partitionFiles(lake, "gold", "agg_experiment_metric_by_segment", dt);
  const aggregates =
    files.length === 0
      ? []
      : await engine.query<SegmentAggregate & Record<string, unknown>>(
          `SELECT * FROM read_parquet([${files.map(f.string).join(", ")}], hive_partitioning = false, union_by_name = true)`,
        );
  const { rows } = computeSegmentResults(aggregates, config, { alpha: options.alpha ?? 0.05 });
  return writeSegmentResultsPartition(engine, lake, dt, rows);
}

/** Replaces the `fct_experiment_results_by_segment` partition of dt with the rows (materialized in DuckDB `engine`). */
export async function writeSegmentResultsPartition(
  engine: Engine,
  lake: string,
  dt: string,
  rows: ReadonlyArray<SegmentResultRow>,
): Promise<string> {
  await materializeSegmentResults(engine, duckdbDialect, rows);
  const dir = partitionDir(lake, "gold", "fct_experiment_results_by_segment", dt);
  await writeDirectoryAtomically(dir, (tmp) =>
    exportParquet(engine, "SELECT * FROM fct_experiment_results_by_segment", join(tmp, "part-0.parquet")),
  );
  return dir;
}

/** Data test outcomes of each job are kept next to the partitions so the results job can report them. */
export async function writeTestLog(
  lake: string,
  step: PipelineStep,
  dt: string,
  tests: ReadonlyArray<DataTestResult>,
) {
  await writeDirectoryAtomically(
    partitionDir(lake, "gold", `data_tests_${step.replace("-", "_")}`, dt),
    (tmp) => writeFile(join(tmp, "data_tests.json"), `${JSON.stringify(tests, null, 2)}\n`),
  );
}

async function previousTests(lake: string, dt: string): Promise<DataTestResult[]> {
  const all: DataTestResult[] = [];
  for (const step of pipelineSteps) {
    const path = join(
      partitionDir(lake, "gold", `data_tests_${step.replace("-", "_")}`, dt),
      "data_tests.json",
    );
    if (existsSync(path)) all.push(...(JSON.parse(await readFile(path, "utf8")) as DataTestResult[]));
  }
  return all;
}

/**
 * `assay pipeline run`: every job for `dt` in order, each replacing its partitions atomically.
 * @example const reports = await runPipeline({ lake: "./data", dt: "2026-02-14" });
 */
export async function runPipeline(options: PipelineJobOptions): Promise<PipelineJobReport[]> {
  const reports: PipelineJobReport[] = [];
  for (const step of pipelineSteps) {
    options.progress?.note(`job ${step} (dt=${options.dt})`);
    reports.push(await runPipelineStep(step, options));
  }
  return reports;
}

/** The latest results partition at or before `dt` (or the latest overall). */
export function latestResultsDt(lake: string, dt?: string): string | null {
  const days = listPartitions(lake, "gold", "fct_experiment_results").filter(
    (d) => dt === undefined || d <= dt,
  );
  return days.at(-1) ?? null;
}

/** One `agg_experiment_metric_by_variant` row: a variant's sufficient statistics of one metric and mode. */
export interface VariantAggregateRow {
  readonly experiment_id: string;
  readonly metric_id: string;
  readonly analysis_mode: string;
  readonly variation_id: string;
  readonly n: number;
  readonly sum_value: number | null;
  readonly sum_value_sq: number | null;
  readonly sum_den: number | null;
  readonly sum_den_sq: number | null;
  readonly sum_value_den: number | null;
}

/**
 * Reads the per-variant sufficient statistics of a results day (every experiment, or one), what the decision
 * policy and the summary's always-valid intervals are computed from. Empty when the partition does not exist.
 * @example const rows = await readVariantAggregates({ lake: "./data", dt: "2026-02-14" });
 */
export async function readVariantAggregates(options: {
  readonly lake: string;
  readonly dt: string;
  readonly experimentId?: string;
}): Promise<VariantAggregateRow[]> {
  const files = partitionFiles(options.lake, "gold", "agg_experiment_metric_by_variant", options.dt);
  if (files.length === 0) return [];
  const engine = await createDuckDbEngine({ threads: 1 });
  try {
    const where =
      options.experimentId === undefined ? "" : ` WHERE experiment_id = ${f.string(options.experimentId)}`;
    const rows = await engine.query<Record<string, unknown>>(
      `SELECT experiment_id, metric_id, analysis_mode, variation_id, n, sum_value, sum_value_sq, sum_den, sum_den_sq,
              sum_value_den
       FROM read_parquet([${files.map(f.string).join(", ")}], hive_partitioning = false)${where}`,
    );
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return rows.map((r) => ({
      experiment_id: String(r.experiment_id),
      metric_id: String(r.metric_id),
      analysis_mode: String(r.analysis_mode),
      variation_id: String(r.variation_id),
      n: Number(r.n),
      sum_value: num(r.sum_value),
      sum_value_sq: num(r.sum_value_sq),
      sum_den: num(r.sum_den),
      sum_den_sq: num(r.sum_den_sq),
      sum_value_den: num(r.sum_value_den),
    }));
  } finally {
    await engine.close();
  }
}

/**
 * Reads result rows for one experiment from the lake (latest partition unless `dt` is given).
 * @example const rows = await readExperimentResults({ lake: "./data", experimentId: "exp_checkout" });
 */
export async function readExperimentResults(options: {
  readonly lake: string;
  readonly experimentId: string;
  readonly dt?: string;
}): Promise<{ dt: string; rows: ResultRow[] } | null> {
  const dt = latestResultsDt(options.lake, options.dt);
  if (dt === null) return null;
  const files = partitionFiles(options.lake, "gold", "fct_experiment_results", dt);
  const engine = await createDuckDbEngine();
  try {
    const rows = await engine.query<ResultRow & Record<string, unknown>>(
      `SELECT * FROM read_parquet([${files.map(f.string).join(", ")}], hive_partitioning = false, union_by_name = true) WHERE experiment_id = ${f.string(options.experimentId)}`,
    );
    return { dt, rows };
  } finally {
    await engine.close();
  }
}

/**
 * Reads per-segment result rows (`fct_experiment_results_by_segment`) for one experiment from the same results
 * partition {@link readExperimentResults} reads (latest unless `dt` is given). `rows` is empty when that day had no
 * segment attribute; null when there is no results partition (or it predates segments).
 * @example
 * const seg = await readExperimentSegmentResults({ lake: "./data", experimentId: "exp_checkout" });
 * seg?.rows.filter((r) => r.segment_attribute === "platform");
 */
export async function readExperimentSegmentResults(options: {
  readonly lake: string;
  readonly experimentId: string;
  readonly dt?: string;
}): Promise<{ dt: string; rows: SegmentResultRow[] } | null> {
  const dt = latestResultsDt(options.lake, options.dt);
  if (dt === null) return null;
  const files = partitionFiles(options.lake, "gold", "fct_experiment_results_by_segment", dt);
  if (files.length === 0) return null;
  const engine = await createDuckDbEngine();
  try {
    const rows = await engine.query<SegmentResultRow & Record<string, unknown>>(
      `SELECT * FROM read_parquet([${files.map(f.string).join(", ")}], hive_partitioning = false, union_by_name = true) WHERE experiment_id = ${f.string(options.experimentId)}`,
    );
    return { dt, rows };
  } finally {
    await engine.close();
  }
}

/** Reads the quality report of a results partition (latest unless `dt` is given). */
export async function readQualityReport(options: {
  readonly lake: string;
  readonly dt?: string;
}): Promise<{ dt: string; report: QualityReport } | null> {
  const dt = latestResultsDt(options.lake, options.dt);
  if (dt === null) return null;
  const path = join(partitionDir(options.lake, "gold", "quality_report", dt), "quality_report.json");
  if (!existsSync(path)) return null;
  return { dt, report: JSON.parse(await readFile(path, "utf8")) as QualityReport };
}
