import type { AssayConfig, MeasureSpec, MetricDefinition } from "../config/assay-config.js";

/**
 * One per-unit event aggregate: matching events counted and summed over a window.
 * `post` windows are [anchor, anchor + days); `pre` windows are [assignment − days, assignment).
 */
export interface UnitMeasure {
  readonly column: string;
  readonly event: string;
  readonly window: "post" | "pre";
  readonly days: number;
}

/** How each metric maps onto the shared unit measures (metrics with the same event and window share one). */
export interface MeasurePlan {
  readonly measures: ReadonlyArray<UnitMeasure>;
  readonly metrics: ReadonlyArray<{
    readonly metric: MetricDefinition;
    readonly numerator: UnitMeasure;
    readonly denominator: UnitMeasure | null;
    readonly covariate: UnitMeasure | null;
  }>;
  readonly eventNames: ReadonlyArray<string>;
  readonly maxPostDays: number;
  readonly maxPreDays: number;
}

/** Plans the unit measures for the metrics that some experiment uses. */
export function planMeasures(config: AssayConfig): MeasurePlan {
  const used = new Set(config.experiments.flatMap((e) => e.metricIds));
  const measures: UnitMeasure[] = [];
  const measureFor = (event: string, window: "post" | "pre", days: number): UnitMeasure => {
    const found = measures.find((m) => m.event === event && m.window === window && m.days === days);
    if (found) return found;
    const created = { column: `m${measures.length}`, event, window, days };
    measures.push(created);
    return created;
  };
  const metrics = config.metrics
    .filter((metric) => used.has(metric.id))
    .map((metric) => ({
      metric,
      numerator: measureFor(metric.numerator.event, "post", metric.windowDays),
      denominator:
        metric.denominator === null ? null : measureFor(metric.denominator.event, "post", metric.windowDays),
      covariate:
        metric.cupedPreDays === null ? null : measureFor(metric.numerator.event, "pre", metric.cupedPreDays),
    }));
  return {
    measures,
    metrics,
    eventNames: [...new Set(measures.map((m) => m.event))],
    maxPostDays: Math.max(0, ...measures.filter((m) => m.window === "post").map((m) => m.days)),
    maxPreDays: Math.max(0, ...measures.filter((m) => m.window === "pre").map((m) => m.days)),
  };
}

/** The SQL value of one side of a metric for one unit, from that measure's `_count`/`_sum` columns. */
export function measureValueSql(measure: UnitMeasure, spec: MeasureSpec, alias: string): string {
  const count = `COALESCE(${alias}.${measure.column}_count, 0)`;
  const sum = `COALESCE(${alias}.${measure.column}_sum, 0)`;
  switch (spec.aggregation) {
    case "count":
      return count;
    case "sum":
      return sum;
    case "conversion":
      return `CASE WHEN ${count} > 0 THEN 1 ELSE 0 END`;
  }
}

/** A metric's per-unit value, denominator and covariate as SQL over the unit measures `u` (null where absent). */
export function outcomeSql(entry: MeasurePlan["metrics"][number]): {
  value: string;
  denominator: string | null;
  covariate: string | null;
} {
  return {
    value: measureValueSql(entry.numerator, entry.metric.numerator, "u"),
    denominator:
      entry.denominator && entry.metric.denominator
        ? measureValueSql(entry.denominator, entry.metric.denominator, "u")
        : null,
    covariate: entry.covariate ? measureValueSql(entry.covariate, entry.metric.numerator, "u") : null,
  };
}
