import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AssayConfig } from "../config/assay-config.js";
import { loadConfigFile } from "../config/load-config.js";
import { readLakeIdentityQuality, writeLakeIdentity } from "../identity/identity-inputs.js";
import { writeDirectoryAtomically } from "../io/atomic-directory.js";
import { exportCsv, exportParquet } from "../io/export-table.js";
import { inputTableNames } from "../io/input-schema.js";
import { checkDt, lakeConfigPath, partitionDir, partitionFiles } from "../lake/lake-layout.js";
import { metricTypeModelNeeded } from "../models/metric-type-models.js";
import type { ModelDefinition } from "../models/model.js";
import {
  type DataTestResult,
  loadConfigRelations,
  type ModelRunReport,
  runModels,
} from "../models/run-models.js";
import { segmentModelNames } from "../models/segment-models.js";
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
  type SegmentKeys,
  type SegmentResultRow,
  type SkippedSegmentComparison,
} from "../results/compute-segment-results.js";
import { buildQualityReport, type QualityReport } from "../results/quality-report.js";
import { materializeResults, materializeSegmentResults } from "../results/results-table.js";
import {
  ensureUserAttributesTable,
  resolveAttributeLevels,
  resolveSegmentAttributes,
} from "../segments/segment-attributes.js";
import type { DuckDbEngineOptions } from "../warehouses/duckdb/connection.js";
import { createDuckDbWarehouse } from "../warehouses/duckdb/index.js";
import { duckdbFunctions as d } from "../warehouses/duckdb/sql-compiler.js";
import type { Warehouse } from "../warehouses/warehouse.js";
import { analysisOutputs, identityOutput, segmentAnalysisOutputs } from "./analysis-outputs.js";
import { checkMetricSources } from "./check-metric-sources.js";
import { readTestLog, writeTestLog } from "./lake-test-log.js";
import { type LocalTables, openLocalTables } from "./local-tables.js";
import { MissingPartitionError } from "./missing-partition-error.js";
import { createProfile, type PipelineProfile } from "./pipeline-profile.js";
import type { PipelineSink } from "./pipeline-sink.js";
import { loadSource, type PipelineSource } from "./pipeline-source.js";
import { type PipelineStep, pipelineSteps, planSteps, producerOf, type StepPlan } from "./pipeline-steps.js";

export interface RunPipelineOptions {
  readonly source: PipelineSource;
  /** An open warehouse (left open); default an embedded DuckDB the run opens and closes. */
  readonly warehouse?: Warehouse;
  /** Options of that embedded DuckDB. */
  readonly duckdb?: DuckDbEngineOptions;
  readonly sink: PipelineSink;
  /** The config; default read from `configPath`, else the lake's `assay.yaml`. */
  readonly config?: AssayConfig;
  readonly configPath?: string;
  /** The daily jobs to run (`assay build <step>`); default all, in order. Single jobs run on DuckDB over the lake. */
  readonly steps?: ReadonlyArray<PipelineStep>;
  readonly alpha?: number;
  readonly warnOnly?: boolean;
  /** Skip data tests (benchmarks of the model SQL alone). */
  readonly skipTests?: boolean;
  readonly progress?: ProgressReporter;
}

/** What one daily job built, tested and wrote. */
export interface PipelineJobReport {
  readonly step: PipelineStep;
  readonly models: ReadonlyArray<ModelRunReport>;
  readonly tests: ReadonlyArray<DataTestResult>;
  readonly written: ReadonlyArray<string>;
}

