import type { AssayConfig } from "../config/assay-config.js";
import type { WarehouseKind } from "../warehouses/warehouse.js";

/**
 * What a warehouse cannot compute yet, per metric: ClickHouse 18.16 (the oldest supported release) cannot parse the
 * CTEs and row_number() ranks of the metric-type models (docs/metrics.md), and its model overrides carry only the
 * mean/ratio sums. A run that needs them stops before loading anything, naming the metric, instead of answering
 * with sums that are not the metric's statistic.
 * @example unsupportedMetricFeatures("clickhouse", config); // ['metric "p90": type quantile']
 */
export function unsupportedMetricFeatures(kind: WarehouseKind, config: AssayConfig): string[] {
  if (kind !== "clickhouse") return [];
  const used = new Set(config.experiments.flatMap((e) => e.metricIds));
  const problems: string[] = [];
  for (const m of config.metrics) {
    if (!used.has(m.id)) continue;
    const features = [
      ...(m.kind === "quantile" || m.type === "retention" || m.type === "funnel" ? [`type ${m.type}`] : []),
      ...(m.cap === undefined ? [] : ["cap"]),
      ...(m.covariates === undefined ? [] : ["cuped_covariates"]),
      ...(m.kind === "ratio" && m.cupedPreDays !== null ? ["cuped_pre_days on a ratio"] : []),
      ...(m.numerator.sql === undefined && m.denominator?.sql === undefined ? [] : ["source: {sql}"]),
    ];
    if (features.length > 0) problems.push(`metric "${m.id}": ${features.join(", ")}`);
  }
  return problems;
}
