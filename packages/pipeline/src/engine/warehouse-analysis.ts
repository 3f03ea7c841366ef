import type { AnalysisOptions, AnalysisResult } from "../analyze.js";
import { baseModels } from "../dialect/base/models.js";
import { clickhouseModels } from "../dialect/clickhouse/models.js";
import type { Dialect } from "../dialect/dialect.js";
import type { ModelDefinition } from "../model/model.js";
import { loadConfigRelations, runModels } from "../model/run-models.js";
import { computeResults, type VariantAggregate } from "../results/compute-results.js";
import { buildQualityReport } from "../results/quality-report.js";
import { materializeResults } from "../results/results-table.js";
import type { Engine } from "./engine.js";

/** The models as a dialect runs them (ClickHouse swaps in SQL for shapes 18.16 cannot parse). */
export function modelsForDialect(dialect: Dialect): ReadonlyArray<ModelDefinition> {
  return dialect.name === "clickhouse" ? clickhouseModels(baseModels) : baseModels;
}

/**
 * Runs the whole pipeline inside a warehouse on `raw_assignments`, `raw_exposures`, `raw_events` already there
 * (e.g. from `assay load`): every model is a table in the warehouse, and only the per-variant sufficient
 * statistics and the quality counts come back to Node.
 * @example const { results, quality } = await runWarehouseAnalysis(engine, { config, dialect: postgresDialect });
 */
export async function runWarehouseAnalysis(
  engine: Engine,
  options: AnalysisOptions & { readonly dialect: Dialect },
): Promise<AnalysisResult> {
  const { config, dialect } = options;
  await loadConfigRelations(engine, dialect, config);
  const { models, tests } = await runModels({
    engine,
    dialect,
    config,
    models: modelsForDialect(dialect),
    warnOnly: options.warnOnly ?? false,
    skipTests: options.skipTests ?? false,
    ...(options.progress ? { progress: options.progress } : {}),
  });
  const aggregates = await engine.query<VariantAggregate & Record<string, unknown>>(
    "SELECT * FROM agg_experiment_metric_by_variant",
  );
  const { rows, skipped } = computeResults(config, aggregates, { alpha: options.alpha ?? 0.05 });
  await materializeResults(engine, dialect, rows);
  const quality = await buildQualityReport(engine, config, { tests, skipped });
  return { results: rows, quality, models };
}
