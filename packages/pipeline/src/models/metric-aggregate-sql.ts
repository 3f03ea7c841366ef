import type { AssayConfig } from "../config/assay-config.js";
import type { FunctionTable } from "../sql/dialect.js";
import { outcomeSql, type PlannedMetric, planMeasures, usedMetrics } from "./measure-plan.js";

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

/**
 * Columns after the sufficient statistics (docs/metrics.md): Σden·x for ratio CUPED, the caps used and the units a
 * retention metric left out because their window had not ended.
 */
export const extendedStatistics = [
  "sum_den_cov",
  "cap_value",
  "covariate_cap_value",
  "excluded_units",
] as const;

/** The columns a segment adds to the by-variant grain. */
export const segmentKeys = ["segment_attribute", "segment_value"] as const;

const modesSql = (f: FunctionTable) =>
  `SELECT ${f.cast(f.string("itt"), "text")} AS analysis_mode UNION ALL SELECT ${f.cast(f.string("exposed"), "text")}`;

/** The per-unit SQL of one metric in the aggregate: value (capped per mode), denominator, covariates, inclusion. */
interface MetricColumns {
  readonly entry: PlannedMetric;
  readonly value: string;
  readonly denominator: string | null;
  readonly covariates: ReadonlyArray<string>;
  /** Retention: 1 when the unit's window ended by the horizon (else it is excluded); null: every unit counts. */
  readonly included: string | null;
}

/** The shared `unit` and `stats` CTEs of the aggregates: one GROUP BY computes every requested sum. */
export interface AggregateFrame {
  readonly metrics: ReadonlyArray<MetricColumns>;
  /** The name of the stats column holding Σa·b (Σa when b is absent), registering it. */
  readonly sumOf: (a: string | null, b?: string | null) => string;
  /** The `WITH unit AS (…), stats AS (…)` text; call after every `sumOf`. */
  readonly ctes: () => string;
  readonly keys: (alias: string) => string;
}

/**
 * Builds the per-unit columns and the grouped sums every metric aggregate reads: units of the cohort (or of the
 * segments) with their measures, caps (per analysis mode, from `agg_experiment_metric_caps`), funnel steps,
 * covariate attributes and the retention horizon joined in, summed per experiment × mode × variant.
 */
export function aggregateFrame(
  f: FunctionTable,
  config: AssayConfig,
  grain: "variant" | "segment",
): AggregateFrame {
  const segment = grain === "segment";
  const keys = (alias: string) => (segment ? segmentKeys.map((k) => `${alias}${k}, `).join("") : "");
  const plan = planMeasures(config);
  const values = new Map<string, string>();
  const valueColumn = (sql: string) => {
    const found = values.get(sql);
    if (found) return `un.${found}`;
    const name = `x${values.size}`;
    values.set(sql, name);
    return `un.${name}`;
  };
  const caps = new Map<string, { value: string; covariate: string }>();
  const capped = (sql: string, entry: PlannedMetric, side: "value" | "covariate") => {
    if (!entry.metric.cap) return sql;
    let names = caps.get(entry.metric.id);
    if (!names) {
      names = { value: `c${caps.size}`, covariate: `k${caps.size}` };
      caps.set(entry.metric.id, names);
    }
    const cap = `cp.${names[side]}`;
    return `CASE WHEN ${sql} > ${cap} THEN ${cap} ELSE ${sql} END`;
  };
  const funnels = usedMetrics(config).filter((m) => m.funnelSteps !== undefined);
  const hasRetention = plan.metrics.some((e) => e.metric.retention);
  const metrics: MetricColumns[] = plan.metrics.map((entry) => {
    const sql = outcomeSql(entry, f.string);
    const retention = entry.metric.retention;
    const included = retention
      ? `CASE WHEN ${f.addDays("c.anchor_time_utc", String(retention.toDays))} <= hz.horizon_time_utc THEN 1 ELSE 0 END`
      : null;
    const value = included === null ? sql.value : `CASE WHEN ${included} = 1 THEN ${sql.value} ELSE 0 END`;
    return {
      entry,
      value: capped(valueColumn(value), entry, "value"),
      denominator: sql.denominator === null ? null : valueColumn(sql.denominator),
      covariates: [
        ...(sql.covariate === null ? [] : [capped(valueColumn(sql.covariate), entry, "covariate")]),
        ...sql.extraCovariates.map(valueColumn),
      ],
      included: included === null ? null : valueColumn(included),
    };
  });
  funnels.forEach((metric, index) => {
    const steps = metric.funnelSteps?.length ?? 0;
    const reached = `COALESCE(fu.f${index}_steps, 0)`;
    const stepColumns = Array.from({ length: steps }, (_, j) =>
      valueColumn(`CASE WHEN ${reached} >= ${j + 1} THEN 1 ELSE 0 END`),
    );
    metrics.push({
      entry: {
        metric,
        numerator: {
          column: "",
          event: "",
          sourceId: 0,
          window: "post",
          fromDays: 0,
          days: metric.windowDays,
        },
        denominator: null,
        covariate: null,
        extraCovariates: [],
      },
      value: stepColumns[steps - 1] ?? valueColumn("0"),
      denominator: null,
      covariates: stepColumns,
      included: null,
    });
  });
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
  const source = segment ? "int_experiment_unit_segments" : "fct_experiment_cohort";
  const ctes = () => {
    const joins = [
      "LEFT JOIN int_experiment_unit_measures u ON u.experiment_id = c.experiment_id AND u.user_id = c.user_id",
      ...(plan.attributes.length > 0
        ? [
            "LEFT JOIN int_experiment_unit_attributes ua ON ua.experiment_id = c.experiment_id AND ua.user_id = c.user_id",
          ]
        : []),
      ...(funnels.length > 0
        ? [
            "LEFT JOIN int_experiment_unit_funnels fu ON fu.experiment_id = c.experiment_id AND fu.user_id = c.user_id",
          ]
        : []),
      // The data's horizon: the latest event time (docs/metrics.md, retention).
      ...(hasRetention
        ? ["CROSS JOIN (SELECT max(event_time_utc) AS horizon_time_utc FROM raw_events) hz"]
        : []),
    ];
    const capsCte =
      caps.size === 0
        ? ""
        : `, cap_by_mode AS (
  SELECT experiment_id, analysis_mode${[...caps]
    .map(
      ([id, names]) =>
        `,\n    max(CASE WHEN metric_id = ${f.string(id)} THEN cap_value END) AS ${names.value},\n    max(CASE WHEN metric_id = ${f.string(id)} THEN covariate_cap_value END) AS ${names.covariate}`,
    )
    .join("")}
  FROM agg_experiment_metric_caps
  GROUP BY experiment_id, analysis_mode
)`;
    const capJoin =
      caps.size === 0
        ? ""
        : "\n  LEFT JOIN cap_by_mode cp ON cp.experiment_id = un.experiment_id AND cp.analysis_mode = m.analysis_mode";
    return `WITH unit AS (
  SELECT c.experiment_id, ${keys("c.")}c.variant_id, c.is_exposed${[...values].map(([sql, name]) => `,\n    ${f.cast(sql, "double")} AS ${name}`).join("")}
  FROM ${source} c
  ${joins.join("\n  ")}
)${capsCte}, stats AS (
  SELECT un.experiment_id, ${keys("un.")}m.analysis_mode, un.variant_id,
    count(*) AS n${[...sums].map(([sql, name]) => `,\n    ${sql} AS ${name}`).join("")}
  FROM unit un
  JOIN (${modesSql(f)}) m ON m.analysis_mode = 'itt' OR un.is_exposed${capJoin}
  GROUP BY un.experiment_id, ${keys("un.")}m.analysis_mode, un.variant_id
)`;
  };
  return { metrics, sumOf, ctes, keys };
}

