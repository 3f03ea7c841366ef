import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AssayConfig } from "./config/assay-config.js";
import { metricSources } from "./dialect/base/measure-plan.js";
import { metricTypeModelNeeded, sourceSelect } from "./dialect/base/metric-type-models.js";
import { segmentModelNames } from "./dialect/base/segment-models.js";
import type { Dialect } from "./dialect/dialect.js";
import { duckdbDialect } from "./dialect/duckdb/index.js";
import { modelsForDialect } from "./dialect/models-for-dialect.js";
import { createDuckDbEngine, type DuckDbEngineOptions } from "./engine/duckdb-engine.js";
import type { Engine } from "./engine/engine.js";
import { findIdentifyFiles, stitchFromFiles } from "./identity/identity-inputs.js";
import { writeDirectoryAtomically } from "./io/atomic-directory.js";
import { exportCsv } from "./io/export-table.js";
import { resolveInputFiles, resolveOptionalInputFiles } from "./io/input-files.js";
import { inputTableNames, optionalInputTables } from "./io/input-schema.js";
import { loadExtraTables } from "./io/load-extra-tables.js";
import { loadInputTable } from "./io/load-input-table.js";
import { loadConfigRelations, type ModelRunReport, runModels } from "./model/run-models.js";
import type { ProgressReporter } from "./progress/progress-reporter.js";
import {
  computeResults,
  type MomentAggregate,
  type QuantileAggregate,
  type ResultRow,
  type VariantAggregate,
} from "./results/compute-results.js";
import {
  computeSegmentResults,
  type SegmentAggregate,
  type SegmentResultRow,
  type SkippedSegmentComparison,
} from "./results/compute-segment-results.js";
import { buildQualityReport, type QualityReport } from "./results/quality-report.js";
import { materializeResults, materializeSegmentResults } from "./results/results-table.js";
import {
  ensureUserAttributesTable,
  resolveAttributeLevels,
  resolveSegmentAttributes,
} from "./segments/segment-attributes.js";

export interface AnalysisOptions {
  readonly config: AssayConfig;
  readonly alpha?: number;
  readonly warnOnly?: boolean;
  readonly skipTests?: boolean;
  readonly progress?: ProgressReporter;
  readonly dialect?: Dialect;
}

export interface AnalysisResult {
  readonly results: ReadonlyArray<ResultRow>;
  readonly quality: QualityReport;
  readonly models: ReadonlyArray<ModelRunReport>;
  /** The attributes results were drilled into; empty when there was none (no segment models ran). */
  readonly segmentAttributes: ReadonlyArray<string>;
  /** `fct_experiment_results_by_segment` rows (empty without segment attributes). */
  readonly segmentResults: ReadonlyArray<SegmentResultRow>;
  /** Per-segment comparisons the statistics engine refused (small segments); not in the quality report. */
  readonly skippedSegmentComparisons: ReadonlyArray<SkippedSegmentComparison>;
}

/** The CSV outputs of `assay analyze`, with their sort order (for stable, diffable files). */
export const analysisOutputs: ReadonlyArray<{ readonly table: string; readonly orderBy: string }> = [
  { table: "fact_assignment", orderBy: "experiment_id, user_id" },
  { table: "int_experiment_exposure_validation", orderBy: "experiment_id, user_id" },
  { table: "fct_experiment_exposure_quality_daily", orderBy: "experiment_id, date_day" },
  { table: "fct_experiment_cohort", orderBy: "experiment_id, user_id" },
  { table: "fct_experiment_unit_outcomes", orderBy: "experiment_id, metric_id, user_id" },
  {
    table: "agg_experiment_metric_by_variant",
    orderBy: "experiment_id, metric_id, analysis_mode, variation_id",
  },
  { table: "fct_experiment_results", orderBy: "" },
];

