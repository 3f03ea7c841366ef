import type { AssayConfig, MetricDefinition } from "../config/assay-config.js";
import type { FunctionTable, NamedQuery, QueryRef } from "../sql/dialect.js";
import { measureValueSql, metricSources, planMeasures, usedMetrics } from "./measure-plan.js";
import { metricMomentsSql } from "./metric-aggregate-sql.js";
import type { ModelDefinition } from "./model.js";

/**
 * The models of the metric types of docs/metrics.md beyond conversion/count/sum/ratio: SQL sources, covariate
 * attributes, funnel steps, percentile caps, quantile summaries and the long-format covariate moments. Each runs
 * only when some used metric needs it ({@link metricTypeModelNeeded}); all return per-arm summaries or per-unit
 * tables inside the warehouse, never unit rows to Node. Written for every engine at once (ClickHouse 18.16
 * included): named sub-queries through `withQueries` (CTEs where the engine has them, inlined on ClickHouse), one
 * JOIN per SELECT (joins nest as sub-queries), no window functions — order statistics come from the function
 * table's `orderStatistic` aggregate. Experiments are filtered by config literals, not by
 * sub-queries on `cfg_*` tables, so the pooled models (caps, quantiles) also run over a cluster's shards.
 */

/** z = Φ⁻¹(0.975): the order-statistic ranks use it whatever α (metrics-contract.md, `quantile`). */
const Z_RANKS = "1.959963984540054";

/** `column IN (<experiments using the metric>)`, from the config (quoted literals), or a false condition. */
const usingExperiments = (f: FunctionTable, config: AssayConfig, metricId: string, column: string) => {
  const ids = config.experiments.filter((e) => e.metricIds.includes(metricId)).map((e) => f.string(e.id));
  return ids.length === 0 ? "1 = 0" : `${column} IN (${ids.join(", ")})`;
};

/**
 * The rows of `from` (a table, a named query's reference or a parenthesized sub-query, with `is_exposed`) once per
 * analysis mode: `itt` all, `exposed` the exposed ones.
 */
const perMode = (f: FunctionTable, columns: string, from: string) =>
  `SELECT ${columns}, ${f.cast(f.string("itt"), "text")} AS analysis_mode FROM ${from} itt_rows
UNION ALL
SELECT ${columns}, ${f.cast(f.string("exposed"), "text")} AS analysis_mode FROM ${from} exposed_rows WHERE is_exposed`;

const modesSql = (f: FunctionTable) =>
  `SELECT ${f.cast(f.string("itt"), "text")} AS analysis_mode UNION ALL SELECT ${f.cast(f.string("exposed"), "text")} AS analysis_mode`;

/**
 * The type-7 quantile (numpy's default) of the non-null `value`s of the group as an aggregate expression:
 * h = (n − 1)·p, x₍⌊h⌋₎ + (h − ⌊h⌋)·(x₍⌊h⌋+1₎ − x₍⌊h⌋₎) over the 0-based order statistics.
 */
const type7Sql = (f: FunctionTable, value: string, p: string) => {
  const n = `count(${value})`;
  const lo = `floor((${n} - 1) * ${p})`;
  const at = (rank: string) => f.orderStatistic(value, rank);
  const first = at(`${lo} + 1`);
  return `${first} + ((${n} - 1) * ${p} - ${lo}) * (${at(`${f.least(f.cast(`${lo} + 1`, "double"), f.cast(`${n} - 1`, "double"))} + 1`)} - ${first})`;
};

const stgMetricSourceEvents: ModelDefinition = {
  name: "stg_metric_source_events",
  grain: [],
  zone: "transient",
  materialized: "view",
  description:
    "The rows of every SQL-defined metric source (`source: {sql}`), each query wrapped as a sub-query: source_id, user_id, event_name (the metric's id), event_time_utc, value. Not de-duplicated: the query owns its grain.",
  // The queries read the warehouse's own tables; built with the events (the outcomes job).
  dependsOn: ["raw_events"],
  sql: ({ dialect: { functions: f }, config }) => {
    const sources = metricSources(config);
    if (sources.length === 0) {
      return `SELECT ${f.cast("0", "integer")} AS source_id, ${f.nullOf("text")} AS user_id, ${f.nullOf("text")} AS event_name, ${f.nullOf("timestamp")} AS event_time_utc, ${f.nullOf("double")} AS value FROM cfg_experiment WHERE 1 = 0`;
    }
    return sources.map((s) => sourceSelect(f, s.sourceId, s.metricId, s.sql)).join("\nUNION ALL\n");
  },
  tests: () => [{ kind: "not_null", columns: ["source_id", "user_id", "event_name", "event_time_utc"] }],
};

