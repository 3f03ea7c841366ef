import { outcomeSql, planMeasures } from "./measure-plan.js";
import { metricAggregateSql } from "./metric-aggregate-sql.js";
import { metricTypeModels, sourceModels } from "./metric-type-models.js";
import type { CompileContext, DataTest, ModelDefinition } from "./model.js";
import { segmentModels } from "./segment-models.js";

/**
 * The canonical assignment → exposure → outcomes models (seed 000/001), written once against the dialect's
 * function table. Shapes stay portable: GROUP BY with argMin instead of window functions, UNION ALL instead of
 * FULL JOIN, CASE sums instead of FILTER, so an engine without those features is a new function table, not a rewrite.
 * "More than one distinct value" is `min(x) <> max(x)`: exact for non-null keys, and no per-group distinct set.
 *
 * The same text runs on ClickHouse 18.16, so every model keeps to what all engines parse (docs/warehouse.md):
 * one JOIN per SELECT (further joins nest the previous ones as an aliased subquery), inner and left joins spelled
 * `f.join(kind)`; CTEs only through `f.withQueries`; equality-only join conditions (else CROSS JOIN + WHERE); a right side's non-key columns renamed
 * so no name clashes, and a LEFT JOIN miss seen on a constant `1 AS …_found` column, not on a join key; no alias
 * equal to a column the same SELECT reads (ClickHouse resolves aliases everywhere in the SELECT); searched CASE
 * only; UNION ALL branches with the same types; in a view, a table is aliased only as a subquery
 * (`(SELECT … FROM t) a`: ClickHouse 18.16 loses `a.column` when it qualifies the view's table names).
 */

const unitGrain = ["experiment_id", "user_id"] as const;

const stgExperimentAssignments: ModelDefinition = {
  name: "stg_experiment_assignments",
  grain: [],
  zone: "transient",
  materialized: "view",
  description:
    "Raw assignment rows of configured experiments, flagged: is the variant configured, is the time in [start, end).",
  dependsOn: ["raw_assignments", "cfg_experiment", "cfg_variant"],
  sql: ({ dialect: { functions: f } }) => `SELECT
  rx.experiment_id, rx.user_id, rx.variant_id, rx.assignment_time_utc,
  ${f.boolOf("COALESCE(v.v_found, 0) = 1")} AS is_known_variant,
  ${f.boolOf("rx.assignment_time_utc >= rx.x_start AND rx.assignment_time_utc < rx.x_end")} AS is_in_window
FROM (
  SELECT r.experiment_id, r.user_id, r.variant_id, r.assignment_time_utc, x.x_start, x.x_end
  FROM (SELECT experiment_id, user_id, variant_id, assignment_time_utc FROM raw_assignments) r
  ${f.join("inner")} (SELECT experiment_id, start_time_utc AS x_start, end_time_utc AS x_end FROM cfg_experiment) x
    ON x.experiment_id = r.experiment_id
) rx
${f.join("left")} (SELECT experiment_id, variant_id, 1 AS v_found FROM cfg_variant) v
  ON v.experiment_id = rx.experiment_id AND v.variant_id = rx.variant_id`,
  // No tests: the columns are raw_assignments' own, which the input check (loadInputTable) has already refused to
  // load with a missing value; fact_assignment's tests check what the models make of them.
  tests: () => [],
};

const factAssignment: ModelDefinition = {
  name: "fact_assignment",
  grain: unitGrain,
  zone: "silver",
  description:
    "Canonical assignment: one row per experiment × user; the earliest eligible row wins, ties to the smallest variant_id.",
  dependsOn: ["stg_experiment_assignments"],
  sql: ({ dialect: { functions: f } }) => `SELECT
  experiment_id,
  user_id,
  ${f.argMin("a_variant", ["a_time", "a_variant"])} AS variant_id,
  min(a_time) AS assignment_time_utc,
  ${f.boolOf("min(a_variant) <> max(a_variant)")} AS assignment_conflict,
  ${f.cast("count(*)", "bigint")} AS assignment_rows
FROM (
  SELECT experiment_id, user_id, variant_id AS a_variant, assignment_time_utc AS a_time
  FROM stg_experiment_assignments
  WHERE is_known_variant AND is_in_window
) s
GROUP BY experiment_id, user_id`,
  // unique(experiment_id, user_id) is the model's own GROUP BY: it holds by construction, no second pass.
  tests: ({ config }) => [
    { kind: "not_null", columns: [...unitGrain, "variant_id", "assignment_time_utc"] },
    {
      kind: "relationships",
      columns: ["experiment_id", "variant_id"],
      to: "cfg_variant",
      toColumns: ["experiment_id", "variant_id"],
    },
    {
      kind: "accepted_values",
      column: "experiment_id",
      values: config.experiments.map((e) => e.id),
    },
  ],
};

