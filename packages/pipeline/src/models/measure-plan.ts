import type { AssayConfig, MeasureSpec, MetricDefinition } from "../config/assay-config.js";

/**
 * One per-unit aggregate of matching rows (an event, or a metric's SQL source): counted and summed over a window.
 * `post` windows are [anchor + fromDays, anchor + days); `pre` windows are [assignment − days, assignment).
 */
export interface UnitMeasure {
  readonly column: string;
  readonly event: string;
  /** 0: the de-duplicated events; k ≥ 1: the k-th SQL source of `MeasurePlan.sources`. */
  readonly sourceId: number;
  readonly window: "post" | "pre";
  /** Start offset of a `post` window in days (retention's `from_day`; 0 otherwise). */
  readonly fromDays: number;
  readonly days: number;
}

/** A metric's SQL source, numbered from 1 in `source_id` of `stg_metric_source_events`. */
export interface MetricSource {
  readonly sourceId: number;
  readonly metricId: string;
  readonly sql: string;
}

/** One extra CUPED covariate: another metric's pre-period value, or one indicator of an attribute's value. */
export type ExtraCovariate =
  | { readonly kind: "measure"; readonly measure: UnitMeasure; readonly spec: MeasureSpec }
  | { readonly kind: "indicator"; readonly attributeIndex: number; readonly level: string };

export interface PlannedMetric {
  readonly metric: MetricDefinition;
  readonly numerator: UnitMeasure;
  readonly denominator: UnitMeasure | null;
  readonly covariate: UnitMeasure | null;
  /** The covariates after the metric's own pre-period value (`cuped_covariates`), in the docs' order. */
  readonly extraCovariates: ReadonlyArray<ExtraCovariate>;
}

/** How each metric maps onto the shared unit measures (metrics with the same event and window share one). */
export interface MeasurePlan {
  readonly measures: ReadonlyArray<UnitMeasure>;
  readonly metrics: ReadonlyArray<PlannedMetric>;
  readonly eventNames: ReadonlyArray<string>;
  readonly sources: ReadonlyArray<MetricSource>;
  /** Attributes whose value at assignment some covariate needs (`a<index>` columns of the attribute pivot). */
  readonly attributes: ReadonlyArray<string>;
  readonly maxPostDays: number;
  readonly maxPreDays: number;
}

/** The metrics that some experiment uses, in config order. */
export function usedMetrics(config: AssayConfig): ReadonlyArray<MetricDefinition> {
  const used = new Set(config.experiments.flatMap((e) => e.metricIds));
  return config.metrics.filter((metric) => used.has(metric.id));
}

/** The SQL sources of the used metrics, numbered from 1. */
export function metricSources(config: AssayConfig): ReadonlyArray<MetricSource> {
  return usedMetrics(config)
    .filter((metric) => metric.numerator.sql !== undefined)
    .map((metric, index) => ({ sourceId: index + 1, metricId: metric.id, sql: metric.numerator.sql ?? "" }));
}