/**
 * The SELECT of a metric aggregate: sufficient statistics per experiment × metric × analysis mode × variation,
 * for `variant` over the cohort, or for `segment` over `int_experiment_unit_segments` (one row per unit and segment
 * attribute) with `segment_attribute, segment_value` between the mode and the variation. Every variation of every
 * metric and mode is present (n = 0 allowed); a segment only when at least one unit falls in it. Quantile metrics
 * have their own aggregate (`agg_experiment_metric_quantiles`); their rows here carry the cohort's n only.
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
  const frame = aggregateFrame(f, config, grain);
  const { keys, sumOf } = frame;
  const perMetric = frame.metrics.map(({ entry, value: v, denominator: d, covariates, included }) => {
    const x = entry.metric.funnelSteps ? null : (covariates[0] ?? null);
    const columns: Record<(typeof sufficientStatistics)[number] | "sum_den_cov", string> = {
      sum_value: sumOf(v),
      sum_value_sq: sumOf(v, v),
      sum_den: sumOf(d),
      sum_den_sq: sumOf(d, d),
      sum_value_den: sumOf(v, d),
      sum_cov: sumOf(x),
      sum_cov_sq: sumOf(x, x),
      sum_value_cov: sumOf(v, x),
      sum_den_cov: sumOf(d, x),
    };
    const n = included === null ? "n" : sumOf(included);
    return `SELECT experiment_id, ${f.cast(f.string(entry.metric.id), "text")} AS metric_id, analysis_mode, ${keys("")}variant_id AS variation_id, ${n} AS n, n - ${n} AS excluded_units,
    ${[...sufficientStatistics, "sum_den_cov"].map((c) => `${columns[c as keyof typeof columns]} AS ${c}`).join(", ")}
  FROM stats`;
  });
  const ctes = frame.ctes();
  const byMetric =
    perMetric.length > 0
      ? perMetric.join("\n  UNION ALL\n  ")
      : `SELECT experiment_id, ${f.nullOf("text")} AS metric_id, analysis_mode, ${keys("")}variant_id AS variation_id, n, 0 AS excluded_units,
    ${[...sufficientStatistics, "sum_den_cov"].map((c) => `${f.nullOf("double")} AS ${c}`).join(", ")}
  FROM stats WHERE 1 = 0`;
  // Quantile metrics: the cohort's n per arm (their statistics are in agg_experiment_metric_quantiles).
  const quantiles = usedMetrics(config).filter((m) => m.kind === "quantile");
  const quantileRows = quantiles.map(
    (m) => `
  UNION ALL
  SELECT experiment_id, ${f.cast(f.string(m.id), "text")} AS metric_id, analysis_mode, ${keys("")}variant_id AS variation_id, n, 0 AS excluded_units,
    ${[...sufficientStatistics, "sum_den_cov"].map(() => "0").join(", ")}
  FROM stats`,
  );
  const spineSegments = segment
    ? `
  JOIN (SELECT DISTINCT experiment_id, ${segmentKeys.join(", ")} FROM stats) g ON g.experiment_id = v.experiment_id`
    : "";
  const segmentJoin = segment
    ? `
  AND t.segment_attribute = s.segment_attribute AND t.segment_value = s.segment_value`
    : "";
  const capped = usedMetrics(config).some((m) => m.cap !== undefined);
  return `${ctes}, by_metric AS (
  ${byMetric}${quantileRows.join("")}
), spine AS (
  SELECT v.experiment_id, em.metric_id, m.analysis_mode, ${keys("g.")}v.variant_id AS variation_id, v.is_control
  FROM cfg_variant v
  JOIN cfg_experiment_metric em ON em.experiment_id = v.experiment_id${spineSegments}
  JOIN (${modesSql(f)}) m ON 1 = 1
)
SELECT s.experiment_id, s.metric_id, s.analysis_mode, ${keys("s.")}s.variation_id, s.is_control,
  ${f.cast("COALESCE(t.n, 0)", "bigint")} AS n,
  ${sufficientStatistics.map((c) => `${f.cast(`COALESCE(t.${c}, 0)`, "double")} AS ${c}`).join(",\n  ")},
  ${f.cast("COALESCE(t.sum_den_cov, 0)", "double")} AS sum_den_cov,
  ${capped ? "cap.cap_value" : f.nullOf("double")} AS cap_value,
  ${capped ? "cap.covariate_cap_value" : f.nullOf("double")} AS covariate_cap_value,
  ${f.cast("COALESCE(t.excluded_units, 0)", "bigint")} AS excluded_units
FROM spine s
LEFT JOIN by_metric t ON t.experiment_id = s.experiment_id AND t.metric_id = s.metric_id
  AND t.analysis_mode = s.analysis_mode AND t.variation_id = s.variation_id${segmentJoin}${
    capped
      ? `
LEFT JOIN agg_experiment_metric_caps cap ON cap.experiment_id = s.experiment_id AND cap.metric_id = s.metric_id
  AND cap.analysis_mode = s.analysis_mode`
      : ""
  }`;
}

/**
 * The SELECT of `agg_experiment_metric_moments` (long format, one row per statistic): for metrics with
 * `cuped_covariates`, Σx_i (`sum_x`, i), Σx_i·x_j (`sum_xx`, i, j) and Σx_i·y (`sum_xy`, i) per arm over the k
 * covariates (the metric's own pre-period value first); for funnels, the units that reached step i (`step_units`).
 * @example const sql = metricMomentsSql(duckdbFunctions, config);
 */
