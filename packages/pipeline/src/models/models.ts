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
  r.experiment_id, r.user_id, r.variant_id, r.assignment_time_utc,
  ${f.boolOf("v.variant_id IS NOT NULL")} AS is_known_variant,
  ${f.boolOf("r.assignment_time_utc >= x.start_time_utc AND r.assignment_time_utc < x.end_time_utc")} AS is_in_window
FROM raw_assignments r
JOIN cfg_experiment x ON x.experiment_id = r.experiment_id
LEFT JOIN cfg_variant v ON v.experiment_id = r.experiment_id AND v.variant_id = r.variant_id`,
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
  ${f.argMin("variant_id", ["assignment_time_utc", "variant_id"])} AS variant_id,
  min(assignment_time_utc) AS assignment_time_utc,
  ${f.boolOf("min(variant_id) <> max(variant_id)")} AS assignment_conflict,
  ${f.cast("count(*)", "bigint")} AS assignment_rows
FROM stg_experiment_assignments
WHERE is_known_variant AND is_in_window
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
  sql: ({ dialect: { functions: f } }) => `WITH raw AS (
  SELECT experiment_id,
    count(*) AS raw_assignment_rows,
    sum(CASE WHEN NOT is_known_variant THEN 1 ELSE 0 END) AS unknown_variant_assignment_rows,
    sum(CASE WHEN is_known_variant AND NOT is_in_window THEN 1 ELSE 0 END) AS assignment_rows_outside_window
  FROM stg_experiment_assignments GROUP BY experiment_id
), canonical AS (
  SELECT experiment_id, count(*) AS canonical_units,
    sum(CASE WHEN assignment_conflict THEN 1 ELSE 0 END) AS assignment_conflict_units
  FROM fact_assignment GROUP BY experiment_id
)
SELECT x.experiment_id,
  ${f.cast("COALESCE(raw.raw_assignment_rows, 0)", "bigint")} AS raw_assignment_rows,
  ${f.cast("COALESCE(raw.unknown_variant_assignment_rows, 0)", "bigint")} AS unknown_variant_assignment_rows,
  ${f.cast("COALESCE(raw.assignment_rows_outside_window, 0)", "bigint")} AS assignment_rows_outside_window,
  ${f.cast("COALESCE(canonical.canonical_units, 0)", "bigint")} AS canonical_units,
  ${f.cast("COALESCE(canonical.assignment_conflict_units, 0)", "bigint")} AS assignment_conflict_units
FROM cfg_experiment x
LEFT JOIN raw ON raw.experiment_id = x.experiment_id
LEFT JOIN canonical ON canonical.experiment_id = x.experiment_id`,
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
  sql: () => `SELECT e.experiment_id, e.user_id, e.variant_id, e.exposure_time_utc
