import type { AssayConfig } from "../config/assay-config.js";
import type { WarehouseKind } from "../warehouses/warehouse.js";

/**
 * What a warehouse cannot compute yet, per metric. ClickHouse runs the metric-type models (quantiles of units and
 * events, from events or SQL sources), but its by-variant aggregate is still a ClickHouse-only override
 * (warehouses/clickhouse/model-overrides.ts) that carries the mean/ratio sums only: no caps applied, no retention
 * windows or exclusions, no Σden·x, no SQL-source measures, no k-covariate or funnel moments. A run that needs
 * those stops before loading anything, naming the metric, instead of answering with sums that are not the
 * metric's statistic (docs/metrics.md, "Where they run").
 * @example unsupportedMetricFeatures("clickhouse", config); // ['metric "revenue_capped": cap']
 */
export function unsupportedMetricFeatures(kind: WarehouseKind, config: AssayConfig): string[] {
  if (kind !== "clickhouse") return [];
  const used = new Set(config.experiments.flatMap((e) => e.metricIds));
  const problems: string[] = [];
  for (const m of config.metrics) {
    if (!used.has(m.id)) continue;
    const features = [
      ...(m.type === "retention" || m.type === "funnel" ? [`type ${m.type}`] : []),
      ...(m.cap === undefined ? [] : ["cap"]),
      ...(m.covariates === undefined ? [] : ["cuped_covariates"]),
      ...(m.kind === "ratio" && m.cupedPreDays !== null ? ["cuped_pre_days on a ratio"] : []),
      // A quantile reads its SQL source itself (agg_experiment_metric_quantiles); other metrics need the measures.
      ...(m.kind !== "quantile" && (m.numerator.sql !== undefined || m.denominator?.sql !== undefined)
        ? ["source: {sql}"]
        : []),
    ];
    if (features.length > 0) problems.push(`metric "${m.id}": ${features.join(", ")}`);
  }
  return problems;
}
