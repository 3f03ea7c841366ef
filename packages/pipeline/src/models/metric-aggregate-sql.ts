import type { AssayConfig } from "../config/assay-config.js";
import type { FunctionTable } from "../sql/dialect.js";
import { outcomeSql, planMeasures } from "./measure-plan.js";

/** The sufficient statistics of every metric aggregate, in column order (after `n`). */
export const sufficientStatistics = [
  "sum_value",
  "sum_value_sq",
  "sum_den",
  "sum_den_sq",
  "sum_value_den",
  "sum_cov",
  "sum_cov_sq",
  "sum_value_cov",
] as const;

/** The columns a segment adds to the by-variant grain. */
export const segmentKeys = ["segment_attribute", "segment_value"] as const;

/**
 * The SELECT of a metric aggregate: sufficient statistics per experiment × metric × analysis mode × variation,
 * for `variant` over the cohort, or for `segment` over `int_experiment_unit_segments` (one row per unit and segment
 * attribute) with `segment_attribute, segment_value` between the mode and the variation. Every variation of every
 * metric and mode is present (n = 0 allowed); a segment only when at least one unit falls in it.
 * @example const sql = metricAggregateSql(duckdbFunctions, config, "segment");
 */
export function metricAggregateSql(
  f: FunctionTable,
  config: AssayConfig,
  grain: "variant" | "segment",
): string {
  // One pass over the units: every metric's sums are columns of one GROUP BY (the same values the outcomes
  // view holds, summed the same way), then unpivoted per metric, instead of aggregating units × metrics rows.
  const segment = grain === "segment";
  const keys = (alias: string) => (segment ? segmentKeys.map((k) => `${alias}${k}, `).join("") : "");
  const plan = planMeasures(config);
  const values = new Map<string, string>();
  const valueColumn = (sql: string) => {
    const found = values.get(sql);
    if (found) return found;
    const name = `x${values.size}`;
    values.set(sql, name);
    return name;
  };
  const sums = new Map<string, string>();
  const sumOf = (a: string | null, b?: string | null) => {
    if (a === null || b === null) return f.nullOf("double");
    const sql = f.preciseSum(b === undefined ? a : `${a} * ${b}`);
    const found = sums.get(sql);
    if (found) return found;
    const name = `s${sums.size}`;
    sums.set(sql, name);
    return name;
  };
  const perMetric = plan.metrics.map((entry) => {
    const sql = outcomeSql(entry);
    const v = valueColumn(sql.value);
    const d = sql.denominator === null ? null : valueColumn(sql.denominator);
    const x = sql.covariate === null ? null : valueColumn(sql.covariate);
    const columns: Record<(typeof sufficientStatistics)[number], string> = {
      sum_value: sumOf(v),
      sum_value_sq: sumOf(v, v),
      sum_den: sumOf(d),
      sum_den_sq: sumOf(d, d),
      sum_value_den: sumOf(v, d),
      sum_cov: sumOf(x),
      sum_cov_sq: sumOf(x, x),
      sum_value_cov: sumOf(v, x),
    };
    return `SELECT experiment_id, ${f.cast(f.string(entry.metric.id), "text")} AS metric_id, analysis_mode, ${keys("")}variant_id AS variation_id, n,
    ${sufficientStatistics.map((c) => `${columns[c]} AS ${c}`).join(", ")}
  FROM stats`;
  });
  const modes = `SELECT ${f.cast(f.string("itt"), "text")} AS analysis_mode UNION ALL SELECT ${f.cast(f.string("exposed"), "text")}`;
  const byMetric =
    perMetric.length > 0
      ? perMetric.join("\n  UNION ALL\n  ")
      : `SELECT experiment_id, ${f.nullOf("text")} AS metric_id, analysis_mode, ${keys("")}variant_id AS variation_id, n,
    ${sufficientStatistics.map((c) => `${f.nullOf("double")} AS ${c}`).join(", ")}
  FROM stats WHERE 1 = 0`;
  const source = segment ? "int_experiment_unit_segments" : "fct_experiment_cohort";
  const spineSegments = segment
    ? `
  JOIN (SELECT DISTINCT experiment_id, ${segmentKeys.join(", ")} FROM stats) g ON g.experiment_id = v.experiment_id`
    : "";
  const segmentJoin = segment
    ? `
  AND t.segment_attribute = s.segment_attribute AND t.segment_value = s.segment_value`
    : "";
  return `WITH unit AS (
  SELECT c.experiment_id, ${keys("c.")}c.variant_id, c.is_exposed${[...values].map(([sql, name]) => `,\n    ${f.cast(sql, "double")} AS ${name}`).join("")}
  FROM ${source} c
  LEFT JOIN int_experiment_unit_measures u ON u.experiment_id = c.experiment_id AND u.user_id = c.user_id
), stats AS (
  SELECT un.experiment_id, ${keys("un.")}m.analysis_mode, un.variant_id,
    count(*) AS n${[...sums].map(([sql, name]) => `,\n    ${sql} AS ${name}`).join("")}
  FROM unit un
  JOIN (${modes}) m ON m.analysis_mode = 'itt' OR un.is_exposed
  GROUP BY un.experiment_id, ${keys("un.")}m.analysis_mode, un.variant_id
), by_metric AS (
  ${byMetric}
), spine AS (
  SELECT v.experiment_id, em.metric_id, m.analysis_mode, ${keys("g.")}v.variant_id AS variation_id, v.is_control
  FROM cfg_variant v
  JOIN cfg_experiment_metric em ON em.experiment_id = v.experiment_id${spineSegments}
  JOIN (${modes}) m ON 1 = 1
)
SELECT s.experiment_id, s.metric_id, s.analysis_mode, ${keys("s.")}s.variation_id, s.is_control,
  ${f.cast("COALESCE(t.n, 0)", "bigint")} AS n,
  ${sufficientStatistics.map((c) => `${f.cast(`COALESCE(t.${c}, 0)`, "double")} AS ${c}`).join(",\n  ")}
FROM spine s
LEFT JOIN by_metric t ON t.experiment_id = s.experiment_id AND t.metric_id = s.metric_id
  AND t.analysis_mode = s.analysis_mode AND t.variation_id = s.variation_id${segmentJoin}`;
}