/** One SQL source as rows of the canonical event shape (the author's query is a sub-query, never spliced into). */
export function sourceSelect(f: FunctionTable, sourceId: number, metricId: string, sql: string): string {
  // Renamed first: on ClickHouse an alias equal to a column it is computed from is an error.
  return `SELECT ${f.cast(String(sourceId), "integer")} AS source_id, ${f.cast("s_user", "text")} AS user_id, ${f.cast(f.string(metricId), "text")} AS event_name, ${f.cast("s_time", "timestamp")} AS event_time_utc, ${f.cast("s_value", "double")} AS value
FROM (SELECT user_id AS s_user, event_time_utc AS s_time, value AS s_value FROM (
${sql}
) src) s`;
}

const intDataHorizon: ModelDefinition = {
  name: "int_data_horizon",
  grain: [],
  zone: "transient",
  description:
    "One row: the data's horizon a retention window must have reached for its unit to count (docs/metrics.md): the end of the lake partition's day, else the latest event time of the input (over every shard of a cluster).",
  dependsOn: ["raw_events"],
  sql: ({ dialect: { functions: f }, config }) =>
    config.dataHorizonMs === undefined
      ? `SELECT max(event_time_utc) AS horizon_time_utc FROM raw_events`
      : `SELECT ${f.timestamp(config.dataHorizonMs)} AS horizon_time_utc`,
  // Without any event there is no horizon: a retention metric then fails here rather than excluding every unit.
  tests: () => [{ kind: "not_null", columns: ["horizon_time_utc"] }],
};

const intExperimentUnitAttributes: ModelDefinition = {
  name: "int_experiment_unit_attributes",
  grain: ["experiment_id", "user_id"],
  zone: "transient",
  description:
    "Per canonical unit with an observation: the value at assignment (the latest observation at or before it; ties: the largest value) of each attribute a `cuped_covariates` list names, as columns a0, a1, …",
  dependsOn: ["fct_experiment_cohort", "raw_user_attributes"],
  sql: ({ dialect: { functions: f }, config }) => {
    const attributes = planMeasures(config).attributes;
    const observed = attributes.map(
      (
        attribute,
        index,
      ) => `SELECT experiment_id, user_id, ${f.cast(String(index), "integer")} AS attribute_index,
    ${f.argMax("a_value", ["a_time", f.byteOrder("a_value")])} AS observed_value
  FROM (SELECT experiment_id, user_id, assignment_time_utc AS c_time FROM fct_experiment_cohort) c
  ${f.join("inner")} (SELECT user_id, value AS a_value, observed_time_utc AS a_time FROM raw_user_attributes WHERE attribute = ${f.string(attribute)}) a USING (user_id)
  WHERE a_time <= c_time
  GROUP BY experiment_id, user_id`,
    );
    return `SELECT experiment_id, user_id${attributes.map((_, i) => `,\n  max(CASE WHEN attribute_index = ${i} THEN observed_value END) AS a${i}`).join("")}
FROM (
  ${observed.length > 0 ? observed.join("\n  UNION ALL\n  ") : `SELECT experiment_id, user_id, ${f.cast("0", "integer")} AS attribute_index, ${f.nullOf("text")} AS observed_value FROM fct_experiment_cohort WHERE 1 = 0`}
) o
GROUP BY experiment_id, user_id`;
  },
  tests: () => [{ kind: "unique", columns: ["experiment_id", "user_id"] }],
};

const funnelMetrics = (config: AssayConfig) => usedMetrics(config).filter((m) => m.funnelSteps !== undefined);