const fctExperimentAssignmentQuality: ModelDefinition = {
  name: "fct_experiment_assignment_quality",
  grain: ["experiment_id"],
  zone: "silver",
  description:
    "Per experiment: raw assignment rows, rows dropped (unknown variant, outside window), canonical units.",
  dependsOn: ["cfg_experiment", "stg_experiment_assignments", "fact_assignment"],
  sql: ({ dialect: { functions: f } }) =>
    f.withQueries(
      [
        {
          name: "raw",
          sql: () => `  SELECT experiment_id,
    count(*) AS r_rows,
    sum(CASE WHEN NOT is_known_variant THEN 1 ELSE 0 END) AS r_unknown,
    sum(CASE WHEN is_known_variant AND NOT is_in_window THEN 1 ELSE 0 END) AS r_outside
  FROM stg_experiment_assignments GROUP BY experiment_id`,
        },
        {
          name: "canonical",
          sql: () => `  SELECT experiment_id, count(*) AS c_units,
    sum(CASE WHEN assignment_conflict THEN 1 ELSE 0 END) AS c_conflicts
  FROM fact_assignment GROUP BY experiment_id`,
        },
      ],
      (ref) => `SELECT xr.experiment_id,
  ${f.cast("COALESCE(xr.r_rows, 0)", "bigint")} AS raw_assignment_rows,
  ${f.cast("COALESCE(xr.r_unknown, 0)", "bigint")} AS unknown_variant_assignment_rows,
  ${f.cast("COALESCE(xr.r_outside, 0)", "bigint")} AS assignment_rows_outside_window,
  ${f.cast("COALESCE(cn.c_units, 0)", "bigint")} AS canonical_units,
  ${f.cast("COALESCE(cn.c_conflicts, 0)", "bigint")} AS assignment_conflict_units
FROM (
  SELECT x.experiment_id, rw.r_rows, rw.r_unknown, rw.r_outside
  FROM cfg_experiment x
  ${f.join("left")} ${ref("raw")} rw ON rw.experiment_id = x.experiment_id
) xr
${f.join("left")} ${ref("canonical")} cn ON cn.experiment_id = xr.experiment_id`,
    ),
  tests: () => [
    { kind: "unique", columns: ["experiment_id"] },
    {
      kind: "expression",
      name: "rows_add_up",
      failingRows:
        "canonical_units > raw_assignment_rows - unknown_variant_assignment_rows - assignment_rows_outside_window",
    },
  ],
};

const stgExperimentExposures: ModelDefinition = {
  name: "stg_experiment_exposures",
  grain: [],
  zone: "transient",
  materialized: "view",
  description: "Exposure rows of configured experiments (one row per logged exposure).",
  dependsOn: ["raw_exposures", "cfg_experiment"],
  sql: ({
    dialect: { functions: f },
  }) => `SELECT e.experiment_id, e.user_id, e.variant_id, e.exposure_time_utc
FROM (SELECT experiment_id, user_id, variant_id, exposure_time_utc FROM raw_exposures) e
${f.join("inner")} (SELECT experiment_id FROM cfg_experiment) x ON x.experiment_id = e.experiment_id`,
  // No tests: raw_exposures' own columns, vetted by the input check (see stg_experiment_assignments).
  tests: () => [],
};

