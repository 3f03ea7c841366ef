import type { AssayConfig, MetricDefinition } from "../config/assay-config.js";
import type { FunctionTable } from "../sql/dialect.js";
import { measureValueSql, metricSources, planMeasures, usedMetrics } from "./measure-plan.js";
import { metricMomentsSql } from "./metric-aggregate-sql.js";
import type { ModelDefinition } from "./model.js";

/**
 * The models of the metric types of docs/metrics.md beyond conversion/count/sum/ratio: SQL sources, covariate
 * attributes, funnel steps, percentile caps, quantile summaries and the long-format covariate moments. Each runs
 * only when some used metric needs it ({@link metricTypeModelNeeded}); all return per-arm summaries or per-unit
 * tables inside the warehouse, never unit rows to Node. Order statistics come from `row_number()` ranks.
 */

/** z = Φ⁻¹(0.975): the order-statistic ranks use it whatever α (metrics-contract.md, `quantile`). */
const Z_RANKS = "1.959963984540054";

const modesSql = (f: FunctionTable) =>
  `SELECT ${f.cast(f.string("itt"), "text")} AS analysis_mode UNION ALL SELECT ${f.cast(f.string("exposed"), "text")}`;

const experimentsUsing = (f: FunctionTable, metricId: string) =>
  `(SELECT experiment_id FROM cfg_experiment_metric WHERE metric_id = ${f.string(metricId)})`;

/** The type-7 interpolation pieces over ranked rows (`rn` 1-based, `n` per partition, `p` the level). */
const type7 = (n: string, p: string) => ({
  h: `(${n} - 1) * ${p}`,
  lo: `floor((${n} - 1) * ${p})`,
  hi: `least(floor((${n} - 1) * ${p}) + 1, ${n} - 1)`,
});

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
  return `SELECT ${f.cast(String(sourceId), "integer")} AS source_id, ${f.cast("src.user_id", "text")} AS user_id, ${f.cast(f.string(metricId), "text")} AS event_name, ${f.cast("src.event_time_utc", "timestamp")} AS event_time_utc, ${f.cast("src.value", "double")} AS value
FROM (
${sql}
) src`;
}

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
      (attribute, index) => `SELECT c.experiment_id, c.user_id, ${index} AS attribute_index,
    ${f.argMax("a.value", ["a.observed_time_utc", f.byteOrder("a.value")])} AS value
  FROM fct_experiment_cohort c
  JOIN raw_user_attributes a ON a.user_id = c.user_id AND a.attribute = ${f.string(attribute)}
  WHERE a.observed_time_utc <= c.assignment_time_utc
  GROUP BY c.experiment_id, c.user_id`,
    );
    return `SELECT experiment_id, user_id${attributes.map((_, i) => `,\n  max(CASE WHEN attribute_index = ${i} THEN value END) AS a${i}`).join("")}
FROM (
  ${observed.length > 0 ? observed.join("\n  UNION ALL\n  ") : `SELECT experiment_id, user_id, 0 AS attribute_index, ${f.nullOf("text")} AS value FROM fct_experiment_cohort WHERE 1 = 0`}
) o
GROUP BY experiment_id, user_id`;
  },
  tests: () => [{ kind: "unique", columns: ["experiment_id", "user_id"] }],
};

const funnelMetrics = (config: AssayConfig) => usedMetrics(config).filter((m) => m.funnelSteps !== undefined);