/** Units with the time of a funnel's step `j` (1-based): the first step-j event at or after step j − 1's. */
function funnelStepSql(f: FunctionTable, config: AssayConfig, metric: MetricDefinition, j: number): string {
  const steps = metric.funnelSteps ?? [];
  const events = (step: number) =>
    `(SELECT user_id, event_time_utc AS ev_time FROM stg_conversion_events WHERE event_name = ${f.string(steps[step - 1] ?? "")}) ev`;
  const units =
    j === 1
      ? `(SELECT experiment_id, user_id, anchor_time_utc AS since, ${f.addDays("anchor_time_utc", String(metric.windowDays))} AS window_end
   FROM fct_experiment_cohort WHERE ${usingExperiments(f, config, metric.id, "experiment_id")}) s`
      : `(SELECT experiment_id, user_id, window_end, t AS since FROM (
${funnelStepSql(f, config, metric, j - 1)}
) p) s`;
  return `SELECT experiment_id, user_id, window_end, min(ev_time) AS t
FROM ${units}
${f.join("inner")} ${events(j)} USING (user_id)
WHERE ev_time >= since AND ev_time < window_end
GROUP BY experiment_id, user_id, window_end`;
}

const intExperimentUnitFunnels: ModelDefinition = {
  name: "int_experiment_unit_funnels",
  grain: ["experiment_id", "user_id"],
  zone: "transient",
  description:
    "Per unit that reached a funnel's first step: how many steps of each funnel metric it did in order inside its window (f<i>_steps; t₁ = the first step-1 event at or after the anchor, t_j = the first step-j event at or after t_{j−1}).",
  dependsOn: ["fct_experiment_cohort", "stg_conversion_events"],
  sql: ({ dialect: { functions: f }, config }) => {
    const funnels = funnelMetrics(config);
    const reached = funnels.flatMap((metric, i) =>
      (metric.funnelSteps ?? []).map(
        (
          _,
          j,
        ) => `SELECT experiment_id, user_id, ${f.cast(String(i), "integer")} AS funnel, ${f.cast(String(j + 1), "integer")} AS steps FROM (
${funnelStepSql(f, config, metric, j + 1)}
) f${i}_s${j + 1}`,
      ),
    );
    if (reached.length === 0) {
      return `SELECT experiment_id, user_id FROM fct_experiment_cohort WHERE 1 = 0`;
    }
    return `SELECT experiment_id, user_id${funnels.map((_, i) => `,\n  max(CASE WHEN funnel = ${i} THEN steps END) AS f${i}_steps`).join("")}
FROM (
  ${reached.join("\n  UNION ALL\n  ")}
) r
GROUP BY experiment_id, user_id`;
  },
  tests: () => [{ kind: "unique", columns: ["experiment_id", "user_id"] }],
};