const intExperimentExposureValidation: ModelDefinition = {
  name: "int_experiment_exposure_validation",
  grain: unitGrain,
  zone: "silver",
  description: "Exposure integrity flags and first valid exposure per canonical unit.",
  dependsOn: ["fact_assignment", "stg_experiment_exposures", "cfg_experiment"],
  sql: ({ dialect: { functions: f } }) =>
    f.withQueries(
      [
        {
          name: "flags",
          sql: () => `  SELECT ax.experiment_id, ax.user_id,
    count(*) AS g_count,
    max(CASE WHEN e.e_time < ax.a_time THEN 1 ELSE 0 END) AS g_pre,
    max(CASE WHEN e.e_variant <> ax.a_variant THEN 1 ELSE 0 END) AS g_mismatch,
    min(e.e_variant) AS g_min_variant,
    max(e.e_variant) AS g_max_variant,
    max(CASE WHEN e.e_time < ax.x_start OR e.e_time >= ax.x_end THEN 1 ELSE 0 END) AS g_outside,
    min(CASE WHEN e.e_time >= ax.a_time AND e.e_variant = ax.a_variant
              AND e.e_time >= ax.x_start AND e.e_time < ax.x_end
         THEN e.e_time END) AS g_first
  FROM (
    SELECT a.experiment_id, a.user_id, a.variant_id AS a_variant, a.assignment_time_utc AS a_time,
      x.start_time_utc AS x_start, x.end_time_utc AS x_end
    FROM fact_assignment a
    ${f.join("inner")} cfg_experiment x ON x.experiment_id = a.experiment_id
  ) ax
  ${f.join("inner")} (
    SELECT experiment_id, user_id, variant_id AS e_variant, exposure_time_utc AS e_time FROM stg_experiment_exposures
  ) e ON e.experiment_id = ax.experiment_id AND e.user_id = ax.user_id
  GROUP BY ax.experiment_id, ax.user_id`,
        },
      ],
      (ref) => `SELECT a.experiment_id, a.user_id, a.variant_id, a.assignment_time_utc, a.assignment_conflict,
  ${f.cast("COALESCE(g.g_count, 0)", "bigint")} AS exposure_count,
  ${f.boolOf("COALESCE(g.g_pre, 0) = 1")} AS pre_assignment_exposure,
  ${f.boolOf("COALESCE(g.g_mismatch, 0) = 1")} AS variant_mismatch,
  ${f.boolOf(`COALESCE(g.g_min_variant <> g.g_max_variant, ${f.bool(false)})`)} AS multi_variation_exposure,
  ${f.boolOf("COALESCE(g.g_outside, 0) = 1")} AS exposure_outside_window,
  g.g_first AS first_exposure_time_utc,
  ${f.boolOf(`g.g_first IS NOT NULL AND COALESCE(g.g_min_variant = g.g_max_variant, ${f.bool(false)})`)} AS is_exposed
FROM fact_assignment a
${f.join("left")} ${ref("flags")} g ON g.experiment_id = a.experiment_id AND g.user_id = a.user_id`,
    ),
  // unique(experiment_id, user_id) and the link to fact_assignment hold by construction: one row per canonical unit
  // (fact_assignment, itself grouped by the unit) left-joined with flags grouped by the unit.
  tests: () => [
    {
      kind: "not_null",
      columns: [...unitGrain, "variant_id", "assignment_time_utc", "exposure_count", "is_exposed"],
    },
    {
      kind: "expression",
      name: "first_exposure_at_or_after_assignment",
      failingRows: "first_exposure_time_utc < assignment_time_utc",
    },
    {
      kind: "expression",
      name: "exposed_units_have_a_valid_exposure",
      failingRows: "is_exposed AND (first_exposure_time_utc IS NULL OR multi_variation_exposure)",
    },
  ],
};