/**
 * The per-segment CSV outputs, written only when there is a segment attribute (a `user_attributes` row, or
 * `segment_attributes` in the config): `file` is the CSV's name without `.csv`.
 */
export const segmentAnalysisOutputs: ReadonlyArray<{
  readonly table: string;
  readonly orderBy: string;
  readonly file: string;
}> = [
  {
    table: "int_experiment_unit_segments",
    orderBy: "experiment_id, user_id, segment_attribute",
    file: "int_experiment_unit_segments",
  },
  {
    table: "agg_experiment_metric_by_segment",
    orderBy: "experiment_id, metric_id, analysis_mode, segment_attribute, segment_value, variation_id",
    file: "agg_experiment_metric_by_segment",
  },
  { table: "fct_experiment_results_by_segment", orderBy: "", file: "experiment_results_by_segment" },
];

/**
 * Runs every model on tables `raw_assignments`, `raw_exposures`, `raw_events` (and optionally
 * `raw_user_attributes`, created empty when absent) already in the engine (embedded DuckDB, or a warehouse with
 * its `dialect`), then the statistics engine on the aggregated sufficient statistics, the only rows read back
 * besides the quality counts and the list of attribute names. The segment models run only when there is a segment
 * attribute. Leaves all model tables in the engine; `fct_experiment_results_by_segment` is materialized only on
 * DuckDB (warehouses keep the segment aggregate; callers export the rows).
 * @example
 * const { results, segmentResults, quality } = await runAnalysis(engine, { config, alpha: 0.05 });
 */
export async function runAnalysis(engine: Engine, options: AnalysisOptions): Promise<AnalysisResult> {
  const dialect = options.dialect ?? duckdbDialect;
  await ensureUserAttributesTable(engine, dialect);
  const segmentAttributes = await resolveSegmentAttributes(engine, options.config);
  const attributeLevels = await resolveAttributeLevels(engine, dialect, options.config);
  const config = { ...options.config, segmentAttributes, attributeLevels };
  const segmented = segmentAttributes.length > 0;
  await checkMetricSources(engine, dialect, config);
  await loadConfigRelations(engine, dialect, config);
  const { models, tests } = await runModels({
    engine,
    dialect,
    config,
    models: modelsForDialect(dialect).filter(
      (m) => (segmented || !segmentModelNames.has(m.name)) && metricTypeModelNeeded(m.name, config),
    ),
    warnOnly: options.warnOnly ?? false,
    skipTests: options.skipTests ?? false,
    ...(options.progress ? { progress: options.progress } : {}),
  });
  const aggregates = await engine.query<VariantAggregate & Record<string, unknown>>(
    "SELECT * FROM agg_experiment_metric_by_variant",
  );
  const quantiles = metricTypeModelNeeded("agg_experiment_metric_quantiles", config)
    ? await engine.query<QuantileAggregate & Record<string, unknown>>(
        "SELECT * FROM agg_experiment_metric_quantiles",
      )
    : [];
  const moments = metricTypeModelNeeded("agg_experiment_metric_moments", config)
    ? await engine.query<MomentAggregate & Record<string, unknown>>(
        "SELECT * FROM agg_experiment_metric_moments",
      )
    : [];
  const { rows, skipped } = computeResults(
    config,
    aggregates,
    { alpha: options.alpha ?? 0.05 },
    { quantiles, moments },
  );
  await materializeResults(engine, dialect, rows);
  const quality = await buildQualityReport(engine, config, { tests, skipped });
  const segments = segmented
    ? computeSegmentResults(
        await engine.query<SegmentAggregate & Record<string, unknown>>(
          "SELECT * FROM agg_experiment_metric_by_segment",
        ),
        config,
        { alpha: options.alpha ?? 0.05 },
      )
    : { rows: [], skipped: [] };
  if (segmented && dialect.name === duckdbDialect.name) {
    await materializeSegmentResults(engine, dialect, segments.rows);
  }
  return {
    results: rows,
    quality,
    models,
    segmentAttributes,
    segmentResults: segments.rows,
    skippedSegmentComparisons: segments.skipped,
  };
}