const aggExperimentMetricCaps: ModelDefinition = {
  name: "agg_experiment_metric_caps",
  grain: ["experiment_id", "metric_id", "analysis_mode"],
  zone: "gold",
  description:
    "The cap of every capped metric per experiment × analysis mode (docs/metrics.md): the absolute value, or the type-7 percentile of the pooled per-unit values of all variants (zeros included); covariate_cap_value the same for the CUPED pre-period value.",
  dependsOn: ["fct_experiment_cohort", "int_experiment_unit_measures", "cfg_experiment_metric"],
  sql: ({ dialect: { functions: f }, config }) => {
    const plan = planMeasures(config);
    const cappedEntries = plan.metrics.filter((e) => e.metric.cap !== undefined);
    if (cappedEntries.length === 0) {
      return `SELECT experiment_id, metric_id, ${f.nullOf("text")} AS analysis_mode, ${f.nullOf("double")} AS cap_value, ${f.nullOf("double")} AS covariate_cap_value FROM cfg_experiment_metric WHERE 1 = 0`;
    }
    // The pooled per-unit values of each percentile-capped metric (zeros included: the cohort, left-joined with
    // its measures), named: each is read once per analysis mode.
    const unitsName = (index: number) => `cap${index}_units`;
    const queries: NamedQuery[] = cappedEntries.flatMap((entry, index) =>
      entry.metric.cap !== undefined && "percentile" in entry.metric.cap
        ? [
            {
              name: unitsName(index),
              sql: () => `SELECT c.experiment_id, c.is_exposed,
    ${f.cast(measureValueSql(entry.numerator, entry.metric.numerator, "u"), "double")} AS unit_value,
    ${entry.covariate ? f.cast(measureValueSql(entry.covariate, entry.metric.numerator, "u"), "double") : f.nullOf("double")} AS unit_covariate
  FROM (SELECT experiment_id, user_id, is_exposed FROM fct_experiment_cohort WHERE ${usingExperiments(f, config, entry.metric.id, "experiment_id")}) c
  ${f.join("left")} (SELECT * FROM int_experiment_unit_measures) u USING (experiment_id, user_id)`,
            },
          ]
        : [],
    );
    const rows = (ref: QueryRef) =>
      cappedEntries.map((entry, index) => {
        const cap = entry.metric.cap;
        const configRows = `SELECT em.experiment_id, em.metric_id, m.analysis_mode
  FROM (SELECT experiment_id, metric_id FROM cfg_experiment_metric WHERE metric_id = ${f.string(entry.metric.id)}) em
  ${f.join("cross")} (${modesSql(f)}) m`;
        if (cap === undefined || "absolute" in cap) {
          const absolute = f.cast(String(cap?.absolute ?? 0), "double");
          return `SELECT experiment_id, metric_id, analysis_mode, ${absolute} AS cap_value, ${entry.covariate ? absolute : f.nullOf("double")} AS covariate_cap_value
FROM (
${configRows}
) cm`;
        }
        const p = f.cast(String(cap.percentile), "double");
        return `SELECT experiment_id, metric_id, analysis_mode, ${f.cast("pc_value", "double")} AS cap_value, ${entry.covariate ? f.cast("pc_covariate", "double") : f.nullOf("double")} AS covariate_cap_value
FROM (
${configRows}
) cm
${f.join("left")} (
  SELECT experiment_id, analysis_mode, ${type7Sql(f, "unit_value", p)} AS pc_value,
    ${entry.covariate ? type7Sql(f, "unit_covariate", p) : f.nullOf("double")} AS pc_covariate
  FROM (
${perMode(f, "experiment_id, unit_value, unit_covariate", ref(unitsName(index)))}
  ) pm
  GROUP BY experiment_id, analysis_mode
) pc USING (experiment_id, analysis_mode)`;
      });
    return f.withQueries(queries, (ref) => rows(ref).join("\nUNION ALL\n"));
  },
  tests: () => [{ kind: "unique", columns: ["experiment_id", "metric_id", "analysis_mode"] }],
};

const quantileMetrics = (config: AssayConfig): ReadonlyArray<MetricDefinition> =>
  usedMetrics(config).filter((m) => m.quantile !== undefined);

/** The unit relation and extra key columns of an aggregate's grain (per variant, or per segment too). */
const grainOf = (grain: "variant" | "segment") =>
  grain === "variant"
    ? { units: "fct_experiment_cohort", k: "" }
    : { units: "int_experiment_unit_segments", k: "segment_attribute, segment_value, " };

/**
 * One quantile metric's per-arm summary and design-effect sums, keyed by experiment × (segment ×) mode × variant:
 * its named queries (the moded values and the per-arm summary, each read twice) and the SELECT over them.
 */