const fctExperimentExposureQualityDaily: ModelDefinition = {
  name: "fct_experiment_exposure_quality_daily",
  grain: ["experiment_id", "date_day"],
  zone: "gold",
  description:
    "Daily exposure health per experiment × UTC day: assignments, exposure rate of that day's cohort, invalid and orphan exposure rows.",
  dependsOn: [
    "int_experiment_exposure_validation",
    "stg_experiment_exposures",
    "fact_assignment",
    "cfg_experiment",
  ],
  sql: ({ dialect: { functions: f } }) => {
    const int = (sql: string) => f.cast(sql, "bigint");
    const zero = int("0");
    // Each day's counts come from two grains (assignment day, exposure day), stacked and summed; every branch
    // column is a bigint so the UNION ALL has one type per column on every engine.
    const rest = [
      "exposure_rows",
      "valid_exposure_rows",
      "orphan_exposure_rows",
      "pre_assignment_exposure_units",
      "variant_mismatch_units",
      "multi_variation_exposure_units",
      "exposure_outside_window_units",
    ];
    return `SELECT experiment_id, date_day,
  ${int("sum(d_assigned_units)")} AS assigned_units,
  ${int("sum(d_exposed_units)")} AS exposed_units,
  CASE WHEN sum(d_assigned_units) > 0 THEN ${f.cast("sum(d_exposed_units)", "double")} / sum(d_assigned_units) END AS exposure_rate,
  ${rest.map((c) => `${int(`sum(d_${c})`)} AS ${c}`).join(",\n  ")}
FROM (
  SELECT experiment_id, ${f.dateOf("assignment_time_utc")} AS date_day,
    ${int("count(*)")} AS d_assigned_units,
    ${int("sum(CASE WHEN is_exposed THEN 1 ELSE 0 END)")} AS d_exposed_units,
    ${zero} AS d_exposure_rows, ${zero} AS d_valid_exposure_rows, ${zero} AS d_orphan_exposure_rows,
    ${int("sum(CASE WHEN pre_assignment_exposure THEN 1 ELSE 0 END)")} AS d_pre_assignment_exposure_units,
    ${int("sum(CASE WHEN variant_mismatch THEN 1 ELSE 0 END)")} AS d_variant_mismatch_units,
    ${int("sum(CASE WHEN multi_variation_exposure THEN 1 ELSE 0 END)")} AS d_multi_variation_exposure_units,
    ${int("sum(CASE WHEN exposure_outside_window THEN 1 ELSE 0 END)")} AS d_exposure_outside_window_units
  FROM int_experiment_exposure_validation
  GROUP BY experiment_id, ${f.dateOf("assignment_time_utc")}
  UNION ALL
  SELECT ex.experiment_id, ${f.dateOf("ex.e_time")} AS date_day,
    ${zero} AS d_assigned_units, ${zero} AS d_exposed_units,
    ${int("count(*)")} AS d_exposure_rows,
    ${int(`sum(CASE WHEN COALESCE(a.a_found, 0) = 1 AND ex.e_time >= a.a_time AND ex.e_variant = a.a_variant
              AND ex.e_time >= ex.x_start AND ex.e_time < ex.x_end THEN 1 ELSE 0 END)`)} AS d_valid_exposure_rows,
    ${int("sum(CASE WHEN COALESCE(a.a_found, 0) = 0 THEN 1 ELSE 0 END)")} AS d_orphan_exposure_rows,
    ${zero} AS d_pre_assignment_exposure_units, ${zero} AS d_variant_mismatch_units,
    ${zero} AS d_multi_variation_exposure_units, ${zero} AS d_exposure_outside_window_units
  FROM (
    SELECT e.experiment_id, e.user_id, e.variant_id AS e_variant, e.exposure_time_utc AS e_time,
      x.start_time_utc AS x_start, x.end_time_utc AS x_end
    FROM stg_experiment_exposures e
    ${f.join("inner")} cfg_experiment x ON x.experiment_id = e.experiment_id
  ) ex
  ${f.join("left")} (
    SELECT experiment_id, user_id, variant_id AS a_variant, assignment_time_utc AS a_time, 1 AS a_found
    FROM fact_assignment
  ) a ON a.experiment_id = ex.experiment_id AND a.user_id = ex.user_id
  GROUP BY ex.experiment_id, ${f.dateOf("ex.e_time")}
) combined
GROUP BY experiment_id, date_day`;
  },
  tests: () => [
    { kind: "unique", columns: ["experiment_id", "date_day"] },
    { kind: "not_null", columns: ["experiment_id", "date_day"] },
    {
      kind: "expression",
      name: "exposure_rate_is_a_proportion",
      failingRows: "exposure_rate < 0 OR exposure_rate > 1",
    },
  ],
};

const fctExperimentCohort: ModelDefinition = {
  name: "fct_experiment_cohort",
  grain: unitGrain,
  zone: "silver",
  materialized: "view",
  description:
    "Canonical cohort with analysis flags: every unit is in `itt`; `is_exposed` units are in `exposed`. The outcome window anchor is the first valid exposure when exposed, else assignment.",
  dependsOn: ["int_experiment_exposure_validation"],
  sql: ({ dialect: { functions: f } }) => `SELECT experiment_id, user_id, variant_id, assignment_time_utc,
  ${f.bool(true)} AS in_itt,
  is_exposed AS in_exposed,
  is_exposed,
  first_exposure_time_utc,
  CASE WHEN is_exposed THEN first_exposure_time_utc ELSE assignment_time_utc END AS anchor_time_utc
FROM int_experiment_exposure_validation`,
  // unique(experiment_id, user_id) holds by construction: one row per row of the validation, which is tested.
  tests: () => [
    { kind: "not_null", columns: [...unitGrain, "variant_id", "anchor_time_utc"] },
    {
      kind: "expression",
      name: "anchor_not_before_assignment",
      failingRows: "anchor_time_utc < assignment_time_utc",
    },
  ],
};