/**
 * Loads the input tables of a bring-your-own-data folder (CSV or Parquet) into the engine; an optional table
 * (`user_attributes`) that is absent loads as an empty table.
 */
export async function loadInputDirectory(
  engine: Engine,
  dataDir: string,
  options: { readonly extraTables?: boolean } = {},
): Promise<void> {
  for (const table of inputTableNames) {
    const files = optionalInputTables.has(table)
      ? resolveOptionalInputFiles(dataDir, table)
      : resolveInputFiles(dataDir, table);
    await loadInputTable(engine, table, files);
  }
  if (options.extraTables) await loadExtraTables(engine, dataDir);
}

/** A SQL-defined metric source that does not run; the message names the metric (docs/metrics.md). */
export class MetricSourceError extends Error {
  readonly status = 400;
  readonly field: string;
  constructor(metricId: string, cause: unknown) {
    super(`metric "${metricId}": its source SQL fails: ${(cause as Error).message}`, { cause });
    this.name = "MetricSourceError";
    this.field = `metrics.${metricId}.source.sql`;
  }
}

/** Runs each SQL source once without rows, so a bad query fails the run naming its metric. */
async function checkMetricSources(engine: Engine, dialect: Dialect, config: AssayConfig): Promise<void> {
  for (const source of metricSources(config)) {
    try {
      await engine.query(
        `SELECT * FROM (${sourceSelect(dialect.functions, source.sourceId, source.metricId, source.sql)}) checked WHERE 1 = 0`,
      );
    } catch (cause) {
      throw new MetricSourceError(source.metricId, cause);
    }
  }
}

export interface AnalyzeDirectoryOptions extends AnalysisOptions {
  readonly dataDir: string;
  readonly outDir: string;
  readonly engineOptions?: DuckDbEngineOptions;
}

/**
 * `assay analyze`: reads DIR, runs the pipeline on an embedded DuckDB and writes every model as CSV plus
 * `quality_report.json` into `outDir`, atomically (a failed run leaves `outDir` as it was).
 * @example await analyzeDirectory({ config, dataDir: "input", outDir: "out", alpha: 0.05 });
 */
export async function analyzeDirectory(options: AnalyzeDirectoryOptions): Promise<AnalysisResult> {
  const engine = await createDuckDbEngine(options.engineOptions ?? {});
  try {
    await loadInputDirectory(engine, options.dataDir, {
      extraTables: metricSources(options.config).length > 0,
    });
    const identity = await stitchFromFiles(engine, findIdentifyFiles(options.dataDir), {
      config: options.config,
      tables: inputTableNames,
      ...(options.warnOnly ? { warnOnly: true } : {}),
    });
    const base = await runAnalysis(engine, options);
    const analysis: AnalysisResult = identity
      ? {
          ...base,
          quality: {
            ...base.quality,
            data_tests: [...identity.tests, ...base.quality.data_tests],
            identity: identity.quality,
          },
        }
      : base;
    await writeDirectoryAtomically(options.outDir, async (dir) => {
      for (const output of analysisOutputs) {
        await exportCsv(engine, output.table, join(dir, `${output.table}.csv`), output.orderBy || undefined);
      }
      if (analysis.segmentAttributes.length > 0) {
        for (const output of segmentAnalysisOutputs) {
          await exportCsv(engine, output.table, join(dir, `${output.file}.csv`), output.orderBy || undefined);
        }
      }
      if (identity) {
        await exportCsv(engine, "dim_user_identity", join(dir, "dim_user_identity.csv"), "anon_id");
      }
      await writeFile(join(dir, "quality_report.json"), `${JSON.stringify(analysis.quality, null, 2)}\n`);
    });
    return analysis;
  } finally {
    await engine.close();
  }
}