function quantileArmsSql(
  f: FunctionTable,
  config: AssayConfig,
  m: MetricDefinition,
  grain: "variant" | "segment",
  index: number,
): { queries: NamedQuery[]; arms: (ref: QueryRef) => string } {
  const { units, k } = grainOf(grain);
  const arm = `experiment_id, ${k}analysis_mode, variant_id`;
  const source = metricSources(config).find((s) => s.metricId === m.id);
  const events =
    source === undefined
      ? `SELECT user_id, event_time_utc AS ev_time, value AS ev_value FROM stg_conversion_events WHERE event_name = ${f.string(m.numerator.event)} AND value IS NOT NULL`
      : `SELECT user_id, event_time_utc AS ev_time, value AS ev_value FROM stg_metric_source_events WHERE source_id = ${source.sourceId} AND value IS NOT NULL`;
  const matched = `SELECT experiment_id, ${k}user_id, variant_id, is_exposed, ev_value
  FROM (SELECT experiment_id, ${k}user_id, variant_id, is_exposed, anchor_time_utc AS since, ${f.addDays("anchor_time_utc", String(m.windowDays))} AS window_end
        FROM ${units} WHERE ${usingExperiments(f, config, m.id, "experiment_id")}) c
  ${f.join("inner")} (${events}) ev USING (user_id)
  WHERE ev_time >= since AND ev_time < window_end`;
  // `of: unit`: one value per unit, the sum of its rows; `of: event`: every row.
  const values =
    m.quantile?.of === "unit"
      ? `SELECT experiment_id, ${k}user_id, variant_id, is_exposed, ${f.cast("sum(ev_value)", "double")} AS x FROM (
${matched}
) mt GROUP BY experiment_id, ${k}user_id, variant_id, is_exposed`
      : `SELECT experiment_id, ${k}user_id, variant_id, is_exposed, ${f.cast("ev_value", "double")} AS x FROM (
${matched}
) mt`;
  const names = { values: `q${index}_values`, moded: `q${index}_moded`, summary: `q${index}_summary` };
  const p = f.cast(String(m.quantile?.p ?? 0.5), "double");
  const n = "count(x)";
  const spread = `${Z_RANKS} * sqrt(${n} * ${p} * (1 - ${p}))`;
  const summary = (ref: QueryRef) => `SELECT ${arm}, ${n} AS q_n, ${type7Sql(f, "x", p)} AS q_value,
    ${f.orderStatistic("x", f.greatest(f.cast("1", "double"), f.cast(`floor(${n} * ${p} - ${spread})`, "double")))} AS q_lower,
    ${f.orderStatistic("x", f.least(f.cast(n, "double"), f.cast(`ceil(${n} * ${p} + ${spread})`, "double")))} AS q_upper
  FROM ${ref(names.moded)} md
  GROUP BY ${arm}`;
  // Per unit: m = its values, a = those ≤ q̂ of its arm (the design effect of docs/metrics.md).
  const design = (ref: QueryRef) => `SELECT ${arm}, count(*) AS d_users,
    sum(a) AS d_a, sum(a * a) AS d_a_sq, sum(a * m) AS d_a_m, sum(m) AS d_m, sum(m * m) AS d_m_sq
  FROM (
    SELECT ${arm}, user_id,
      sum(CASE WHEN x <= arm_q THEN 1 ELSE 0 END) AS a, count(*) AS m
    FROM ${ref(names.moded)} du
    ${f.join("inner")} (SELECT ${arm}, q_value AS arm_q FROM ${ref(names.summary)} sq) q USING (${arm})
    GROUP BY ${arm}, user_id
  ) cl
  GROUP BY ${arm}`;
  return {
    queries: [
      { name: names.values, sql: () => values },
      {
        name: names.moded,
        sql: (ref) => perMode(f, `experiment_id, ${k}user_id, variant_id, x`, ref(names.values)),
      },
      { name: names.summary, sql: summary },
    ],
    arms: (ref) => `SELECT ${f.cast(f.string(m.id), "text")} AS metric_id, ${arm},
  q_n, q_value, q_lower, q_upper, d_users, d_a, d_a_sq, d_a_m, d_m, d_m_sq
FROM ${ref(names.summary)} sm
${f.join("inner")} (
${design(ref)}
) dg USING (${arm})`,
  };
}

/**
 * The SELECT of the quantile aggregate of a grain: every variation of every quantile metric and mode (n = 0
 * allowed), per segment attribute and value too for `segment` (a segment when it has a unit, as by-segment).
 */