const intDuplicateEvents: ModelDefinition = {
  name: "int_duplicate_events",
  grain: ["event_id"],
  zone: "transient",
  description:
    "The event_ids logged more than once, each resolved to its earliest row, with the number of copies; built once and read by the de-duplicated events and the event counts.",
  dependsOn: ["raw_events"],
  sql: ({ dialect: { functions: f } }) => {
    // The earliest row wins; rows sharing an event_id and its earliest time are taken to be the same event.
    // One counting pass over event_id finds the ids that repeat (few); only those rows are grouped again.
    const keys = ["d_time"];
    return `SELECT event_id,
  ${f.cast("count(*)", "bigint")} AS copies,
  ${f.argMin("d_user", keys)} AS user_id,
  ${f.argMin("d_name", keys)} AS event_name,
  min(d_time) AS event_time_utc,
  ${f.argMin("d_value", keys)} AS value
FROM (
  SELECT event_id, user_id AS d_user, event_name AS d_name, event_time_utc AS d_time, value AS d_value
  FROM raw_events
  WHERE event_id IN (SELECT event_id FROM raw_events GROUP BY event_id HAVING count(*) > 1)
) r
GROUP BY event_id`;
  },
  tests: () => [{ kind: "expression", name: "repeated", failingRows: "copies < 2" }],
};

const stgConversionEvents: ModelDefinition = {
  name: "stg_conversion_events",
  grain: ["event_id"],
  zone: "transient",
  // Read once by the unit measures; the duplicates are resolved in int_duplicate_events, so this is a filter.
  materialized: "view",
  description: "Events de-duplicated by event_id: the earliest row wins.",
  dependsOn: ["raw_events", "int_duplicate_events"],
  sql: () => `SELECT event_id, user_id, event_name, event_time_utc, value
FROM raw_events
WHERE event_id NOT IN (SELECT event_id FROM int_duplicate_events)
UNION ALL
SELECT event_id, user_id, event_name, event_time_utc, value
FROM int_duplicate_events`,
  // unique(event_id) holds by construction: ids that repeat come only from the grouped int_duplicate_events.
  // not_null too: raw_events' columns are vetted by the input check, and int_duplicate_events' are arg_min/min of them.
  tests: () => [],
};

const fctEventQuality: ModelDefinition = {
  name: "fct_event_quality",
  grain: [],
  zone: "gold",
  description: "Event counts before and after de-duplication by event_id.",
  dependsOn: ["raw_events", "int_duplicate_events"],
  sql: ({ dialect: { functions: f } }) => `SELECT
  ${f.cast("raw_rows", "bigint")} AS raw_event_rows,
  ${f.cast("raw_rows - extra_rows", "bigint")} AS distinct_events,
  ${f.cast("extra_rows", "bigint")} AS duplicate_event_rows
FROM (SELECT count(*) AS raw_rows FROM raw_events) r
CROSS JOIN (SELECT COALESCE(sum(copies - 1), 0) AS extra_rows FROM int_duplicate_events) d`,
  tests: () => [
    { kind: "expression", name: "no_negative_duplicates", failingRows: "duplicate_event_rows < 0" },
  ],
};

/** The de-duplicated events (`source_id` 0) and the metrics' SQL-source rows, for models that read both. */
export const measuredRows = `(SELECT 0 AS source_id, user_id, event_name, event_time_utc, value FROM stg_conversion_events
  UNION ALL SELECT source_id, user_id, event_name, event_time_utc, value FROM stg_metric_source_events)`;