export function metricMomentsSql(f: FunctionTable, config: AssayConfig): string {
  const frame = aggregateFrame(f, config, "variant");
  const rows: string[] = [];
  const row = (metricId: string, statistic: string, i: number, j: number, column: string) =>
    `SELECT experiment_id, ${f.cast(f.string(metricId), "text")} AS metric_id, analysis_mode, variant_id AS variation_id, ${f.cast(f.string(statistic), "text")} AS statistic, ${f.cast(String(i), "integer")} AS i, ${f.cast(String(j), "integer")} AS j, ${f.cast(`COALESCE(${column}, 0)`, "double")} AS value FROM stats`;
  for (const { entry, value, covariates } of frame.metrics) {
    const id = entry.metric.id;
    if (entry.metric.funnelSteps) {
      for (const [i, x] of covariates.entries()) rows.push(row(id, "step_units", i, 0, frame.sumOf(x)));
      continue;
    }
    if (!entry.metric.covariates) continue;
    covariates.forEach((x, i) => {
      rows.push(row(id, "sum_x", i, 0, frame.sumOf(x)));
      rows.push(row(id, "sum_xy", i, 0, frame.sumOf(x, value)));
      covariates.forEach((z, j) => {
        if (j >= i) rows.push(row(id, "sum_xx", i, j, frame.sumOf(x, z)));
      });
    });
  }
  const ctes = frame.ctes();
  const body =
    rows.length > 0
      ? rows.join("\nUNION ALL\n")
      : `SELECT experiment_id, ${f.nullOf("text")} AS metric_id, analysis_mode, variant_id AS variation_id, ${f.nullOf("text")} AS statistic, 0 AS i, 0 AS j, ${f.nullOf("double")} AS value FROM stats WHERE 1 = 0`;
  return `${ctes}\n${body}`;
}