export interface PipelineRun {
  readonly steps: ReadonlyArray<PipelineJobReport>;
  readonly models: ReadonlyArray<ModelRunReport>;
  /** `fct_experiment_results` rows; empty when the results job did not run. */
  readonly results: ReadonlyArray<ResultRow>;
  /** The quality report; null when the results job did not run. */
  readonly quality: QualityReport | null;
  /** The attributes results were drilled into; empty when there was none (no segment models ran). */
  readonly segmentAttributes: ReadonlyArray<string>;
  /** `fct_experiment_results_by_segment` rows (empty without segments). */
  readonly segmentResults: ReadonlyArray<SegmentResultRow>;
  /** Per-segment comparisons the statistics engine refused (small segments); not in the quality report. */
  readonly skippedSegmentComparisons: ReadonlyArray<SkippedSegmentComparison>;
  readonly profile: PipelineProfile;
}

/** CPU milliseconds of this process (user + system, every thread: an embedded DuckDB's too) since `since`. */
const cpuMsSince = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** The lake a run reads upstream partitions from and writes job logs to, if any. */
const lakeOf = (options: RunPipelineOptions) =>
  options.sink.kind === "lake"
    ? { lake: options.sink.lake, dt: options.sink.dt }
    : options.source.kind === "lake"
      ? { lake: options.source.lake, dt: options.source.dt }
      : null;

async function readConfig(options: RunPipelineOptions): Promise<AssayConfig> {
  if (options.config) return options.config;
  const lake = lakeOf(options);
  const path = options.configPath ?? (lake ? lakeConfigPath(lake.lake) : undefined);
  if (path === undefined) throw new TypeError("runPipeline needs config or configPath");
  return loadConfigFile(path);
}

/**
 * The one pipeline runner: loads the source's raw rows into the warehouse, builds the models of the requested
 * jobs in graph order (with their data tests), computes the statistics from the sufficient statistics alone,
 * and writes the sink. `assay analyze`, `assay pipeline run`, `assay build` and the server's scheduled runs all
 * call it.
 * @example
 * await runPipeline({ source: { kind: "folder", dir: "input" }, sink: { kind: "folder", dir: "out" }, config });
 * await runPipeline({ source: { kind: "lake", lake: "./data", dt }, sink: { kind: "lake", lake: "./data", dt } });
 * await runPipeline({ source: { kind: "lake", lake, dt }, warehouse: await openWarehouse({ kind: "clickhouse", url }),
 *   sink: { kind: "lake", lake, dt } });
 */
export async function runPipeline(options: RunPipelineOptions): Promise<PipelineRun> {
  const started = performance.now();
  if (options.source.kind === "lake") checkDt(options.source.dt);
  if (options.sink.kind === "lake") checkDt(options.sink.dt);
  const config = await readConfig(options);
  const warehouse = options.warehouse ?? (await createDuckDbWarehouse(options.duckdb ?? {}));
  try {
    return await runOnWarehouse(warehouse, config, options, started);
  } finally {
    if (options.warehouse === undefined) await warehouse.close();
  }
}