const intExperimentUnitMeasures: ModelDefinition = {
  name: "int_experiment_unit_measures",
  grain: unitGrain,
  zone: "transient",
  description:
    "Per unit: count and sum of each (event, window) the configured metrics need; units without matching events are absent.",
  dependsOn: ["fct_experiment_cohort", "stg_conversion_events", "stg_metric_source_events"],
  sql: ({ dialect: { functions: f }, config }) => {
    const plan = planMeasures(config);
    if (plan.measures.length === 0) {
      return `SELECT experiment_id, user_id FROM fct_experiment_cohort WHERE 1 = 0`;
    }
    // Window bounds are computed once per unit, not once per joined event row.
    const bounds = new Map<string, string>();
    const bound = (window: "post" | "pre", days: number) => {
      const name = window === "post" ? `post_end_${days}` : `pre_start_${days}`;
      bounds.set(
        name,
        window === "post"
          ? f.addDays("anchor_time_utc", String(days))
          : f.addDays("assignment_time_utc", String(-days)),
      );
      return `c.${name}`;
    };
    const columns = plan.measures.flatMap((m) => {
      const start = m.fromDays > 0 ? bound("post", m.fromDays) : "c.anchor_time_utc";
      const inWindow =
        m.window === "post"
          ? `ev.event_time_utc >= ${start} AND ev.event_time_utc < ${bound("post", m.days)}`
          : `ev.event_time_utc >= ${bound("pre", m.days)} AND ev.event_time_utc < c.assignment_time_utc`;
      const match =
        plan.sources.length === 0
          ? `ev.event_name = ${f.string(m.event)} AND ${inWindow}`
          : `ev.source_id = ${m.sourceId} AND ev.event_name = ${f.string(m.event)} AND ${inWindow}`;
      return [
        `sum(CASE WHEN ${match} THEN 1 ELSE 0 END) AS ${m.column}_count`,
        `${f.preciseSum(`CASE WHEN ${match} THEN COALESCE(ev.value, 0) ELSE 0 END`)} AS ${m.column}_sum`,
      ];
    });
    const lower = plan.maxPreDays > 0 ? bound("pre", plan.maxPreDays) : "c.assignment_time_utc";
    const upper = bound("post", plan.maxPostDays);
    // The events (many rows) stream on the left past the cohort (one row per unit) on the right, the side
    // ClickHouse builds its hash table from; DuckDB and PostgreSQL pick the build side themselves.
    return `SELECT c.experiment_id, ev.user_id,
  ${columns.join(",\n  ")}
FROM (
  SELECT ${plan.sources.length === 0 ? "" : "source_id, "}user_id, event_name, event_time_utc, value
  FROM ${plan.sources.length === 0 ? "stg_conversion_events" : measuredRows} s
  WHERE ${plan.sources.length === 0 ? "" : `source_id > 0 OR `}event_name IN (${plan.eventNames.length === 0 ? f.nullOf("text") : plan.eventNames.map(f.string).join(", ")})
) ev
${f.join("inner")} (
  SELECT experiment_id, user_id, assignment_time_utc, anchor_time_utc,
    ${[...bounds].map(([name, sql]) => `${sql} AS ${name}`).join(",\n    ")}
  FROM fct_experiment_cohort
) c ON c.user_id = ev.user_id
WHERE ev.event_time_utc >= ${lower}
  AND ev.event_time_utc < ${upper}
GROUP BY c.experiment_id, ev.user_id`;
  },
  // unique(experiment_id, user_id) is the model's own GROUP BY; the measures are checked defined in one pass.
  tests: ({ config }) => [
    {
      kind: "not_null",
      columns: [
        ...unitGrain,
        ...planMeasures(config).measures.flatMap((m) => [`${m.column}_count`, `${m.column}_sum`]),
      ],
    },
  ],
};