FROM raw_exposures e
JOIN cfg_experiment x ON x.experiment_id = e.experiment_id`,
  // No tests: raw_exposures' own columns, vetted by the input check (see stg_experiment_assignments).
  tests: () => [],
};

const intExperimentExposureValidation: ModelDefinition = {
  name: "int_experiment_exposure_validation",
  grain: unitGrain,
  zone: "silver",
  description: "Exposure integrity flags and first valid exposure per canonical unit.",
  dependsOn: ["fact_assignment", "stg_experiment_exposures", "cfg_experiment"],
  sql: ({ dialect: { functions: f } }) => `WITH flags AS (
  SELECT a.experiment_id, a.user_id,
    count(*) AS exposure_count,
    max(CASE WHEN e.exposure_time_utc < a.assignment_time_utc THEN 1 ELSE 0 END) AS pre_assignment_exposure,
    max(CASE WHEN e.variant_id <> a.variant_id THEN 1 ELSE 0 END) AS variant_mismatch,
    min(e.variant_id) AS min_exposure_variant,
    max(e.variant_id) AS max_exposure_variant,
    max(CASE WHEN e.exposure_time_utc < x.start_time_utc OR e.exposure_time_utc >= x.end_time_utc THEN 1 ELSE 0 END) AS exposure_outside_window,
    min(CASE WHEN e.exposure_time_utc >= a.assignment_time_utc AND e.variant_id = a.variant_id
              AND e.exposure_time_utc >= x.start_time_utc AND e.exposure_time_utc < x.end_time_utc
         THEN e.exposure_time_utc END) AS first_exposure_time_utc
  FROM fact_assignment a
  JOIN cfg_experiment x ON x.experiment_id = a.experiment_id
  JOIN stg_experiment_exposures e ON e.experiment_id = a.experiment_id AND e.user_id = a.user_id
  GROUP BY a.experiment_id, a.user_id
)
SELECT a.experiment_id, a.user_id, a.variant_id, a.assignment_time_utc, a.assignment_conflict,
  ${f.cast("COALESCE(g.exposure_count, 0)", "bigint")} AS exposure_count,
  ${f.boolOf("COALESCE(g.pre_assignment_exposure, 0) = 1")} AS pre_assignment_exposure,
  ${f.boolOf("COALESCE(g.variant_mismatch, 0) = 1")} AS variant_mismatch,
  ${f.boolOf(`COALESCE(g.min_exposure_variant <> g.max_exposure_variant, ${f.bool(false)})`)} AS multi_variation_exposure,
  ${f.boolOf("COALESCE(g.exposure_outside_window, 0) = 1")} AS exposure_outside_window,
  g.first_exposure_time_utc,
  ${f.boolOf("g.first_exposure_time_utc IS NOT NULL AND g.min_exposure_variant = g.max_exposure_variant")} AS is_exposed
FROM fact_assignment a
LEFT JOIN flags g ON g.experiment_id = a.experiment_id AND g.user_id = a.user_id`,
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
  sql: ({ dialect: { functions: f } }) => `WITH by_assignment_day AS (
  SELECT experiment_id, ${f.dateOf("assignment_time_utc")} AS date_day,
    count(*) AS assigned_units,
    sum(CASE WHEN is_exposed THEN 1 ELSE 0 END) AS exposed_units,
    sum(CASE WHEN pre_assignment_exposure THEN 1 ELSE 0 END) AS pre_assignment_exposure_units,
    sum(CASE WHEN variant_mismatch THEN 1 ELSE 0 END) AS variant_mismatch_units,
    sum(CASE WHEN multi_variation_exposure THEN 1 ELSE 0 END) AS multi_variation_exposure_units,
    sum(CASE WHEN exposure_outside_window THEN 1 ELSE 0 END) AS exposure_outside_window_units,
    0 AS exposure_rows, 0 AS valid_exposure_rows, 0 AS orphan_exposure_rows
  FROM int_experiment_exposure_validation
  GROUP BY experiment_id, ${f.dateOf("assignment_time_utc")}
), by_exposure_day AS (
  SELECT e.experiment_id, ${f.dateOf("e.exposure_time_utc")} AS date_day,
    0 AS assigned_units, 0 AS exposed_units, 0 AS pre_assignment_exposure_units, 0 AS variant_mismatch_units,
    0 AS multi_variation_exposure_units, 0 AS exposure_outside_window_units,
    count(*) AS exposure_rows,
    sum(CASE WHEN a.user_id IS NOT NULL AND e.exposure_time_utc >= a.assignment_time_utc AND e.variant_id = a.variant_id
              AND e.exposure_time_utc >= x.start_time_utc AND e.exposure_time_utc < x.end_time_utc THEN 1 ELSE 0 END)
      AS valid_exposure_rows,
    sum(CASE WHEN a.user_id IS NULL THEN 1 ELSE 0 END) AS orphan_exposure_rows
  FROM stg_experiment_exposures e
  JOIN cfg_experiment x ON x.experiment_id = e.experiment_id
  LEFT JOIN fact_assignment a ON a.experiment_id = e.experiment_id AND a.user_id = e.user_id
  GROUP BY e.experiment_id, ${f.dateOf("e.exposure_time_utc")}
), combined AS (
  SELECT * FROM by_assignment_day UNION ALL SELECT * FROM by_exposure_day
)
SELECT experiment_id, date_day,
  ${f.cast("sum(assigned_units)", "bigint")} AS assigned_units,
  ${f.cast("sum(exposed_units)", "bigint")} AS exposed_units,
  CASE WHEN sum(assigned_units) > 0 THEN ${f.cast("sum(exposed_units)", "double")} / sum(assigned_units) END AS exposure_rate,
  ${f.cast("sum(exposure_rows)", "bigint")} AS exposure_rows,
  ${f.cast("sum(valid_exposure_rows)", "bigint")} AS valid_exposure_rows,
  ${f.cast("sum(orphan_exposure_rows)", "bigint")} AS orphan_exposure_rows,
  ${f.cast("sum(pre_assignment_exposure_units)", "bigint")} AS pre_assignment_exposure_units,
  ${f.cast("sum(variant_mismatch_units)", "bigint")} AS variant_mismatch_units,
  ${f.cast("sum(multi_variation_exposure_units)", "bigint")} AS multi_variation_exposure_units,
  ${f.cast("sum(exposure_outside_window_units)", "bigint")} AS exposure_outside_window_units