async function runOnWarehouse(
  warehouse: Warehouse,
  config: AssayConfig,
  options: RunPipelineOptions,
  started: number,
): Promise<PipelineRun> {
  const progress = options.progress ?? silentProgress;
  const { engine, dialect } = warehouse;
  const plans = planSteps(warehouse.models);
  const selected = plans.filter((p) => (options.steps ?? pipelineSteps).includes(p.step));
  const ran = (step: PipelineStep) => selected.some((p) => p.step === step);
  const lake = lakeOf(options);
  const built = new Set(selected.flatMap((p) => p.models.map((m) => m.name)));
  const upstream = [...new Set(selected.flatMap((p) => p.upstream))].filter((name) => !built.has(name));
  if (upstream.length > 0 && (warehouse.kind !== "duckdb" || lake === null)) {
    throw new TypeError(
      `single jobs run on the embedded DuckDB over the lake (upstream ${upstream.join(", ")} is read from its partitions)`,
    );
  }

  // Load: the raw rows, then upstream partitions of jobs not run here.
  const loadStarted = performance.now();
  const loadCpu = process.cpuUsage();
  const tables =
    options.source.kind === "folder"
      ? inputTableNames
      : inputTableNames.filter((t) => selected.some((p) => p.raw.includes(t)));
  const identity = await loadSource({
    source: options.source,
    warehouse,
    config,
    tables,
    ...(options.warnOnly ? { warnOnly: true } : {}),
    progress,
  });
  const available = new Set(built);
  for (const model of upstream) {
    if (lake === null) break;
    if (!metricTypeModelNeeded(model, config)) continue;
    const files = partitionFiles(lake.lake, areaOf(warehouse.models, model), model, lake.dt);
    if (files.length === 0) {
      if (segmentModelNames.has(model)) continue;
      throw new MissingPartitionError(
        `missing ${model} for dt=${lake.dt} (run \`assay build ${producerOf(plans, model)} --dt ${lake.dt}\` first)`,
      );
    }
    await engine.run(
      d.createViewAs(
        model,
        `SELECT * FROM read_parquet([${files.map(d.string).join(", ")}], hive_partitioning = false, union_by_name = true)`,
      ),
    );
    available.add(model);
  }
  const loadMs = performance.now() - loadStarted;
  const loadCpuMs = cpuMsSince(loadCpu);

  // Models: segment attributes are resolved when the job building the segment models runs.
  const modelsStarted = performance.now();
  const modelsCpu = process.cpuUsage();
  const buildsSegments = selected.some((p) => p.models.some((m) => segmentModelNames.has(m.name)));
  if (buildsSegments) await ensureUserAttributesTable(warehouse);
  const segmentAttributes = buildsSegments ? await resolveSegmentAttributes(engine, config) : [];
  const segmented = segmentAttributes.length > 0;
  const buildsOutcomes = selected.some((p) =>
    p.models.some((m) => m.name === "int_experiment_unit_measures"),
  );
  if (buildsOutcomes && metricTypeModelNeeded("int_experiment_unit_attributes", config)) {
    await ensureUserAttributesTable(warehouse);
  }
  const attributeLevels = buildsOutcomes ? await resolveAttributeLevels(engine, dialect, config) : {};
  const runConfig: AssayConfig = {
    ...config,
    ...(buildsSegments ? { segmentAttributes } : {}),
    attributeLevels,
    // A lake partition's data ends with its day, whatever its latest event (docs/metrics.md, retention).
    ...(options.source.kind === "lake"
      ? { dataHorizonMs: Date.parse(`${options.source.dt}T00:00:00Z`) + 86_400_000 }
      : {}),
  };
  if (buildsOutcomes) await checkMetricSources(engine, dialect, runConfig);
  await loadConfigRelations(engine, dialect, runConfig);
  // Segment models without a segment attribute, and metric-type models no used metric needs, do not run.
  const skipped = (m: ModelDefinition) =>
    (!segmented && segmentModelNames.has(m.name)) || !metricTypeModelNeeded(m.name, config);
  // Segment models skipped for want of attributes are not there to read (a lake partition read as upstream is).
  if (buildsSegments && !segmented) for (const name of segmentModelNames) available.delete(name);
  const { models, tests } = await runModels({
    engine,
    dialect,
    config: runConfig,
    models: selected.flatMap((p) => p.models).filter((m) => !skipped(m)),
    warnOnly: options.warnOnly ?? false,
    skipTests: options.skipTests ?? false,
    progress,
  });
  const modelsMs = performance.now() - modelsStarted;
  const modelsCpuMs = cpuMsSince(modelsCpu);
  const identityTests = identity && ran("assignments") ? identity.tests : [];
  const stepTests = (plan: StepPlan) => [
    ...(plan.step === "assignments" ? identityTests : []),
    ...tests.filter((t) => plan.models.some((m) => m.name === t.model)),
  ];

  // Statistics: only the sufficient statistics (and the quality counts) leave the warehouse.
  const statisticsStarted = performance.now();
  const statisticsCpu = process.cpuUsage();
  let results: ResultRow[] = [];
  let quality: QualityReport | null = null;
  let segments: { rows: SegmentResultRow[]; skipped: SkippedSegmentComparison[] } = { rows: [], skipped: [] };
  if (ran("results")) {
    const alpha = options.alpha ?? 0.05;
    const aggregates = await engine.query<VariantAggregate & Record<string, unknown>>(
      "SELECT * FROM agg_experiment_metric_by_variant",
    );
    const extra = async <T>(model: string): Promise<T[]> =>
      metricTypeModelNeeded(model, config)
        ? await engine.query<T & Record<string, unknown>>(`SELECT * FROM ${model}`)
        : [];
    const computed = computeResults(
      runConfig,
      aggregates,
      { alpha },
      {
        quantiles: await extra<QuantileAggregate>("agg_experiment_metric_quantiles"),
        moments: await extra<MomentAggregate>("agg_experiment_metric_moments"),
      },
    );
    results = computed.rows;
    await materializeResults(engine, dialect, results);
    const allTests: DataTestResult[] = [];
    for (const plan of plans.filter((p) => p.step !== "results")) {
      if (ran(plan.step)) allTests.push(...stepTests(plan));
      else if (lake !== null) allTests.push(...(await readTestLog(lake.lake, plan.step, lake.dt)));
    }
    quality = await buildQualityReport(engine, config, { tests: allTests, skipped: computed.skipped });
    const identityQuality =
      identity && ran("assignments")
        ? identity.quality
        : lake !== null && options.source.kind === "lake"
          ? await readLakeIdentityQuality(lake.lake, lake.dt)
          : null;
    if (identityQuality) quality.identity = identityQuality;
    if (available.has("agg_experiment_metric_by_segment")) {
      segments = computeSegmentResults(
        await engine.query<SegmentAggregate & Record<string, unknown>>(
          "SELECT * FROM agg_experiment_metric_by_segment",
        ),
        runConfig,
        { alpha },
        {
          // A lake partition written before these models existed has none to read.
          quantiles: available.has("agg_experiment_metric_quantiles_by_segment")
            ? await extra<QuantileAggregate & SegmentKeys>("agg_experiment_metric_quantiles_by_segment")
            : [],
          moments: available.has("agg_experiment_metric_moments_by_segment")
            ? await extra<MomentAggregate & SegmentKeys>("agg_experiment_metric_moments_by_segment")
            : [],
        },
      );
      if (segmented && warehouse.kind === "duckdb") {
        await materializeSegmentResults(engine, dialect, segments.rows);
      }
    }
  }
  const statisticsMs = performance.now() - statisticsStarted;
  const statisticsCpuMs = cpuMsSince(statisticsCpu);

  // Sink.
  const writeStarted = performance.now();
  const writeCpu = process.cpuUsage();
  const reports: PipelineJobReport[] = [];
  const sink = options.sink;
  if (sink.kind !== "none") {
    const local = await openLocalTables(warehouse, runConfig, () => ({
      results,
      segmentResults: segments.rows,
    }));
    try {
      if (sink.kind === "folder") {
        await writeFolder(local, sink.dir, sink.format ?? "csv", {
          segmented,
          identity: identity !== null,
          quality,
        });
      } else {
        if (ran("assignments") && warehouse.kind === "duckdb") {
          await writeLakeIdentity(engine, sink.lake, sink.dt, identity);
        }
        for (const plan of selected) {
          progress.note(`job ${plan.step} (dt=${sink.dt})`);
          const written: string[] = [];
          for (const model of plan.models.filter((m) => m.zone !== "transient")) {
            const dir = partitionDir(sink.lake, areaOf(warehouse.models, model.name), model.name, sink.dt);
            if (skipped(model)) {
              // A re-run without attributes must not leave an earlier run's segment partitions for this dt behind.
              await rm(dir, { recursive: true, force: true });
              continue;
            }
            await local.ensure(model.name);
            await writeDirectoryAtomically(dir, (tmp) =>
              exportParquet(
                local.engine,
                `SELECT * FROM ${d.ident(model.name)}`,
                join(tmp, "part-0.parquet"),
              ),
            );
            written.push(dir);
          }
          if (plan.step === "results") {
            written.push(...(await writeLakeResults(local, sink.lake, sink.dt, quality)));
            progress.modelFinished({ model: "fct_experiment_results", rows: results.length, elapsedMs: 0 });
          } else {
            await writeTestLog(sink.lake, plan.step, sink.dt, stepTests(plan));
          }
          const own = new Set(plan.models.map((m) => m.name));
          reports.push({
            step: plan.step,
            models: models.filter((m) => own.has(m.model)),
            tests: plan.step === "results" ? [] : stepTests(plan),
            written,
          });
        }
      }
    } finally {
      await local.close();
    }
  }
  const writeMs = performance.now() - writeStarted;
  const writeCpuMs = cpuMsSince(writeCpu);
  return {
    steps: reports,
    models,
    results,
    quality,
    segmentAttributes,
    segmentResults: segments.rows,
    skippedSegmentComparisons: segments.skipped,
    profile: createProfile(
      warehouse.kind,
      models,
      { load: loadMs, models: modelsMs, statistics: statisticsMs, write: writeMs },
      performance.now() - started,
      { load: loadCpuMs, models: modelsCpuMs, statistics: statisticsCpuMs, write: writeCpuMs },
    ),
  };
}