const fctExperimentUnitOutcomes: ModelDefinition = {
  name: "fct_experiment_unit_outcomes",
  grain: ["experiment_id", "user_id", "metric_id"],
  zone: "gold",
  // Units × metrics rows are only read when exported; the aggregate reads the unit measures directly.
  materialized: "view",
  description:
    "Analysis-ready outcomes: one row per unit × metric with the value (ratio numerator), denominator and CUPED covariate.",
  dependsOn: ["fct_experiment_cohort", "int_experiment_unit_measures", "cfg_experiment_metric"],
  sql: ({ dialect: { functions: f }, config }) => {
    const plan = planMeasures(config);
    const byMetric = (pick: (entry: (typeof plan.metrics)[number]) => string | null) => {
      const branches = plan.metrics
        .map((entry) => [entry.metric.id, pick(entry)] as const)
        .filter((branch): branch is readonly [string, string] => branch[1] !== null)
        .map(([id, sql]) => `WHEN cm.metric_id = ${f.string(id)} THEN ${f.cast(sql, "double")}`);
      return branches.length === 0 ? f.nullOf("double") : `CASE ${branches.join(" ")} END`;
    };
    return `SELECT cm.experiment_id, cm.user_id, cm.metric_id, cm.variant_id, cm.is_exposed,
  ${byMetric((e) => outcomeSql(e, f.string).value)} AS value,
  ${byMetric((e) => outcomeSql(e, f.string).denominator)} AS denominator,
  ${byMetric((e) => outcomeSql(e, f.string).covariate)} AS covariate
FROM (
  SELECT c.experiment_id, c.user_id, em.metric_id, c.variant_id, c.is_exposed
  FROM (SELECT experiment_id, user_id, variant_id, is_exposed FROM fct_experiment_cohort) c
  ${f.join("inner")} (SELECT experiment_id, metric_id FROM cfg_experiment_metric) em ON em.experiment_id = c.experiment_id${
    // Quantile and funnel metrics have no single per-unit value here (see their own models).
    plan.metrics.length === 0
      ? "\n  WHERE 1 = 0"
      : // Filtered only when some used metric is planned elsewhere: the IN list makes DuckDB guess one metric row
        // and build its hash table on cohort × metrics instead of on the unit measures.
        config.experiments.every((x) =>
            x.metricIds.every((id) => plan.metrics.some((e) => e.metric.id === id)),
          )
        ? ""
        : `\n  WHERE em.metric_id IN (${plan.metrics.map((e) => f.string(e.metric.id)).join(", ")})`
  }
) cm
${f.join("left")} (SELECT * FROM int_experiment_unit_measures) u ON u.experiment_id = cm.experiment_id AND u.user_id = cm.user_id`;
  },
  // unique(experiment_id, user_id, metric_id) and the cohort relationship hold by construction: the view is the
  // cohort (unique, tested) joined with its experiment's metrics and left-joined with unique unit measures (tested).
  // not_null too: the keys and variant are the cohort's (tested) and the config's, and `value` has one branch per
  // metric the WHERE keeps, each a COALESCE over the measures (measureValueSql).
  tests: () => [],
};

const aggExperimentMetricByVariant: ModelDefinition = {
  name: "agg_experiment_metric_by_variant",
  grain: ["experiment_id", "metric_id", "analysis_mode", "variation_id"],
  zone: "gold",
  description:
    "Sufficient statistics per experiment × metric × analysis mode × variation (n, sums, squares, cross-products); the only thing the statistics engine reads.",
  dependsOn: [
    "fct_experiment_cohort",
    "int_experiment_unit_measures",
    "cfg_variant",
    "cfg_experiment_metric",
    // Read only when a used metric needs them (docs/metrics.md).
    "int_experiment_unit_attributes",
    "int_experiment_unit_funnels",
    "agg_experiment_metric_caps",
    "int_data_horizon",
  ],
  sql: ({ dialect: { functions: f }, config }) => metricAggregateSql(f, config, "variant"),
  tests: () => [
    { kind: "unique", columns: ["experiment_id", "metric_id", "analysis_mode", "variation_id"] },
    { kind: "accepted_values", column: "analysis_mode", values: ["itt", "exposed"] },
    { kind: "not_null", columns: ["experiment_id", "metric_id", "analysis_mode", "variation_id", "n"] },
  ],
};

/** Every model in build order. */
export const baseModels: ReadonlyArray<ModelDefinition> = [
  stgExperimentAssignments,
  factAssignment,
  fctExperimentAssignmentQuality,
  stgExperimentExposures,
  intExperimentExposureValidation,
  fctExperimentExposureQualityDaily,
  fctExperimentCohort,
  intDuplicateEvents,
  stgConversionEvents,
  fctEventQuality,
  ...sourceModels,
  intExperimentUnitMeasures,
  fctExperimentUnitOutcomes,
  ...metricTypeModels.filter((m) => !m.name.startsWith("agg_") || m.name === "agg_experiment_metric_caps"),
  aggExperimentMetricByVariant,
  ...metricTypeModels.filter((m) => m.name.startsWith("agg_") && m.name !== "agg_experiment_metric_caps"),
  ...segmentModels,
];

/** Looks a model up by name. */
export function getModel(name: string): ModelDefinition {
  const model = baseModels.find((m) => m.name === name);
  if (!model) throw new Error(`unknown model "${name}"`);
  return model;
}

/** Compiles a model's SELECT for a dialect and config, without a database. */
export function compileModel(model: ModelDefinition, ctx: CompileContext): string {
  return model.sql(ctx);
}

export type { DataTest };
