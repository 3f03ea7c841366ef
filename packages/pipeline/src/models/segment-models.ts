import type { AssayConfig } from "../config/assay-config.js";
import type { FunctionTable } from "../sql/dialect.js";
import { metricAggregateSql } from "./metric-aggregate-sql.js";
import {
  aggExperimentMetricMomentsBySegment,
  aggExperimentMetricQuantilesBySegment,
} from "./metric-type-models.js";
import type { ModelDefinition } from "./model.js";

/**
 * Drill-down by a user attribute (issue #7): each canonical unit's value of each segment attribute as known at its
 * assignment, and the metric sufficient statistics per segment. The attribute list is part of the config the models
 * compile against (`segmentAttributes`, resolved from the data when `assay.yaml` leaves it out), so the SQL names
 * it as literals and every engine, shard-local or not, sees the same list.
 */

/** The segment value of a unit with no observation of the attribute at or before its assignment. */
export const notSetSegmentValue = "(not set)";

/** The attributes the segment models compile against (empty until resolved). */
export const segmentAttributesOf = (config: AssayConfig): ReadonlyArray<string> =>
  config.segmentAttributes ?? [];

/** `attribute IN (…)` over the configured attributes, or a condition no row meets. */
export function attributeFilter(f: FunctionTable, config: AssayConfig, column: string): string {
  const attributes = segmentAttributesOf(config);
  return attributes.length === 0 ? "1 = 0" : `${column} IN (${attributes.map(f.string).join(", ")})`;
}

const stgUserAttributes: ModelDefinition = {
  name: "stg_user_attributes",
  grain: [],
  zone: "transient",
  materialized: "view",
  description: "User attribute observations of the segment attributes (one row per observation).",
  dependsOn: ["raw_user_attributes"],
  sql: ({ dialect: { functions: f }, config }) =>
    `SELECT user_id, attribute, value, observed_time_utc
FROM raw_user_attributes
WHERE ${attributeFilter(f, config, "attribute")}`,
  tests: () => [{ kind: "not_null", columns: ["user_id", "attribute", "value", "observed_time_utc"] }],
};

const segmentGrain = ["experiment_id", "user_id", "segment_attribute"] as const;

const intExperimentUnitSegments: ModelDefinition = {
  name: "int_experiment_unit_segments",
  grain: segmentGrain,
  zone: "silver",
  description:
    "One row per canonical unit × segment attribute: the value of the latest observation at or before assignment (ties: the largest value, byte order), else '(not set)'. Later observations are ignored: the treatment could have changed them.",
  dependsOn: ["fct_experiment_cohort", "stg_user_attributes"],
  sql: ({ dialect: { functions: f }, config }) => {
    const attributes = segmentAttributesOf(config);
    const list =
      attributes.length === 0
        ? `SELECT ${f.nullOf("text")} AS segment_attribute WHERE 1 = 0`
        : attributes
            .map((a) => `SELECT ${f.cast(f.string(a), "text")} AS segment_attribute`)
            .join(" UNION ALL ");
    return f.withQueries(
      [
        { name: "attribute", sql: () => `  ${list}` },
        {
          name: "observed",
          sql: () => `  SELECT c.experiment_id, c.user_id, a.o_attribute AS segment_attribute,
    ${f.argMax("a.o_value", ["a.o_time", f.byteOrder("a.o_value")])} AS seg_value,
    max(a.o_time) AS seg_time
  FROM (SELECT experiment_id, user_id, assignment_time_utc FROM fct_experiment_cohort) c
  ${f.join("inner")} (
    SELECT user_id, attribute AS o_attribute, value AS o_value, observed_time_utc AS o_time FROM stg_user_attributes
  ) a ON a.user_id = c.user_id
  WHERE a.o_time <= c.assignment_time_utc
  GROUP BY c.experiment_id, c.user_id, a.o_attribute`,
        },
      ],
      (ref) => `SELECT ct.experiment_id, ct.user_id, ct.segment_attribute,
  COALESCE(o.seg_value, ${f.cast(f.string(notSetSegmentValue), "text")}) AS segment_value,
  o.seg_time AS segment_observed_time_utc,
  ct.variant_id, ct.assignment_time_utc, ct.is_exposed, ct.anchor_time_utc
FROM (
  SELECT c.experiment_id, c.user_id, t.segment_attribute, c.variant_id, c.assignment_time_utc, c.is_exposed,
    c.anchor_time_utc
  FROM fct_experiment_cohort c
  CROSS JOIN ${ref("attribute")} t
) ct
${f.join("left")} ${ref("observed")} o ON o.experiment_id = ct.experiment_id AND o.user_id = ct.user_id
  AND o.segment_attribute = ct.segment_attribute`,
    );
  },
  tests: ({ config }) => [
    { kind: "unique", columns: segmentGrain },
    { kind: "not_null", columns: [...segmentGrain, "segment_value", "variant_id", "is_exposed"] },
    {
      kind: "relationships",
      columns: ["experiment_id", "user_id"],
      to: "fct_experiment_cohort",
      toColumns: ["experiment_id", "user_id"],
    },
    ...(segmentAttributesOf(config).length > 0
      ? [
          {
            kind: "accepted_values" as const,
            column: "segment_attribute",
            values: segmentAttributesOf(config),
          },
        ]
      : []),
    {
      kind: "expression",
      name: "segment_observed_at_or_before_assignment",
      failingRows: "segment_observed_time_utc > assignment_time_utc",
    },
  ],
};

const segmentAggregateGrain = [
  "experiment_id",
  "metric_id",
  "analysis_mode",
  "segment_attribute",
  "segment_value",
  "variation_id",
] as const;

const aggExperimentMetricBySegment: ModelDefinition = {
  name: "agg_experiment_metric_by_segment",
  grain: segmentAggregateGrain,
  zone: "gold",
  description:
    "agg_experiment_metric_by_variant's sufficient statistics per segment attribute and value; a segment appears when it has a unit, then with every variation (n = 0 allowed).",
  dependsOn: [
    "int_experiment_unit_segments",
    "int_experiment_unit_measures",
    "cfg_variant",
    "cfg_experiment_metric",
    // Read only when a used metric needs them (docs/metrics.md).
    "int_experiment_unit_attributes",
    "int_experiment_unit_funnels",
    "agg_experiment_metric_caps",
    "int_data_horizon",
  ],
  sql: ({ dialect: { functions: f }, config }) => metricAggregateSql(f, config, "segment"),
  tests: () => [
    {
      kind: "unique",
      columns: segmentAggregateGrain,
    },
    { kind: "accepted_values", column: "analysis_mode", values: ["itt", "exposed"] },
    {
      kind: "not_null",
      columns: [...segmentAggregateGrain, "n"],
    },
  ],
};

/** The segment models, in build order (after `agg_experiment_metric_by_variant`). */
export const segmentModels: ReadonlyArray<ModelDefinition> = [
  stgUserAttributes,
  intExperimentUnitSegments,
  aggExperimentMetricBySegment,
  // Only when a used metric needs them (metricTypeModelNeeded): quantiles, k covariates and funnel steps.
  aggExperimentMetricQuantilesBySegment,
  aggExperimentMetricMomentsBySegment,
];

/** Names of the segment models: left out of a run when there is no attribute to drill into. */
export const segmentModelNames: ReadonlySet<string> = new Set(segmentModels.map((m) => m.name));