/** The lake area a model's partitions live in. */
function areaOf(models: ReadonlyArray<ModelDefinition>, name: string): "silver" | "gold" {
  return models.find((m) => m.name === name)?.zone === "gold" ? "gold" : "silver";
}

async function writeFolder(
  local: LocalTables,
  dir: string,
  format: "csv" | "parquet",
  what: { segmented: boolean; identity: boolean; quality: QualityReport | null },
): Promise<void> {
  const outputs = [
    ...analysisOutputs,
    ...(what.segmented ? segmentAnalysisOutputs : []),
    ...(what.identity ? [identityOutput] : []),
  ];
  await writeDirectoryAtomically(dir, async (tmp) => {
    for (const output of outputs) {
      await local.ensure(output.table);
      if (format === "csv") {
        await exportCsv(
          local.engine,
          output.table,
          join(tmp, `${output.file}.csv`),
          output.orderBy || undefined,
        );
      } else {
        await exportParquet(
          local.engine,
          `SELECT * FROM ${d.ident(output.table)}`,
          join(tmp, `${output.file}.parquet`),
        );
      }
    }
    if (what.quality) {
      await writeFile(join(tmp, "quality_report.json"), `${JSON.stringify(what.quality, null, 2)}\n`);
    }
  });
}

/**
 * The results job's partitions: the quality report, the per-segment results (empty without segments, so a
 * reader never picks up another day's) and, last, the results: readers find a day by its results partition.
 */
async function writeLakeResults(
  local: LocalTables,
  lake: string,
  dt: string,
  quality: QualityReport | null,
): Promise<string[]> {
  const qualityDir = partitionDir(lake, "gold", "quality_report", dt);
  await writeDirectoryAtomically(qualityDir, (tmp) =>
    writeFile(join(tmp, "quality_report.json"), `${JSON.stringify(quality, null, 2)}\n`),
  );
  const written = [qualityDir];
  for (const table of ["fct_experiment_results_by_segment", "fct_experiment_results"]) {
    await local.ensure(table);
    const dir = partitionDir(lake, "gold", table, dt);
    await writeDirectoryAtomically(dir, (tmp) =>
      exportParquet(local.engine, `SELECT * FROM ${d.ident(table)}`, join(tmp, "part-0.parquet")),
    );
    written.push(dir);
  }
  return [written[2] ?? "", written[1] ?? "", qualityDir];
}
