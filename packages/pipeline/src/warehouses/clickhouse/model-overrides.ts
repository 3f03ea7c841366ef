import { measureValueSql, planMeasures } from "../../models/measure-plan.js";
import { sufficientStatistics } from "../../models/metric-aggregate-sql.js";
import type { CompileContext, ModelDefinition } from "../../models/model.js";
import { notSetSegmentValue, segmentAttributesOf } from "../../models/segment-models.js";
import { clickhouseFunctions as f } from "./sql-compiler.js";

// The by-variant grain's columns after the sums (extendedStatistics): constants here, since a config needing caps,
// retention or ratio CUPED is refused on ClickHouse before it runs (runner/unsupported-metric-features.ts).
const extendedColumns = `CAST(0 AS Float64) AS sum_den_cov,
  CAST(NULL AS Nullable(Float64)) AS cap_value,
  CAST(NULL AS Nullable(Float64)) AS covariate_cap_value,
  CAST(0 AS Int64) AS excluded_units`;

/**
 * ClickHouse SQL for the base models whose portable shape ClickHouse 18.16 cannot parse: it has no CTE subqueries,
 * allows one JOIN per SELECT (so joins nest), and an alias that shadows a column inside an aggregate is an error.
 * Same columns and semantics as the base models; joins use USING on renamed columns, valid on current releases too.
 */
