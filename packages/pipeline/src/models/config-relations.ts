import type { AssayConfig } from "../config/assay-config.js";
import type { Dialect } from "../sql/dialect.js";

/** The config as relations (`cfg_*`), so the models are generic SQL joined against data, not per-experiment code. */
export interface ConfigRelation {
  readonly name: string;
  readonly sql: string;
}

/**
 * Compiles the experiments, variants and metric assignments of a config into `SELECT … UNION ALL …` relations.
 * @example for (const r of configRelations(config, duckdbDialect)) await engine.run(f.createTableAs(r.name, r.sql));
 */
export function configRelations(config: AssayConfig, dialect: Dialect): ReadonlyArray<ConfigRelation> {
  const f = dialect.functions;
  const unionAll = (rows: ReadonlyArray<string>) => rows.map((row) => `SELECT ${row}`).join("\nUNION ALL\n");
  const experiments = config.experiments.map(
    (e) =>
      `${f.cast(f.string(e.id), "text")} AS experiment_id, ${f.timestamp(e.startMs)} AS start_time_utc, ${f.timestamp(e.endMs)} AS end_time_utc`,
  );
  const variants = config.experiments.flatMap((e) =>
    e.variants.map(
      (v) =>
        `${f.cast(f.string(e.id), "text")} AS experiment_id, ${f.cast(f.string(v.id), "text")} AS variant_id, ${f.cast(String(v.allocation), "double")} AS allocation, ${f.bool(v.isControl)} AS is_control`,
    ),
  );
  const experimentMetrics = config.experiments.flatMap((e) =>
    e.metricIds.map(
      (m) =>
        `${f.cast(f.string(e.id), "text")} AS experiment_id, ${f.cast(f.string(m), "text")} AS metric_id`,
    ),
  );
  return [
    { name: "cfg_experiment", sql: unionAll(experiments) },
    { name: "cfg_variant", sql: unionAll(variants) },
    { name: "cfg_experiment_metric", sql: unionAll(experimentMetrics) },
  ];
}
