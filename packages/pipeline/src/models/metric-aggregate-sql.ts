import type { AssayConfig } from "../config/assay-config.js";
import type { FunctionTable, NamedQuery, QueryRef } from "../sql/dialect.js";
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

/** The shared `unit` and `stats` named queries of the aggregates: one GROUP BY computes every requested sum. */
export interface AggregateFrame {
  readonly metrics: ReadonlyArray<MetricColumns>;
  /** The name of the stats column holding Σa·b (Σa when b is absent), registering it. */
  readonly sumOf: (a: string | null, b?: string | null) => string;
  /** The `unit`, `cap_by_mode` (when capped) and `stats` queries for `f.withQueries`; call after every `sumOf`. */
  readonly queries: () => NamedQuery[];
  readonly keys: (alias: string) => string;
}

/** A relation and the columns it exposes, for joining one more relation in a nested SELECT. */
interface Nested {
  readonly sql: string;
  readonly columns: ReadonlyArray<string>;
}

/**
 * `prev LEFT JOIN table ON the unit` as one SELECT over `prev` nested as a subquery (one JOIN per SELECT), with
 * `prev`'s columns and `columns` of `table` (names unique across both).
 */
function leftJoinUnit(f: FunctionTable, prev: Nested, table: string, columns: ReadonlyArray<string>): Nested {
  if (columns.length === 0) return prev;
  return {
    sql: `SELECT ${[...prev.columns.map((c) => `p.${c}`), ...columns.map((c) => `j.${c}`)].join(", ")}
    FROM (
    ${prev.sql}
    ) p
    ${f.join("left")} ${table} j ON j.experiment_id = p.experiment_id AND j.user_id = p.user_id`,
    columns: [...prev.columns, ...columns],
  };
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
    if (found) return found;
    const name = `x${values.size}`;
    values.set(sql, name);
    return name;
  };
  const caps = new Map<string, { value: string; covariate: string }>();
  const capped = (sql: string, entry: PlannedMetric, side: "value" | "covariate") => {
    if (!entry.metric.cap) return sql;
    let names = caps.get(entry.metric.id);
    if (!names) {
      names = { value: `c${caps.size}`, covariate: `k${caps.size}` };
      caps.set(entry.metric.id, names);
    }
    const cap = names[side];
    return `CASE WHEN ${sql} > ${cap} THEN ${cap} ELSE ${sql} END`;
  };
  const funnels = usedMetrics(config).filter((m) => m.funnelSteps !== undefined);
  const hasRetention = plan.metrics.some((e) => e.metric.retention);
  const metrics: MetricColumns[] = plan.metrics.map((entry) => {
    const sql = outcomeSql(entry, f.string, false);
    const retention = entry.metric.retention;
    const included = retention
      ? `CASE WHEN ${f.addDays("anchor_time_utc", String(retention.toDays))} <= horizon_time_utc THEN 1 ELSE 0 END`
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
    const reached = `COALESCE(f${index}_steps, 0)`;
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
  const queries = (): NamedQuery[] => {
    // The unit's sources joined one per nested SELECT; every joined column has a unique name (m*, a*, f*_steps).
    let units: Nested = {
      sql: `SELECT experiment_id, user_id, ${keys("")}variant_id, is_exposed, anchor_time_utc FROM ${source}`,
      columns: [
        "experiment_id",
        "user_id",
        ...(segment ? segmentKeys : []),
        "variant_id",
        "is_exposed",
        "anchor_time_utc",
      ],
    };
    units = leftJoinUnit(
      f,
      units,
      "int_experiment_unit_measures",
      plan.measures.flatMap((m) => [`${m.column}_count`, `${m.column}_sum`]),
    );
    units = leftJoinUnit(
      f,
      units,
      "int_experiment_unit_attributes",
      plan.attributes.map((_, i) => `a${i}`),
    );
    units = leftJoinUnit(
      f,
      units,
      "int_experiment_unit_funnels",
      funnels.map((_, i) => `f${i}_steps`),
    );
    if (hasRetention) {
      // The data's horizon (docs/metrics.md, retention): one row, pooled over a cluster's shards.
      units = {
        sql: `SELECT ${units.columns.map((c) => `p.${c}`).join(", ")}, hz.horizon_time_utc
    FROM (
    ${units.sql}
    ) p
    CROSS JOIN (SELECT horizon_time_utc FROM int_data_horizon) hz`,
        columns: [...units.columns, "horizon_time_utc"],
      };
    }
    const capsQuery: NamedQuery[] =
      caps.size === 0
        ? []
        : [
            {
              name: "cap_by_mode",
              sql: () => `  SELECT experiment_id, analysis_mode${[...caps]
                .map(
                  ([id, names]) =>
                    `,\n    max(CASE WHEN metric_id = ${f.string(id)} THEN cap_value END) AS ${names.value},\n    max(CASE WHEN metric_id = ${f.string(id)} THEN covariate_cap_value END) AS ${names.covariate}`,
                )
                .join("")}
  FROM agg_experiment_metric_caps
  GROUP BY experiment_id, analysis_mode`,
            },
          ];
    // Each unit once in `itt` and, when exposed, once in `exposed` (a cross join with the two modes, filtered).
    const modeColumns = ["experiment_id", ...(segment ? segmentKeys : []), "variant_id", ...values.values()];
    const byMode = (ref: QueryRef) => `SELECT ${modeColumns.map((c) => `un.${c}`).join(", ")}, m.analysis_mode
    FROM ${ref("unit")} un
    CROSS JOIN (${modesSql(f)}) m
    WHERE m.analysis_mode = 'itt' OR un.is_exposed`;
    const capColumns = [...caps.values()].flatMap((c) => [c.value, c.covariate]);
    const from = (ref: QueryRef) =>
      caps.size === 0
        ? byMode(ref)
        : `SELECT ${[...modeColumns, "analysis_mode"].map((c) => `um0.${c}`).join(", ")}${capColumns.map((c) => `, cp.${c}`).join("")}
    FROM (
    ${byMode(ref)}
    ) um0
    ${f.join("left")} ${ref("cap_by_mode")} cp ON cp.experiment_id = um0.experiment_id AND cp.analysis_mode = um0.analysis_mode`;
    return [
      {
        name: "unit",
        sql: () => `  SELECT experiment_id, ${keys("")}variant_id, is_exposed${[...values].map(([sql, name]) => `,\n    ${f.cast(sql, "double")} AS ${name}`).join("")}
  FROM (
    ${units.sql}
  ) uj`,
      },
      ...capsQuery,
      {
        name: "stats",
        sql: (ref) => `  SELECT experiment_id, ${keys("")}analysis_mode, variant_id,
    count(*) AS n${[...sums].map(([sql, name]) => `,\n    ${sql} AS ${name}`).join("")}
  FROM (
    ${from(ref)}
  ) um
  GROUP BY experiment_id, ${keys("")}analysis_mode, variant_id`,
      },
    ];
  };
  return { metrics, sumOf, queries, keys };
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
  const statistics = [...sufficientStatistics, "sum_den_cov"] as const;
  // Per metric: the stats columns holding its n, excluded units and sums (unpivoted below by one CASE per column).
  const perMetric = frame.metrics.map(({ entry, value: v, denominator: d, covariates, included }) => {
    const x = entry.metric.funnelSteps ? null : (covariates[0] ?? null);
    const columns: Record<(typeof statistics)[number], string> = {
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
    return { id: entry.metric.id, n, excluded: `n - ${n}`, columns };
  });
  // Quantile metrics: the cohort's n per arm (their statistics are in agg_experiment_metric_quantiles).
  const quantiles = usedMetrics(config)
    .filter((m) => m.kind === "quantile")
    .map((m) => ({
      id: m.id,
      n: "n",
      excluded: "0",
      columns: Object.fromEntries(statistics.map((c) => [c, "0"])) as Record<
        (typeof statistics)[number],
        string
      >,
    }));
  const unpivoted = [...perMetric, ...quantiles];
  // The stats columns (n, s0, s1, …) of one metric's expression, qualified.
  const stat = (sql: string) => sql.replace(/\b(n|s\d+)\b/g, "st.$1");
  const branches = (sql: (m: (typeof unpivoted)[number]) => string) =>
    `CASE ${unpivoted.map((m) => `WHEN mm.metric_id = ${f.string(m.id)} THEN ${sql(m)}`).join(" ")} END`;
  const byMetric = (ref: QueryRef) =>
    unpivoted.length > 0
      ? `SELECT st.experiment_id, mm.metric_id, st.analysis_mode, ${keys("st.")}st.variant_id AS variation_id,
    ${branches((m) => f.cast(stat(m.n), "bigint"))} AS t_n,
    ${branches((m) => f.cast(stat(m.excluded), "bigint"))} AS t_excluded_units,
    ${statistics.map((c) => `${branches((m) => stat(m.columns[c]))} AS t_${c}`).join(",\n    ")}
  FROM ${ref("stats")} st
  CROSS JOIN (${unpivoted.map((m, i) => `SELECT ${f.cast(f.string(m.id), "text")}${i === 0 ? " AS metric_id" : ""}`).join(" UNION ALL ")}) mm`
      : `SELECT experiment_id, ${f.nullOf("text")} AS metric_id, analysis_mode, ${keys("")}variant_id AS variation_id, n AS t_n, 0 AS t_excluded_units,
    ${statistics.map((c) => `${f.nullOf("double")} AS t_${c}`).join(", ")}
  FROM ${ref("stats")} st WHERE 1 = 0`;
  const spine = (ref: QueryRef) => {
    const variants = `SELECT ve.experiment_id, ve.metric_id, m.analysis_mode, ve.variation_id, ve.is_control
  FROM (
    SELECT v.experiment_id, em.metric_id, v.variant_id AS variation_id, v.is_control
    FROM cfg_variant v
    ${f.join("inner")} cfg_experiment_metric em ON em.experiment_id = v.experiment_id
  ) ve
  CROSS JOIN (${modesSql(f)}) m`;
    return segment
      ? `SELECT sp.experiment_id, sp.metric_id, sp.analysis_mode, ${keys("g.")}sp.variation_id, sp.is_control
  FROM (
  ${variants}
  ) sp
  ${f.join("inner")} (SELECT DISTINCT experiment_id, ${segmentKeys.join(", ")} FROM ${ref("stats")} sg) g ON g.experiment_id = sp.experiment_id`
      : variants;
  };
  const segmentJoin = segment
    ? `
    AND t.segment_attribute = s.segment_attribute AND t.segment_value = s.segment_value`
    : "";
  const capped = usedMetrics(config).some((m) => m.cap !== undefined);
  const tColumns = ["t_n", ...statistics.map((c) => `t_${c}`), "t_excluded_units"];
  return f.withQueries(
    [...frame.queries(), { name: "by_metric", sql: byMetric }, { name: "spine", sql: spine }],
    (
      ref,
    ) => `SELECT st.experiment_id, st.metric_id, st.analysis_mode, ${keys("st.")}st.variation_id, st.is_control,
  ${f.cast("COALESCE(st.t_n, 0)", "bigint")} AS n,
  ${statistics.map((c) => `${f.cast(`COALESCE(st.t_${c}, 0)`, "double")} AS ${c}`).join(",\n  ")},
  ${capped ? "cap.cap_cap_value" : f.nullOf("double")} AS cap_value,
  ${capped ? "cap.cap_covariate_cap_value" : f.nullOf("double")} AS covariate_cap_value,
  ${f.cast("COALESCE(st.t_excluded_units, 0)", "bigint")} AS excluded_units
FROM (
  SELECT s.experiment_id, s.metric_id, s.analysis_mode, ${keys("s.")}s.variation_id, s.is_control, ${tColumns.map((c) => `t.${c}`).join(", ")}
  FROM ${ref("spine")} s
  ${f.join("left")} ${ref("by_metric")} t ON t.experiment_id = s.experiment_id AND t.metric_id = s.metric_id
    AND t.analysis_mode = s.analysis_mode AND t.variation_id = s.variation_id${segmentJoin}
) st${
      capped
        ? `
${f.join("left")} (
  SELECT experiment_id, metric_id, analysis_mode, cap_value AS cap_cap_value, covariate_cap_value AS cap_covariate_cap_value
  FROM agg_experiment_metric_caps
) cap ON cap.experiment_id = st.experiment_id AND cap.metric_id = st.metric_id AND cap.analysis_mode = st.analysis_mode`
        : ""
    }`,
  );
}

/**
 * The SELECT of `agg_experiment_metric_moments` (long format, one row per statistic): for metrics with
 * `cuped_covariates`, Σx_i (`sum_x`, i), Σx_i·x_j (`sum_xx`, i, j) and Σx_i·y (`sum_xy`, i) per arm over the k
 * covariates (the metric's own pre-period value first); for funnels, the units that reached step i (`step_units`).
 * @example const sql = metricMomentsSql(duckdbFunctions, config);
 */
export function metricMomentsSql(
  f: FunctionTable,
  config: AssayConfig,
  grain: "variant" | "segment" = "variant",
): string {
  const frame = aggregateFrame(f, config, grain);
  const keys = frame.keys("");
  const rows: string[] = [];
  const row = (metricId: string, statistic: string, i: number, j: number, column: string) =>
    `SELECT experiment_id, ${f.cast(f.string(metricId), "text")} AS metric_id, analysis_mode, ${keys}variant_id AS variation_id, ${f.cast(f.string(statistic), "text")} AS statistic, ${f.cast(String(i), "integer")} AS i, ${f.cast(String(j), "integer")} AS j, ${f.cast(`COALESCE(${column}, 0)`, "double")} AS value FROM stats`;
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
  return f.withQueries(frame.queries(), (ref) =>
    rows.length > 0
      ? rows.map((r) => r.replace(/FROM stats$/, `FROM ${ref("stats")} st`)).join("\nUNION ALL\n")
      : `SELECT experiment_id, ${f.nullOf("text")} AS metric_id, analysis_mode, ${keys}variant_id AS variation_id, ${f.nullOf("text")} AS statistic, 0 AS i, 0 AS j, ${f.nullOf("double")} AS value FROM ${ref("stats")} st WHERE 1 = 0`,
  );
}
