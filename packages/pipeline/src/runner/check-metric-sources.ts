import type { AssayConfig } from "../config/assay-config.js";
import { metricSources } from "../models/measure-plan.js";
import { sourceSelect } from "../models/metric-type-models.js";
import type { Dialect } from "../sql/dialect.js";
import type { Engine } from "../sql/engine.js";

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

/**
 * Runs each SQL source once without rows before the models, so a bad query fails the run naming its metric.
 * @example await checkMetricSources(engine, dialect, config); // throws MetricSourceError
 */
export async function checkMetricSources(
  engine: Engine,
  dialect: Dialect,
  config: AssayConfig,
): Promise<void> {
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