function quantileAggregateSql(f: FunctionTable, config: AssayConfig, grain: "variant" | "segment"): string {
  const { k } = grainOf(grain);
  const metrics = quantileMetrics(config);
  if (metrics.length === 0) {
    const segments =
      grain === "variant"
        ? ""
        : `${f.nullOf("text")} AS segment_attribute, ${f.nullOf("text")} AS segment_value, `;
    return `SELECT experiment_id, ${f.nullOf("text")} AS metric_id, ${f.nullOf("text")} AS analysis_mode, ${segments}variant_id AS variation_id, ${f.cast("0", "bigint")} AS n_values, ${f.cast("0", "bigint")} AS n_users, ${["quantile_value", "order_lower", "order_upper", "sum_a", "sum_a_sq", "sum_a_m", "sum_m", "sum_m_sq"].map((c) => `${f.nullOf("double")} AS ${c}`).join(", ")} FROM cfg_variant WHERE 1 = 0`;
  }
  const variants = `SELECT v.experiment_id, em.metric_id, v.variant_id
  FROM (SELECT experiment_id, variant_id FROM cfg_variant) v
  ${f.join("inner")} (SELECT experiment_id, metric_id FROM cfg_experiment_metric WHERE metric_id IN (${metrics.map((m) => f.string(m.id)).join(", ")})) em USING (experiment_id)`;
  const segmented =
    grain === "variant"
      ? variants
      : `SELECT experiment_id, metric_id, ${k}variant_id FROM (
${variants}
) vs
${f.join("inner")} (SELECT DISTINCT experiment_id, ${k.slice(0, -2)} FROM int_experiment_unit_segments) sg USING (experiment_id)`;
  const spine = `SELECT experiment_id, metric_id, ${k}analysis_mode, variant_id FROM (
${segmented}
) vm
${f.join("cross")} (${modesSql(f)}) m`;
  const doubles: Array<[string, string]> = [
    ["quantile_value", "q_value"],
    ["order_lower", "q_lower"],
    ["order_upper", "q_upper"],
    ["sum_a", "d_a"],
    ["sum_a_sq", "d_a_sq"],
    ["sum_a_m", "d_a_m"],
    ["sum_m", "d_m"],
    ["sum_m_sq", "d_m_sq"],
  ];
  const perMetric = metrics.map((m, i) => quantileArmsSql(f, config, m, grain, i));
  return f.withQueries(
    perMetric.flatMap((q) => q.queries),
    (ref) => `SELECT experiment_id, metric_id, analysis_mode, ${k}variant_id AS variation_id,
  ${f.cast("COALESCE(q_n, 0)", "bigint")} AS n_values,
  ${f.cast("COALESCE(d_users, 0)", "bigint")} AS n_users,
  ${doubles.map(([name, column]) => `${f.cast(column, "double")} AS ${name}`).join(",\n  ")}
FROM (
${spine}
) s
${f.join("left")} (
${perMetric.map((q) => q.arms(ref)).join("\nUNION ALL\n")}
) arms USING (experiment_id, metric_id, ${k}analysis_mode, variant_id)`,
  );
}

const quantileTests = (grain: ReadonlyArray<string>) => () => [
  { kind: "unique" as const, columns: grain },
  {
    kind: "expression" as const,
    name: "order_statistics_bracket_the_quantile",
    failingRows: "order_lower > quantile_value OR order_upper < quantile_value",
  },
];

const quantileGrain = ["experiment_id", "metric_id", "analysis_mode", "variation_id"];
const segmentQuantileGrain = [
  "experiment_id",
  "metric_id",
  "analysis_mode",
  "segment_attribute",
  "segment_value",
  "variation_id",
];

const aggExperimentMetricQuantiles: ModelDefinition = {
  name: "agg_experiment_metric_quantiles",
  grain: quantileGrain,
  zone: "gold",
  description:
    "Per experiment × quantile metric × analysis mode × variation: n_values, n_users, the type-7 quantile, the order statistics x(l), x(u) of metrics-contract.md, and for `of: event` the per-unit sums of the design effect (Σa, Σa², Σa·m, Σm, Σm² with m = a unit's events, a = those ≤ q̂).",
  dependsOn: ["fct_experiment_cohort", "stg_conversion_events", "stg_metric_source_events", "cfg_variant"],
  sql: ({ dialect: { functions: f }, config }) => quantileAggregateSql(f, config, "variant"),
  tests: quantileTests(quantileGrain),
};

/** agg_experiment_metric_quantiles per segment attribute and value (docs/segments.md). */
export const aggExperimentMetricQuantilesBySegment: ModelDefinition = {
  name: "agg_experiment_metric_quantiles_by_segment",
  grain: segmentQuantileGrain,
  zone: "gold",
  description:
    "agg_experiment_metric_quantiles per segment attribute and value: the quantile summaries of the units in each segment; a segment appears when it has a unit, then with every variation (n_values = 0 allowed).",
  dependsOn: [
    "int_experiment_unit_segments",
    "stg_conversion_events",
    "stg_metric_source_events",
    "cfg_variant",
    "cfg_experiment_metric",
  ],
  sql: ({ dialect: { functions: f }, config }) => quantileAggregateSql(f, config, "segment"),
  tests: quantileTests(segmentQuantileGrain),
};