const overrides: Record<string, (ctx: CompileContext) => string> = {
  stg_experiment_assignments: () => `SELECT experiment_id, user_id, variant_id, assignment_time_utc,
  toUInt8(ifNull(known, 0) = 1) AS is_known_variant,
  toUInt8(assignment_time_utc >= start_time_utc AND assignment_time_utc < end_time_utc) AS is_in_window
FROM (
  SELECT experiment_id, user_id, variant_id, assignment_time_utc, start_time_utc, end_time_utc
  FROM (SELECT experiment_id, user_id, variant_id, assignment_time_utc FROM raw_assignments)
  ALL INNER JOIN (SELECT experiment_id, start_time_utc, end_time_utc FROM cfg_experiment) USING (experiment_id)
)
ALL LEFT JOIN (SELECT experiment_id, variant_id, toUInt8(1) AS known FROM cfg_variant) USING (experiment_id, variant_id)`,

  fact_assignment: () => `SELECT experiment_id, user_id,
  argMin(v, tuple(t, v)) AS variant_id,
  min(t) AS assignment_time_utc,
  toUInt8(uniqExact(v) > 1) AS assignment_conflict,
  CAST(count(*) AS Int64) AS assignment_rows
FROM (
  SELECT experiment_id, user_id, variant_id AS v, assignment_time_utc AS t
  FROM stg_experiment_assignments WHERE is_known_variant AND is_in_window
)
GROUP BY experiment_id, user_id`,

  fct_experiment_assignment_quality: () => `SELECT experiment_id,
  CAST(ifNull(r_rows, 0) AS Int64) AS raw_assignment_rows,
  CAST(ifNull(r_unknown, 0) AS Int64) AS unknown_variant_assignment_rows,
  CAST(ifNull(r_outside, 0) AS Int64) AS assignment_rows_outside_window,
  CAST(ifNull(c_units, 0) AS Int64) AS canonical_units,
  CAST(ifNull(c_conflicts, 0) AS Int64) AS assignment_conflict_units
FROM (
  SELECT experiment_id, r_rows, r_unknown, r_outside
  FROM (SELECT experiment_id FROM cfg_experiment)
  ALL LEFT JOIN (
    SELECT experiment_id, count(*) AS r_rows,
      sum(CASE WHEN NOT is_known_variant THEN 1 ELSE 0 END) AS r_unknown,
      sum(CASE WHEN is_known_variant AND NOT is_in_window THEN 1 ELSE 0 END) AS r_outside
    FROM stg_experiment_assignments GROUP BY experiment_id
  ) USING (experiment_id)
)
ALL LEFT JOIN (
  SELECT experiment_id, count(*) AS c_units, sum(CASE WHEN assignment_conflict THEN 1 ELSE 0 END) AS c_conflicts
  FROM fact_assignment GROUP BY experiment_id
) USING (experiment_id)`,

  stg_experiment_exposures: () => `SELECT experiment_id, user_id, variant_id, exposure_time_utc
FROM (SELECT experiment_id, user_id, variant_id, exposure_time_utc FROM raw_exposures)
ALL INNER JOIN (SELECT experiment_id FROM cfg_experiment) USING (experiment_id)`,

  int_experiment_exposure_validation:
    () => `SELECT experiment_id, user_id, variant_id, assignment_time_utc, assignment_conflict,
  CAST(ifNull(g_count, 0) AS Int64) AS exposure_count,
  toUInt8(ifNull(g_pre, 0) = 1) AS pre_assignment_exposure,
  toUInt8(ifNull(g_mismatch, 0) = 1) AS variant_mismatch,
  toUInt8(ifNull(g_variants, 0) >= 2) AS multi_variation_exposure,
  toUInt8(ifNull(g_outside, 0) = 1) AS exposure_outside_window,
  g_first AS first_exposure_time_utc,
  toUInt8(isNotNull(g_first) AND ifNull(g_variants, 0) < 2) AS is_exposed
FROM (SELECT experiment_id, user_id, variant_id, assignment_time_utc, assignment_conflict FROM fact_assignment)
ALL LEFT JOIN (
  SELECT experiment_id, user_id,
    count(*) AS g_count,
    max(CASE WHEN e_time < a_time THEN 1 ELSE 0 END) AS g_pre,
    max(CASE WHEN e_variant != a_variant THEN 1 ELSE 0 END) AS g_mismatch,
    uniqExact(e_variant) AS g_variants,
    max(CASE WHEN e_time < x_start OR e_time >= x_end THEN 1 ELSE 0 END) AS g_outside,
    min(CASE WHEN e_time >= a_time AND e_variant = a_variant AND e_time >= x_start AND e_time < x_end
        THEN e_time END) AS g_first
  FROM (
    SELECT experiment_id, user_id, a_variant, a_time, x_start, x_end
    FROM (SELECT experiment_id, user_id, variant_id AS a_variant, assignment_time_utc AS a_time FROM fact_assignment)
    ALL INNER JOIN (SELECT experiment_id, start_time_utc AS x_start, end_time_utc AS x_end FROM cfg_experiment) USING (experiment_id)
  )
  ALL INNER JOIN (
    SELECT experiment_id, user_id, variant_id AS e_variant, exposure_time_utc AS e_time FROM stg_experiment_exposures
  ) USING (experiment_id, user_id)
  GROUP BY experiment_id, user_id
) USING (experiment_id, user_id)`,

  fct_experiment_exposure_quality_daily: () => {
    const zero = "CAST(0 AS Int64)";
    const int = (e: string) => `CAST(${e} AS Int64)`;
    const counts = [
      "assigned_units",
      "exposed_units",
      "exposure_rows",
      "valid_exposure_rows",
      "orphan_exposure_rows",
      "pre_assignment_exposure_units",
      "variant_mismatch_units",
      "multi_variation_exposure_units",
      "exposure_outside_window_units",
    ];
    return `SELECT experiment_id, date_day, assigned_units, exposed_units,
  CASE WHEN assigned_units > 0 THEN CAST(exposed_units AS Float64) / assigned_units END AS exposure_rate,
  ${counts.slice(2).join(", ")}
FROM (
SELECT experiment_id, date_day,
  ${counts.map((c) => `${int(`sum(${c})`)} AS ${c}`).join(",\n  ")}
FROM (
  SELECT experiment_id, toDate(assignment_time_utc) AS date_day,
    ${int("count(*)")} AS assigned_units,
    ${int("sum(CASE WHEN is_exposed THEN 1 ELSE 0 END)")} AS exposed_units,
    ${int("sum(CASE WHEN pre_assignment_exposure THEN 1 ELSE 0 END)")} AS pre_assignment_exposure_units,
    ${int("sum(CASE WHEN variant_mismatch THEN 1 ELSE 0 END)")} AS variant_mismatch_units,
    ${int("sum(CASE WHEN multi_variation_exposure THEN 1 ELSE 0 END)")} AS multi_variation_exposure_units,
    ${int("sum(CASE WHEN exposure_outside_window THEN 1 ELSE 0 END)")} AS exposure_outside_window_units,
    ${zero} AS exposure_rows, ${zero} AS valid_exposure_rows, ${zero} AS orphan_exposure_rows
  FROM int_experiment_exposure_validation
  GROUP BY experiment_id, date_day
  UNION ALL
  SELECT experiment_id, toDate(e_time) AS date_day,
    ${zero} AS assigned_units, ${zero} AS exposed_units, ${zero} AS pre_assignment_exposure_units,
    ${zero} AS variant_mismatch_units, ${zero} AS multi_variation_exposure_units, ${zero} AS exposure_outside_window_units,
    ${int("count(*)")} AS exposure_rows,
    ${int(`sum(CASE WHEN ifNull(a_found, 0) = 1 AND e_time >= a_time AND e_variant = a_variant
              AND e_time >= x_start AND e_time < x_end THEN 1 ELSE 0 END)`)} AS valid_exposure_rows,
    ${int("sum(CASE WHEN ifNull(a_found, 0) = 0 THEN 1 ELSE 0 END)")} AS orphan_exposure_rows
  FROM (
    SELECT experiment_id, user_id, e_variant, e_time, x_start, x_end
    FROM (SELECT experiment_id, user_id, variant_id AS e_variant, exposure_time_utc AS e_time FROM stg_experiment_exposures)
    ALL INNER JOIN (SELECT experiment_id, start_time_utc AS x_start, end_time_utc AS x_end FROM cfg_experiment) USING (experiment_id)
  )
  ALL LEFT JOIN (
    SELECT experiment_id, user_id, variant_id AS a_variant, assignment_time_utc AS a_time, toUInt8(1) AS a_found
    FROM fact_assignment
  ) USING (experiment_id, user_id)
  GROUP BY experiment_id, date_day
)
GROUP BY experiment_id, date_day
)`;
  },

  stg_conversion_events: () => `SELECT event_id,
  argMin(u, tuple(t, u, n)) AS user_id,
  argMin(n, tuple(t, u, n)) AS event_name,
  min(t) AS event_time_utc,
  argMin(v, tuple(t, u, n)) AS value
FROM (SELECT event_id, user_id AS u, event_name AS n, event_time_utc AS t, value AS v FROM raw_events)
GROUP BY event_id`,

  fct_event_quality: () => `SELECT
  CAST(raw_rows AS Int64) AS raw_event_rows,
  CAST(distinct_rows AS Int64) AS distinct_events,
  CAST(raw_rows - distinct_rows AS Int64) AS duplicate_event_rows
FROM (SELECT count(*) AS raw_rows FROM raw_events)
CROSS JOIN (SELECT count(*) AS distinct_rows FROM stg_conversion_events)`,

  int_experiment_unit_measures: ({ config }) => {
    const plan = planMeasures(config);
    if (plan.measures.length === 0) {
      return "SELECT experiment_id, user_id FROM fct_experiment_cohort WHERE 1 = 0";
    }
    const columns = plan.measures.flatMap((m) => {
      const inWindow =
        m.window === "post"
          ? `ev_time >= anchor_time_utc AND ev_time < addDays(anchor_time_utc, ${m.days})`
          : `ev_time >= addDays(assignment_time_utc, ${-m.days}) AND ev_time < assignment_time_utc`;
      const match = `ev_name = ${f.string(m.event)} AND ${inWindow}`;
      return [
        `sum(CASE WHEN ${match} THEN 1 ELSE 0 END) AS ${m.column}_count`,
        `sumKahan(CASE WHEN ${match} THEN ifNull(ev_value, 0) ELSE 0 END) AS ${m.column}_sum`,
      ];
    });
    const lower =
      plan.maxPreDays > 0 ? `addDays(assignment_time_utc, ${-plan.maxPreDays})` : "assignment_time_utc";
    // The cohort (one row per unit) is the right side, the side ClickHouse builds its hash table from; the events,
    // several times more rows, stream past it.
    return `SELECT experiment_id, user_id,
  ${columns.join(",\n  ")}
FROM (
  SELECT user_id, event_name AS ev_name, event_time_utc AS ev_time, value AS ev_value FROM stg_conversion_events
  WHERE event_name IN (${plan.eventNames.map(f.string).join(", ")})
)
ALL INNER JOIN (SELECT experiment_id, user_id, assignment_time_utc, anchor_time_utc FROM fct_experiment_cohort)
USING (user_id)
WHERE ev_time >= ${lower} AND ev_time < addDays(anchor_time_utc, ${plan.maxPostDays})
GROUP BY experiment_id, user_id`;
  },

  fct_experiment_unit_outcomes: ({ config }) => {
    const plan = planMeasures(config);
    const byMetric = (pick: (entry: (typeof plan.metrics)[number]) => string | null) => {
      const branches = plan.metrics
        .map((entry) => [entry.metric.id, pick(entry)] as const)
        .filter((branch): branch is readonly [string, string] => branch[1] !== null)
        .map(([id, sql]) => `WHEN metric_id = ${f.string(id)} THEN ${f.cast(sql, "double")}`);
      return branches.length === 0 ? f.nullOf("double") : `CASE ${branches.join(" ")} END`;
    };
    const measureColumns = plan.measures.flatMap((m) => [`${m.column}_count`, `${m.column}_sum`]);
    return `SELECT experiment_id, user_id, metric_id, variant_id, is_exposed,
  ${byMetric((e) => measureValueSql(e.numerator, e.metric.numerator, "u"))} AS value,
  ${byMetric((e) => (e.denominator && e.metric.denominator ? measureValueSql(e.denominator, e.metric.denominator, "u") : null))} AS denominator,
  ${byMetric((e) => (e.covariate ? measureValueSql(e.covariate, e.metric.numerator, "u") : null))} AS covariate
FROM (
  SELECT experiment_id, user_id, metric_id, variant_id, is_exposed
  FROM (SELECT experiment_id, user_id, variant_id, is_exposed FROM fct_experiment_cohort)
  ALL INNER JOIN (SELECT experiment_id, metric_id FROM cfg_experiment_metric${
    // Quantile and funnel metrics have no single per-unit value here (see their own models), as in the base model.
    plan.metrics.length === 0
      ? " WHERE 1 = 0"
      : ` WHERE metric_id IN (${plan.metrics.map((e) => f.string(e.metric.id)).join(", ")})`
  }) USING (experiment_id)
)
ALL LEFT JOIN (SELECT experiment_id, user_id${measureColumns.map((c) => `, ${c} AS u_${c}`).join("")} FROM int_experiment_unit_measures) AS u
  USING (experiment_id, user_id)`.replace(/\bu\.(m\d+_(?:count|sum))\b/g, "u_$1");
  },

  agg_experiment_metric_by_variant: () => {
    const sums = {
      sum_value: "value",
      sum_value_sq: "value * value",
      sum_den: "denominator",
      sum_den_sq: "denominator * denominator",
      sum_value_den: "value * denominator",
      sum_cov: "covariate",
      sum_cov_sq: "covariate * covariate",
      sum_value_cov: "value * covariate",
    };
    return `SELECT experiment_id, metric_id, analysis_mode, variant_id AS variation_id, is_control,
  CAST(ifNull(t_n, 0) AS Int64) AS n,
  ${Object.keys(sums)
    .map((c) => `CAST(ifNull(t_${c}, 0) AS Float64) AS ${c}`)
    .join(",\n  ")},
  ${extendedColumns}
FROM (
  SELECT experiment_id, metric_id, arrayJoin(['itt', 'exposed']) AS analysis_mode, variant_id, is_control
  FROM (SELECT experiment_id, variant_id, is_control FROM cfg_variant)
  ALL INNER JOIN (SELECT experiment_id, metric_id FROM cfg_experiment_metric) USING (experiment_id)
)
ALL LEFT JOIN (
  SELECT experiment_id, metric_id, analysis_mode, variant_id,
    count(*) AS t_n,
    ${Object.entries(sums)
      .map(([c, e]) => `sumKahan(${e}) AS t_${c}`)
      .join(",\n    ")}
  FROM (
    SELECT experiment_id, metric_id, variant_id, value, denominator, covariate,
      arrayJoin(CASE WHEN is_exposed THEN ['itt', 'exposed'] ELSE ['itt'] END) AS analysis_mode
    FROM fct_experiment_unit_outcomes
  )
  GROUP BY experiment_id, metric_id, analysis_mode, variant_id
) USING (experiment_id, metric_id, analysis_mode, variant_id)`;
  },

  // Shard-local on a cluster: cohort units and attribute rows are both placed by cityHash64(user_id).
  int_experiment_unit_segments: ({ config }) => {
    const attributes = segmentAttributesOf(config);
    const list = attributes.length === 0 ? "emptyArrayString()" : `[${attributes.map(f.string).join(", ")}]`;
    return `SELECT experiment_id, user_id, segment_attribute,
  ifNull(o_value, ${f.string(notSetSegmentValue)}) AS segment_value,
  o_time AS segment_observed_time_utc,
  variant_id, assignment_time_utc, is_exposed, anchor_time_utc
FROM (
  SELECT experiment_id, user_id, variant_id, assignment_time_utc, is_exposed, anchor_time_utc, arrayJoin(${list}) AS segment_attribute
  FROM fct_experiment_cohort
)
ALL LEFT JOIN (
  SELECT experiment_id, user_id, segment_attribute,
    argMax(a_value, tuple(a_time, a_value)) AS o_value,
    max(a_time) AS o_time
  FROM (
    SELECT experiment_id, user_id, c_time, segment_attribute, a_value, a_time
    FROM (SELECT experiment_id, user_id, assignment_time_utc AS c_time FROM fct_experiment_cohort)
    ALL INNER JOIN (
      SELECT user_id, attribute AS segment_attribute, value AS a_value, observed_time_utc AS a_time
      FROM stg_user_attributes
    ) USING (user_id)
    WHERE a_time <= c_time
  )
  GROUP BY experiment_id, user_id, segment_attribute
) USING (experiment_id, user_id, segment_attribute)`;
  },

  agg_experiment_metric_by_segment: () => {
    const sums: Record<(typeof sufficientStatistics)[number], string> = {
      sum_value: "value",
      sum_value_sq: "value * value",
      sum_den: "denominator",
      sum_den_sq: "denominator * denominator",
      sum_value_den: "value * denominator",
      sum_cov: "covariate",
      sum_cov_sq: "covariate * covariate",
      sum_value_cov: "value * covariate",
    };
    return `SELECT experiment_id, metric_id, analysis_mode, segment_attribute, segment_value, variant_id AS variation_id, is_control,
  CAST(ifNull(t_n, 0) AS Int64) AS n,
  ${sufficientStatistics.map((c) => `CAST(ifNull(t_${c}, 0) AS Float64) AS ${c}`).join(",\n  ")},
  ${extendedColumns}
FROM (
  SELECT experiment_id, metric_id, analysis_mode, segment_attribute, segment_value, variant_id, is_control
  FROM (
    SELECT experiment_id, metric_id, arrayJoin(['itt', 'exposed']) AS analysis_mode, variant_id, is_control
    FROM (SELECT experiment_id, variant_id, is_control FROM cfg_variant)
    ALL INNER JOIN (SELECT experiment_id, metric_id FROM cfg_experiment_metric) USING (experiment_id)
  )
  ALL INNER JOIN (
    SELECT DISTINCT experiment_id, segment_attribute, segment_value FROM int_experiment_unit_segments
  ) USING (experiment_id)
)
ALL LEFT JOIN (
  SELECT experiment_id, metric_id, analysis_mode, segment_attribute, segment_value, variant_id,
    count(*) AS t_n,
    ${sufficientStatistics.map((c) => `sumKahan(${sums[c]}) AS t_${c}`).join(",\n    ")}
  FROM (
    SELECT experiment_id, metric_id, variant_id, segment_attribute, segment_value, value, denominator, covariate,
      arrayJoin(CASE WHEN is_exposed THEN ['itt', 'exposed'] ELSE ['itt'] END) AS analysis_mode
    FROM (
      SELECT experiment_id, user_id, metric_id, variant_id, is_exposed, value, denominator, covariate
      FROM fct_experiment_unit_outcomes
    )
    ALL INNER JOIN (
      SELECT experiment_id, user_id, segment_attribute, segment_value FROM int_experiment_unit_segments
    ) USING (experiment_id, user_id)
  )
  GROUP BY experiment_id, metric_id, analysis_mode, segment_attribute, segment_value, variant_id
) USING (experiment_id, metric_id, analysis_mode, segment_attribute, segment_value, variant_id)`;
  },
};

/**
 * The base models with ClickHouse SQL where 18.16 cannot parse the portable shape (data tests compile through the
 * SQL compiler's `orphanRows`).
 * @example await runModels({ engine, dialect: clickhouseDialect, config, models: clickhouseModels(baseModels) });
 */
export function clickhouseModels(models: ReadonlyArray<ModelDefinition>): ModelDefinition[] {
  // The shard-local de-duplication below groups every event once; it needs no separate table of repeated ids.
  return models
    .filter((model) => model.name !== "int_duplicate_events")
    .map((model) => ({
      ...model,
      sql: overrides[model.name] ?? model.sql,
    }));
}