const intExperimentUnitFunnels: ModelDefinition = {
  name: "int_experiment_unit_funnels",
  grain: ["experiment_id", "user_id"],
  zone: "transient",
  description:
    "Per unit that reached a funnel's first step: how many steps of each funnel metric it did in order inside its window (f<i>_steps; t₁ = the first step-1 event at or after the anchor, t_j = the first step-j event at or after t_{j−1}).",
  dependsOn: ["fct_experiment_cohort", "stg_conversion_events"],
  sql: ({ dialect: { functions: f }, config }) => {
    const funnels = funnelMetrics(config);
    const ctes: string[] = [];
    const reached: string[] = [];
    funnels.forEach((metric, i) => {
      (metric.funnelSteps ?? []).forEach((step, j) => {
        const name = `f${i}_s${j + 1}`;
        const previous = j === 0 ? null : `f${i}_s${j}`;
        ctes.push(
          previous === null
            ? `${name} AS (
  SELECT c.experiment_id, c.user_id, c.window_end, min(ev.event_time_utc) AS t
  FROM (SELECT experiment_id, user_id, anchor_time_utc, ${f.addDays("anchor_time_utc", String(metric.windowDays))} AS window_end
        FROM fct_experiment_cohort WHERE experiment_id IN ${experimentsUsing(f, metric.id)}) c
  JOIN stg_conversion_events ev ON ev.user_id = c.user_id
  WHERE ev.event_name = ${f.string(step)} AND ev.event_time_utc >= c.anchor_time_utc AND ev.event_time_utc < c.window_end
  GROUP BY c.experiment_id, c.user_id, c.window_end
)`
            : `${name} AS (
  SELECT s.experiment_id, s.user_id, s.window_end, min(ev.event_time_utc) AS t
  FROM ${previous} s
  JOIN stg_conversion_events ev ON ev.user_id = s.user_id
  WHERE ev.event_name = ${f.string(step)} AND ev.event_time_utc >= s.t AND ev.event_time_utc < s.window_end
  GROUP BY s.experiment_id, s.user_id, s.window_end
)`,
        );
        reached.push(`SELECT experiment_id, user_id, ${i} AS funnel, ${j + 1} AS steps FROM ${name}`);
      });
    });
    if (reached.length === 0) {
      return `SELECT experiment_id, user_id FROM fct_experiment_cohort WHERE 1 = 0`;
    }
    return `WITH ${ctes.join(", ")}
SELECT experiment_id, user_id${funnels.map((_, i) => `,\n  max(CASE WHEN funnel = ${i} THEN steps END) AS f${i}_steps`).join("")}
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
    const unitColumns: string[] = [];
    const ranked: string[] = [];
    for (const entry of cappedEntries) {
      const cap = entry.metric.cap;
      if (!cap || !("percentile" in cap)) continue;
      const sides: Array<[string, string]> = [
        ["value", measureValueSql(entry.numerator, entry.metric.numerator, "u")],
        ...(entry.covariate
          ? [["covariate", measureValueSql(entry.covariate, entry.metric.numerator, "u")] as [string, string]]
          : []),
      ];
      for (const [side, sql] of sides) {
        const column = `v${unitColumns.length}`;
        unitColumns.push(`${f.cast(sql, "double")} AS ${column}`);
        ranked.push(`SELECT experiment_id, analysis_mode, ${f.cast(f.string(entry.metric.id), "text")} AS metric_id, ${f.cast(f.string(side), "text")} AS side, ${f.cast(String(cap.percentile), "double")} AS p, ${column} AS v,
    row_number() OVER (PARTITION BY experiment_id, analysis_mode ORDER BY ${column}) AS rn,
    count(*) OVER (PARTITION BY experiment_id, analysis_mode) AS n
  FROM unit WHERE experiment_id IN ${experimentsUsing(f, entry.metric.id)}`);
      }
    }
    const t = type7("n", "p");
    const percentiles =
      ranked.length === 0
        ? ""
        : `WITH unit AS (
  SELECT c.experiment_id, m.analysis_mode, ${unitColumns.join(", ")}
  FROM fct_experiment_cohort c
  LEFT JOIN int_experiment_unit_measures u ON u.experiment_id = c.experiment_id AND u.user_id = c.user_id
  JOIN (${modesSql(f)}) m ON m.analysis_mode = 'itt' OR c.is_exposed
), ranked AS (
  ${ranked.join("\n  UNION ALL\n  ")}
), picked AS (
  SELECT experiment_id, analysis_mode, metric_id, side,
    max(frac) AS frac, max(CASE WHEN rn = lo + 1 THEN v END) AS v_lo, max(CASE WHEN rn = hi + 1 THEN v END) AS v_hi
  FROM (SELECT experiment_id, analysis_mode, metric_id, side, v, rn, ${t.h} - ${t.lo} AS frac, ${t.lo} AS lo, ${t.hi} AS hi FROM ranked) r
  WHERE rn = lo + 1 OR rn = hi + 1
  GROUP BY experiment_id, analysis_mode, metric_id, side
)
`;
    const capOf = (entry: (typeof cappedEntries)[number], side: "value" | "covariate") => {
      const cap = entry.metric.cap;
      if (!cap || (side === "covariate" && !entry.covariate)) return f.nullOf("double");
      if ("absolute" in cap) return f.cast(String(cap.absolute), "double");
      return `(SELECT v_lo + frac * (v_hi - v_lo) FROM picked p WHERE p.experiment_id = em.experiment_id AND p.analysis_mode = m.analysis_mode AND p.metric_id = em.metric_id AND p.side = ${f.string(side)})`;
    };
    if (cappedEntries.length === 0) {
      return `SELECT experiment_id, metric_id, ${f.nullOf("text")} AS analysis_mode, ${f.nullOf("double")} AS cap_value, ${f.nullOf("double")} AS covariate_cap_value FROM cfg_experiment_metric WHERE 1 = 0`;
    }
    const rows = cappedEntries.map(
      (entry) => `SELECT em.experiment_id, em.metric_id, m.analysis_mode,
  ${f.cast(capOf(entry, "value"), "double")} AS cap_value,
  ${f.cast(capOf(entry, "covariate"), "double")} AS covariate_cap_value
FROM cfg_experiment_metric em
JOIN (${modesSql(f)}) m ON 1 = 1
WHERE em.metric_id = ${f.string(entry.metric.id)}`,
    );
    return `${percentiles}${rows.join("\nUNION ALL\n")}`;
  },
  tests: () => [{ kind: "unique", columns: ["experiment_id", "metric_id", "analysis_mode"] }],
};

const quantileMetrics = (config: AssayConfig): ReadonlyArray<MetricDefinition> =>
  usedMetrics(config).filter((m) => m.quantile !== undefined);

const aggExperimentMetricQuantiles: ModelDefinition = {
  name: "agg_experiment_metric_quantiles",
  grain: ["experiment_id", "metric_id", "analysis_mode", "variation_id"],
  zone: "gold",
  description:
    "Per experiment × quantile metric × analysis mode × variation: n_values, n_users, the type-7 quantile, the order statistics x(l), x(u) of metrics-contract.md, and for `of: event` the per-unit sums of the design effect (Σa, Σa², Σa·m, Σm, Σm² with m = a unit's events, a = those ≤ q̂).",
  dependsOn: ["fct_experiment_cohort", "stg_conversion_events", "stg_metric_source_events", "cfg_variant"],
  sql: ({ dialect: { functions: f }, config }) => {
    const metrics = quantileMetrics(config);
    const sources = metricSources(config);
    const rows = metrics.map((m) => {
      const source = sources.find((s) => s.metricId === m.id);
      const from =
        source === undefined
          ? `stg_conversion_events ev ON ev.user_id = c.user_id AND ev.event_name = ${f.string(m.numerator.event)}`
          : `stg_metric_source_events ev ON ev.user_id = c.user_id AND ev.source_id = ${source.sourceId}`;
      return `SELECT ${f.cast(f.string(m.id), "text")} AS metric_id, c.experiment_id, c.user_id, c.variant_id, c.is_exposed, ev.value
  FROM fct_experiment_cohort c
  JOIN ${from}
  WHERE c.experiment_id IN ${experimentsUsing(f, m.id)} AND ev.value IS NOT NULL
    AND ev.event_time_utc >= c.anchor_time_utc AND ev.event_time_utc < ${f.addDays("c.anchor_time_utc", String(m.windowDays))}`;
    });
    const byCase = (pick: (m: MetricDefinition) => string) =>
      `CASE metric_id ${metrics.map((m) => `WHEN ${f.string(m.id)} THEN ${pick(m)}`).join(" ")} END`;
    const unitIds = metrics.filter((m) => m.quantile?.of === "unit").map((m) => f.string(m.id));
    const eventIds = metrics.filter((m) => m.quantile?.of === "event").map((m) => f.string(m.id));
    const inList = (ids: ReadonlyArray<string>) => (ids.length === 0 ? f.nullOf("text") : ids.join(", "));
    const p = `r.p`;
    const t = type7("r.n", p);
    const spread = `${Z_RANKS} * sqrt(r.n * ${p} * (1 - ${p}))`;
    if (metrics.length === 0) {
      return `SELECT experiment_id, ${f.nullOf("text")} AS metric_id, ${f.nullOf("text")} AS analysis_mode, variant_id AS variation_id, ${f.cast("0", "bigint")} AS n_values, ${f.cast("0", "bigint")} AS n_users, ${["quantile_value", "order_lower", "order_upper", "sum_a", "sum_a_sq", "sum_a_m", "sum_m", "sum_m_sq"].map((c) => `${f.nullOf("double")} AS ${c}`).join(", ")} FROM cfg_variant WHERE 1 = 0`;
    }
    return `WITH matched AS (
  ${rows.join("\n  UNION ALL\n  ")}
), vals AS (
  SELECT metric_id, experiment_id, user_id, variant_id, is_exposed, sum(value) AS value FROM matched
  WHERE metric_id IN (${inList(unitIds)}) GROUP BY metric_id, experiment_id, user_id, variant_id, is_exposed
  UNION ALL
  SELECT metric_id, experiment_id, user_id, variant_id, is_exposed, value FROM matched WHERE metric_id IN (${inList(eventIds)})
), moded AS (
  SELECT v.metric_id, v.experiment_id, m.analysis_mode, v.variant_id, v.user_id, ${f.cast("v.value", "double")} AS value
  FROM vals v JOIN (${modesSql(f)}) m ON m.analysis_mode = 'itt' OR v.is_exposed
), ranked AS (
  SELECT metric_id, experiment_id, analysis_mode, variant_id, value,
    ${f.cast(
      byCase((m) => String(m.quantile?.p ?? 0.5)),
      "double",
    )} AS p,
    row_number() OVER (PARTITION BY metric_id, experiment_id, analysis_mode, variant_id ORDER BY value) AS rn,
    count(*) OVER (PARTITION BY metric_id, experiment_id, analysis_mode, variant_id) AS n
  FROM moded
), summary AS (
  SELECT metric_id, experiment_id, analysis_mode, variant_id, max(n) AS n_values,
    max(frac) AS frac,
    max(CASE WHEN rn = lo + 1 THEN value END) AS v_lo, max(CASE WHEN rn = hi + 1 THEN value END) AS v_hi,
    max(CASE WHEN rn = rank_l THEN value END) AS order_lower, max(CASE WHEN rn = rank_u THEN value END) AS order_upper
  FROM (
    SELECT r.metric_id, r.experiment_id, r.analysis_mode, r.variant_id, r.value, r.rn, r.n,
      ${t.h} - ${t.lo} AS frac, ${t.lo} AS lo, ${t.hi} AS hi,
      greatest(1, floor(r.n * ${p} - ${spread})) AS rank_l, least(r.n, ceil(r.n * ${p} + ${spread})) AS rank_u
    FROM ranked r
  ) x
  GROUP BY metric_id, experiment_id, analysis_mode, variant_id
), q AS (
  SELECT metric_id, experiment_id, analysis_mode, variant_id, n_values, order_lower, order_upper,
    v_lo + frac * (v_hi - v_lo) AS quantile_value
  FROM summary
), clusters AS (
  SELECT d.metric_id, d.experiment_id, d.analysis_mode, d.variant_id, d.user_id,
    sum(CASE WHEN d.value <= q.quantile_value THEN 1 ELSE 0 END) AS a, count(*) AS m
  FROM moded d
  JOIN q ON q.metric_id = d.metric_id AND q.experiment_id = d.experiment_id AND q.analysis_mode = d.analysis_mode
    AND q.variant_id = d.variant_id
  GROUP BY d.metric_id, d.experiment_id, d.analysis_mode, d.variant_id, d.user_id
), design AS (
  SELECT metric_id, experiment_id, analysis_mode, variant_id, count(*) AS n_users,
    sum(a) AS sum_a, sum(a * a) AS sum_a_sq, sum(a * m) AS sum_a_m, sum(m) AS sum_m, sum(m * m) AS sum_m_sq
  FROM clusters GROUP BY metric_id, experiment_id, analysis_mode, variant_id
), spine AS (
  SELECT v.experiment_id, em.metric_id, m.analysis_mode, v.variant_id
  FROM cfg_variant v
  JOIN cfg_experiment_metric em ON em.experiment_id = v.experiment_id
  JOIN (${modesSql(f)}) m ON 1 = 1
  WHERE em.metric_id IN (${inList(metrics.map((m) => f.string(m.id)))})
)
SELECT s.experiment_id, s.metric_id, s.analysis_mode, s.variant_id AS variation_id,
  ${f.cast("COALESCE(q.n_values, 0)", "bigint")} AS n_values,
  ${f.cast("COALESCE(d.n_users, 0)", "bigint")} AS n_users,
  ${f.cast("q.quantile_value", "double")} AS quantile_value,
  ${f.cast("q.order_lower", "double")} AS order_lower,
  ${f.cast("q.order_upper", "double")} AS order_upper,
  ${["sum_a", "sum_a_sq", "sum_a_m", "sum_m", "sum_m_sq"].map((c) => `${f.cast(`d.${c}`, "double")} AS ${c}`).join(",\n  ")}
FROM spine s
LEFT JOIN q ON q.metric_id = s.metric_id AND q.experiment_id = s.experiment_id AND q.analysis_mode = s.analysis_mode
  AND q.variant_id = s.variant_id
LEFT JOIN design d ON d.metric_id = s.metric_id AND d.experiment_id = s.experiment_id
  AND d.analysis_mode = s.analysis_mode AND d.variant_id = s.variant_id`;
  },
  tests: () => [
    { kind: "unique", columns: ["experiment_id", "metric_id", "analysis_mode", "variation_id"] },
    {
      kind: "expression",
      name: "order_statistics_bracket_the_quantile",
      failingRows: "order_lower > quantile_value OR order_upper < quantile_value",
    },
  ],
};

const aggExperimentMetricMoments: ModelDefinition = {
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
  ],
  sql: ({ dialect: { functions: f }, config }) => metricMomentsSql(f, config),
  tests: () => [
    {
      kind: "unique",
      columns: ["experiment_id", "metric_id", "analysis_mode", "variation_id", "statistic", "i", "j"],
    },
  ],
};

/** The metric-type models, by the model they must run before (`before`) or after. */
export const sourceModels: ReadonlyArray<ModelDefinition> = [stgMetricSourceEvents];
export const metricTypeModels: ReadonlyArray<ModelDefinition> = [
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
    case "int_experiment_unit_attributes":
      return planMeasures(config).attributes.length > 0;
    case "int_experiment_unit_funnels":
      return metrics.some((m) => m.funnelSteps !== undefined);
    case "agg_experiment_metric_caps":
      return metrics.some((m) => m.cap !== undefined);
    case "agg_experiment_metric_quantiles":
      return metrics.some((m) => m.quantile !== undefined);
    case "agg_experiment_metric_moments":
      return metrics.some((m) => m.funnelSteps !== undefined || m.covariates !== undefined);
    default:
      return true;
  }
}