export const aggExperimentMetricMoments: ModelDefinition = {
  name: "agg_experiment_metric_moments",
  grain: ["experiment_id", "metric_id", "analysis_mode", "variation_id", "statistic", "i", "j"],
  zone: "gold",
  description:
    "Long-format per-arm sums beyond the fixed sufficient statistics: sum_x (i), sum_xx (i ≤ j), sum_xy (i) over the k CUPED covariates of metrics with `cuped_covariates`, and step_units (i = step index) of funnel metrics.",
  dependsOn: [
    "fct_experiment_cohort",
    "int_experiment_unit_measures",
    "int_experiment_unit_attributes",
    "int_experiment_unit_funnels",
    "agg_experiment_metric_caps",
    "int_data_horizon",
  ],
  sql: ({ dialect: { functions: f }, config }) => metricMomentsSql(f, config),
  tests: () => [
    {
      kind: "unique",
      columns: ["experiment_id", "metric_id", "analysis_mode", "variation_id", "statistic", "i", "j"],
    },
  ],
};

/** agg_experiment_metric_moments per segment attribute and value (k covariates and funnel steps per segment). */
const momentsBySegmentGrain = [
  "experiment_id",
  "metric_id",
  "analysis_mode",
  "segment_attribute",
  "segment_value",
  "variation_id",
  "statistic",
  "i",
  "j",
];

export const aggExperimentMetricMomentsBySegment: ModelDefinition = {
  name: "agg_experiment_metric_moments_by_segment",
  grain: momentsBySegmentGrain,
  zone: "gold",
  description:
    "agg_experiment_metric_moments per segment attribute and value: the k-covariate sums and funnel step_units of the units in each segment.",
  dependsOn: [
    "int_experiment_unit_segments",
    "int_experiment_unit_measures",
    "int_experiment_unit_attributes",
    "int_experiment_unit_funnels",
    "agg_experiment_metric_caps",
    "int_data_horizon",
  ],
  sql: ({ dialect: { functions: f }, config }) => metricMomentsSql(f, config, "segment"),
  tests: () => [
    {
      kind: "unique",
      columns: momentsBySegmentGrain,
    },
  ],
};

/** The metric-type models, by the model they must run before (`before`) or after. */
export const sourceModels: ReadonlyArray<ModelDefinition> = [stgMetricSourceEvents];
export const metricTypeModels: ReadonlyArray<ModelDefinition> = [
  intDataHorizon,
  intExperimentUnitAttributes,
  intExperimentUnitFunnels,
  aggExperimentMetricCaps,
  aggExperimentMetricQuantiles,
  aggExperimentMetricMoments,
];

/**
 * Whether a metric-type model runs for this config (absent metric types cost nothing, and engines without window
 * functions still run every other metric).
 * @example baseModels.filter((m) => metricTypeModelNeeded(m.name, config));
 */
export function metricTypeModelNeeded(name: string, config: AssayConfig): boolean {
  const metrics = usedMetrics(config);
  switch (name) {
    case "stg_metric_source_events":
      return metrics.some((m) => m.numerator.sql !== undefined);
    case "int_data_horizon":
      return metrics.some((m) => m.retention !== undefined);
    case "int_experiment_unit_attributes":
      return planMeasures(config).attributes.length > 0;
    case "int_experiment_unit_funnels":
      return metrics.some((m) => m.funnelSteps !== undefined);
    case "agg_experiment_metric_caps":
      return metrics.some((m) => m.cap !== undefined);
    case "agg_experiment_metric_quantiles":
    case "agg_experiment_metric_quantiles_by_segment":
      return metrics.some((m) => m.quantile !== undefined);
    case "agg_experiment_metric_moments":
    case "agg_experiment_metric_moments_by_segment":
      return metrics.some((m) => m.funnelSteps !== undefined || m.covariates !== undefined);
    default:
      return true;
  }
}