FROM combined
GROUP BY experiment_id, date_day`,
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
    const keys = ["event_time_utc"];
    return `SELECT event_id,
  ${f.cast("count(*)", "bigint")} AS copies,
  ${f.argMin("user_id", keys)} AS user_id,
  ${f.argMin("event_name", keys)} AS event_name,
  min(event_time_utc) AS event_time_utc,
  ${f.argMin("value", keys)} AS value
FROM raw_events
WHERE event_id IN (SELECT event_id FROM raw_events GROUP BY event_id HAVING count(*) > 1)
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
    return `SELECT c.experiment_id, c.user_id,
  ${columns.join(",\n  ")}
FROM (
  SELECT experiment_id, user_id, assignment_time_utc, anchor_time_utc,
    ${[...bounds].map(([name, sql]) => `${sql} AS ${name}`).join(",\n    ")}
  FROM fct_experiment_cohort
) c
JOIN ${plan.sources.length === 0 ? "stg_conversion_events" : measuredRows} ev ON ev.user_id = c.user_id
WHERE (${plan.sources.length === 0 ? "" : `ev.source_id > 0 OR `}ev.event_name IN (${plan.eventNames.length === 0 ? f.nullOf("text") : plan.eventNames.map(f.string).join(", ")}))
  AND ev.event_time_utc >= ${lower}
  AND ev.event_time_utc < ${upper}
GROUP BY c.experiment_id, c.user_id`;
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
        .map(([id, sql]) => `WHEN ${f.string(id)} THEN ${f.cast(sql, "double")}`);
      return branches.length === 0 ? f.nullOf("double") : `CASE em.metric_id ${branches.join(" ")} END`;
    };
    return `SELECT c.experiment_id, c.user_id, em.metric_id, c.variant_id, c.is_exposed,
  ${byMetric((e) => outcomeSql(e, f.string).value)} AS value,
  ${byMetric((e) => outcomeSql(e, f.string).denominator)} AS denominator,
  ${byMetric((e) => outcomeSql(e, f.string).covariate)} AS covariate
FROM fct_experiment_cohort c
JOIN cfg_experiment_metric em ON em.experiment_id = c.experiment_id
LEFT JOIN int_experiment_unit_measures u ON u.experiment_id = c.experiment_id AND u.user_id = c.user_id${
      // Quantile and funnel metrics have no single per-unit value here (see their own models).
      plan.metrics.length === 0
        ? "\nWHERE 1 = 0"
        : // Filtered only when some used metric is planned elsewhere: the IN list makes DuckDB guess one metric row
          // and build its hash table on cohort × metrics instead of on the unit measures.
          config.experiments.every((x) =>
              x.metricIds.every((id) => plan.metrics.some((e) => e.metric.id === id)),
            )
          ? ""
          : `\nWHERE em.metric_id IN (${plan.metrics.map((e) => f.string(e.metric.id)).join(", ")})`
    }`;
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