/** Plans the unit measures for the metrics that some experiment uses (quantiles and funnels have their own models). */
export function planMeasures(config: AssayConfig): MeasurePlan {
  const sources = metricSources(config);
  const sourceOf = (spec: MeasureSpec) =>
    spec.sql === undefined ? 0 : (sources.find((s) => s.metricId === spec.event)?.sourceId ?? 0);
  const measures: UnitMeasure[] = [];
  const measureFor = (spec: MeasureSpec, window: "post" | "pre", days: number, fromDays = 0): UnitMeasure => {
    const sourceId = sourceOf(spec);
    const found = measures.find(
      (m) =>
        m.event === spec.event &&
        m.sourceId === sourceId &&
        m.window === window &&
        m.days === days &&
        m.fromDays === fromDays,
    );
    if (found) return found;
    const created = { column: `m${measures.length}`, event: spec.event, sourceId, window, fromDays, days };
    measures.push(created);
    return created;
  };
  const attributes: string[] = [];
  const levels = config.attributeLevels ?? {};
  const byId = new Map(config.metrics.map((m) => [m.id, m]));
  const metrics = usedMetrics(config)
    .filter((metric) => metric.type !== "quantile" && metric.type !== "funnel")
    .map((metric): PlannedMetric => {
      const pre = metric.cupedPreDays;
      const extraCovariates: ExtraCovariate[] = [];
      if (pre !== null && metric.covariates) {
        for (const id of metric.covariates.metrics) {
          const other = byId.get(id);
          if (other) {
            extraCovariates.push({
              kind: "measure",
              measure: measureFor(other.numerator, "pre", pre),
              spec: other.numerator,
            });
          }
        }
        for (const attribute of metric.covariates.attributes) {
          if (!attributes.includes(attribute)) attributes.push(attribute);
          const attributeIndex = attributes.indexOf(attribute);
          for (const level of (levels[attribute] ?? []).slice(1)) {
            extraCovariates.push({ kind: "indicator", attributeIndex, level });
          }
        }
      }
      return {
        metric,
        numerator: metric.retention
          ? measureFor(metric.numerator, "post", metric.retention.toDays, metric.retention.fromDays)
          : measureFor(metric.numerator, "post", metric.windowDays),
        denominator:
          metric.denominator === null ? null : measureFor(metric.denominator, "post", metric.windowDays),
        covariate: pre === null ? null : measureFor(metric.numerator, "pre", pre),
        extraCovariates,
      };
    });
  return {
    measures,
    metrics,
    eventNames: [...new Set(measures.filter((m) => m.sourceId === 0).map((m) => m.event))],
    sources,
    attributes,
    maxPostDays: Math.max(0, ...measures.filter((m) => m.window === "post").map((m) => m.days)),
    maxPreDays: Math.max(0, ...measures.filter((m) => m.window === "pre").map((m) => m.days)),
  };
}

/** The SQL value of one side of a metric for one unit, from that measure's `_count`/`_sum` columns (`alias` "": unqualified). */
export function measureValueSql(measure: UnitMeasure, spec: MeasureSpec, alias: string): string {
  const q = alias === "" ? "" : `${alias}.`;
  const count = `COALESCE(${q}${measure.column}_count, 0)`;
  const sum = `COALESCE(${q}${measure.column}_sum, 0)`;
  switch (spec.aggregation) {
    case "count":
      return count;
    case "sum":
      return sum;
    case "conversion":
      return `CASE WHEN ${count} > 0 THEN 1 ELSE 0 END`;
  }
}

/**
 * A metric's per-unit value, denominator and covariates as SQL over the unit measures `u` and the attribute pivot
 * `ua` (null where absent; caps are applied by the aggregate, per analysis mode). `qualified: false` names the
 * columns without those aliases, for a query that has joined them in nested subqueries (their names are unique).
 */
export function outcomeSql(
  entry: PlannedMetric,
  string: (value: string) => string,
  qualified = true,
): {
  value: string;
  denominator: string | null;
  covariate: string | null;
  extraCovariates: ReadonlyArray<string>;
} {
  const u = qualified ? "u" : "";
  const ua = qualified ? "ua." : "";
  return {
    value: measureValueSql(entry.numerator, entry.metric.numerator, u),
    denominator:
      entry.denominator && entry.metric.denominator
        ? measureValueSql(entry.denominator, entry.metric.denominator, u)
        : null,
    covariate: entry.covariate ? measureValueSql(entry.covariate, entry.metric.numerator, u) : null,
    extraCovariates: entry.extraCovariates.map((x) =>
      x.kind === "measure"
        ? measureValueSql(x.measure, x.spec, u)
        : `CASE WHEN ${ua}a${x.attributeIndex} = ${string(x.level)} THEN 1 ELSE 0 END`,
    ),
  };
}
