import {
  isStatsInputError,
  meanTest,
  quantileTest,
  ratioCupedTest,
  ratioTest,
  regressionAdjustedTest,
} from "@assay/stats";
import type { AssayConfig, MetricDefinition } from "../config/assay-config.js";

/** One row of `agg_experiment_metric_by_variant`: sufficient statistics, nothing per unit. */
/** The models the statistics read: the per-variant aggregate, and the per-segment one when segments exist. */
export const statisticsReads = [
  "agg_experiment_metric_by_variant",
  "agg_experiment_metric_by_segment",
  // Only when a used metric needs them (docs/metrics.md).
  "agg_experiment_metric_quantiles",
  "agg_experiment_metric_moments",
  "agg_experiment_metric_quantiles_by_segment",
  "agg_experiment_metric_moments_by_segment",
] as const;

export interface VariantAggregate {
  readonly experiment_id: string;
  readonly metric_id: string;
  readonly analysis_mode: string;
  readonly variation_id: string;
  readonly is_control: boolean;
  readonly n: number;
  readonly sum_value: number;
  readonly sum_value_sq: number;
  readonly sum_den: number;
  readonly sum_den_sq: number;
  readonly sum_value_den: number;
  readonly sum_cov: number;
  readonly sum_cov_sq: number;
  readonly sum_value_cov: number;
  /** Σden·x (ratio CUPED); absent from engines that do not compute it. */
  readonly sum_den_cov?: number;
  readonly cap_value?: number | null;
  readonly covariate_cap_value?: number | null;
  /** Retention: units whose window had not ended by the data's horizon (not in `n`). */
  readonly excluded_units?: number;
}

/** One row of `agg_experiment_metric_quantiles`: a quantile metric's per-arm summary (docs/metrics.md). */
export interface QuantileAggregate {
  readonly experiment_id: string;
  readonly metric_id: string;
  readonly analysis_mode: string;
  readonly variation_id: string;
  readonly n_values: number;
  readonly n_users: number;
  readonly quantile_value: number | null;
  readonly order_lower: number | null;
  readonly order_upper: number | null;
  readonly sum_a: number | null;
  readonly sum_a_sq: number | null;
  readonly sum_a_m: number | null;
  readonly sum_m: number | null;
  readonly sum_m_sq: number | null;
}

/** One row of `agg_experiment_metric_moments`: a long-format per-arm sum (sum_x, sum_xx, sum_xy, step_units). */
export interface MomentAggregate {
  readonly experiment_id: string;
  readonly metric_id: string;
  readonly analysis_mode: string;
  readonly variation_id: string;
  readonly statistic: string;
  readonly i: number;
  readonly j: number;
  readonly value: number;
}

/** What the metric-type aggregates add to the by-variant sufficient statistics. */
export interface ExtraAggregates {
  readonly quantiles?: ReadonlyArray<QuantileAggregate>;
  readonly moments?: ReadonlyArray<MomentAggregate>;
}

/** One row of `fct_experiment_results` (contract §5); null = empty in CSV. */
export interface ResultRow {
  experiment_id: string;
  metric_id: string;
  analysis_mode: string;
  variation_id: string;
  is_control: boolean;
  n_users: number;
  mean: number | null;
  uplift_abs: number | null;
  uplift_rel: number | null;
  p_value_two_sided: number | null;
  ci_low: number | null;
  ci_high: number | null;
  cuped_theta: number | null;
  cuped_uplift_abs: number | null;
  cuped_p_value: number | null;
  cuped_ci_low: number | null;
  cuped_ci_high: number | null;
  cuped_variance_reduction_pct: number | null;
  /** Whether CUPED was applied (null: the metric has no covariate). */
  cuped_applied: boolean | null;
  /** With `cuped_covariates`: every covariate's θ as a JSON array (the metric's own pre-period value first). */
  cuped_thetas: string | null;
  cap_value: number | null;
  covariate_cap_value: number | null;
  excluded_units: number | null;
  /** Funnel: units that reached each step, as a JSON array. */
  step_units: string | null;
  n_values: number | null;
  order_lower: number | null;
  order_upper: number | null;
  /** Quantile: the arm's standard error of q̂ (× √design_effect for event quantiles). */
  quantile_se: number | null;
  design_effect: number | null;
}

export const resultColumns: ReadonlyArray<keyof ResultRow> = [
  "experiment_id",
  "metric_id",
  "analysis_mode",
  "variation_id",
  "is_control",
  "n_users",
  "mean",
  "uplift_abs",
  "uplift_rel",
  "p_value_two_sided",
  "ci_low",
  "ci_high",
  "cuped_theta",
  "cuped_uplift_abs",
  "cuped_p_value",
  "cuped_ci_low",
  "cuped_ci_high",
  "cuped_variance_reduction_pct",
  "cuped_applied",
  "cuped_thetas",
  "cap_value",
  "covariate_cap_value",
  "excluded_units",
  "step_units",
  "n_values",
  "order_lower",
  "order_upper",
  "quantile_se",
  "design_effect",
];

/** A comparison the engine refused (e.g. fewer than 2 units in an arm); its columns stay empty. */
export interface SkippedComparison {
  readonly experiment_id: string;
  readonly metric_id: string;
  readonly analysis_mode: string;
  readonly variation_id: string;
  readonly reason: string;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Turns per-variant sufficient statistics into result rows with the statistics engine (`@assay/stats`):
 * the mean or ratio test against control, plus CUPED where the metric has `cuped_pre_days`.
 * @example const { rows } = computeResults(config, aggregates, { alpha: 0.05 });
 */
export function computeResults(
  config: AssayConfig,
  aggregates: ReadonlyArray<VariantAggregate>,
  options: { readonly alpha: number },
  extras: ExtraAggregates = {},
): { rows: ResultRow[]; skipped: SkippedComparison[] } {
  const rows: ResultRow[] = [];
  const skipped: SkippedComparison[] = [];
  const metrics = new Map(config.metrics.map((m) => [m.id, m]));
  const key = (a: {
    experiment_id: string;
    metric_id: string;
    analysis_mode: string;
    variation_id: string;
  }) => `${a.experiment_id}\u0000${a.metric_id}\u0000${a.analysis_mode}\u0000${a.variation_id}`;
  const byKey = new Map(aggregates.map((a) => [key(a), a]));
  const quantiles = new Map((extras.quantiles ?? []).map((a) => [key(a), a]));
  const moments = new Map<string, MomentAggregate[]>();
  for (const m of extras.moments ?? []) {
    const list = moments.get(key(m));
    if (list) list.push(m);
    else moments.set(key(m), [m]);
  }
  for (const experiment of config.experiments) {
    const control = experiment.variants.find((v) => v.isControl)!;
    for (const metricId of experiment.metricIds) {
      const metric = metrics.get(metricId)!;
      for (const mode of ["itt", "exposed"]) {
        const lookup = (variation_id: string) =>
          byKey.get(
            key({ experiment_id: experiment.id, metric_id: metricId, analysis_mode: mode, variation_id }),
          );
        const c = lookup(control.id);
        for (const variant of experiment.variants) {
          const t = lookup(variant.id);
          const n = t?.n ?? 0;
          const row: ResultRow = {
            experiment_id: experiment.id,
            metric_id: metricId,
            analysis_mode: mode,
            variation_id: variant.id,
            is_control: variant.isControl,
            n_users: n,
            mean: null,
            uplift_abs: null,
            uplift_rel: null,
            p_value_two_sided: null,
            ci_low: null,
            ci_high: null,
            cuped_theta: null,
            cuped_uplift_abs: null,
            cuped_p_value: null,
            cuped_ci_low: null,
            cuped_ci_high: null,
            cuped_variance_reduction_pct: null,
            cuped_applied: null,
            cuped_thetas: null,
            cap_value: t?.cap_value ?? null,
            covariate_cap_value: t?.covariate_cap_value ?? null,
            excluded_units: metric.retention ? Number(t?.excluded_units ?? 0) : null,
            step_units: null,
            n_values: null,
            order_lower: null,
            order_upper: null,
            quantile_se: null,
            design_effect: null,
          };
          if (t && n > 0) {
            row.mean = finite(metric.kind === "ratio" ? t.sum_value / t.sum_den : t.sum_value / n);
          }
          const tKey = key({
            experiment_id: experiment.id,
            metric_id: metricId,
            analysis_mode: mode,
            variation_id: variant.id,
          });
          const cKey = key({
            experiment_id: experiment.id,
            metric_id: metricId,
            analysis_mode: mode,
            variation_id: control.id,
          });
          if (metric.funnelSteps) {
            const steps = (moments.get(tKey) ?? []).filter((m) => m.statistic === "step_units");
            row.step_units = JSON.stringify(
              metric.funnelSteps.map((_, i) => Number(steps.find((m) => Number(m.i) === i)?.value ?? 0)),
            );
          }
          const quantileT = metric.quantile ? quantiles.get(tKey) : undefined;
          const quantileC = metric.quantile ? quantiles.get(cKey) : undefined;
          if (metric.quantile) Object.assign(row, quantileColumns(quantileT, metric));
          rows.push(row);
          if (variant.isControl || !t || !c) continue;
          try {
            if (metric.quantile) {
              if (!quantileT || !quantileC) continue;
              const result = quantileTest(
                quantileArm(quantileC, metric),
                quantileArm(quantileT, metric),
                metric.quantile.p,
                { alpha: options.alpha },
              );
              Object.assign(row, {
                uplift_abs: finite(result.diff),
                uplift_rel: finite(result.relLift),
                p_value_two_sided: finite(result.pValue),
                ci_low: finite(result.ciLow),
                ci_high: finite(result.ciHigh),
              });
            } else if (metric.kind === "ratio") {
              const result = ratioTest(ratioArm(c), ratioArm(t), { alpha: options.alpha });
              Object.assign(row, {
                uplift_abs: finite(result.diff),
                uplift_rel: finite(result.relLift),
                p_value_two_sided: finite(result.pValue),
                ci_low: finite(result.ciLow),
                ci_high: finite(result.ciHigh),
              });
              if (metric.cupedPreDays !== null) {
                const cuped = ratioCupedTest(ratioCupedArm(c), ratioCupedArm(t), { alpha: options.alpha });
                Object.assign(row, {
                  cuped_applied: cuped.applied,
                  cuped_theta: finite(cuped.theta),
                  cuped_uplift_abs: finite(cuped.diff),
                  cuped_p_value: finite(cuped.pValue),
                  cuped_ci_low: finite(cuped.ciLow),
                  cuped_ci_high: finite(cuped.ciHigh),
                  cuped_variance_reduction_pct: finite(cuped.varianceReductionPct),
                });
              }
            } else {
              const result = meanTest(meanArm(c), meanArm(t), { alpha: options.alpha });
              Object.assign(row, {
                uplift_abs: finite(result.diff),
                uplift_rel: finite(result.relLift),
                p_value_two_sided: finite(result.pValue),
                ci_low: finite(result.ciLow),
                ci_high: finite(result.ciHigh),
              });
              if (metric.cupedPreDays !== null) {
                const covariates = metric.covariates ? moments : null;
                const cuped = regressionAdjustedTest(
                  regressionArm(c, covariates?.get(cKey)),
                  regressionArm(t, covariates?.get(tKey)),
                  { alpha: options.alpha },
                );
                Object.assign(row, {
                  cuped_applied: cuped.applied,
                  cuped_theta: finite(cuped.theta[0] ?? Number.NaN),
                  cuped_thetas: metric.covariates ? JSON.stringify(cuped.theta) : null,
                  cuped_uplift_abs: finite(cuped.diff),
                  cuped_p_value: finite(cuped.pValue),
                  cuped_ci_low: finite(cuped.ciLow),
                  cuped_ci_high: finite(cuped.ciHigh),
                  cuped_variance_reduction_pct: finite(cuped.varianceReductionPct),
                });
              }
            }
          } catch (error) {
            if (!isStatsInputError(error)) throw error;
            skipped.push({
              experiment_id: experiment.id,
              metric_id: metricId,
              analysis_mode: mode,
              variation_id: variant.id,
              reason: error.message,
            });
          }
        }
      }
    }
  }
  return { rows, skipped };
}

const meanArm = (a: VariantAggregate) => ({ n: a.n, sum: a.sum_value, sumSquares: a.sum_value_sq });
const ratioArm = (a: VariantAggregate) => ({
  n: a.n,
  sumNum: a.sum_value,
  sumNumSquares: a.sum_value_sq,
  sumDen: a.sum_den,
  sumDenSquares: a.sum_den_sq,
  sumNumDen: a.sum_value_den,
});
/** z = Φ⁻¹(0.975) of the order-statistic interval (metrics-contract.md, `quantile`). */
const Z_RANKS = 1.959963984540054;

/**
 * The regression-adjustment arm: the k covariate sums from `agg_experiment_metric_moments` when the metric has
 * `cuped_covariates`, else the single own pre-period covariate of the by-variant aggregate (k = 1 is CUPED).
 */
function regressionArm(a: VariantAggregate, moments: ReadonlyArray<MomentAggregate> | undefined) {
  if (moments === undefined) {
    return {
      n: a.n,
      sum: a.sum_value,
      sumSquares: a.sum_value_sq,
      sumX: [a.sum_cov],
      sumXX: [[a.sum_cov_sq]],
      sumXY: [a.sum_value_cov],
    };
  }
  const k = 1 + Math.max(-1, ...moments.filter((m) => m.statistic === "sum_x").map((m) => Number(m.i)));
  const sumX = Array.from({ length: k }, () => 0);
  const sumXY = Array.from({ length: k }, () => 0);
  const sumXX = Array.from({ length: k }, () => Array.from({ length: k }, () => 0));
  for (const m of moments) {
    const i = Number(m.i);
    const j = Number(m.j);
    const value = Number(m.value);
    if (m.statistic === "sum_x") sumX[i] = value;
    else if (m.statistic === "sum_xy") sumXY[i] = value;
    else if (m.statistic === "sum_xx") {
      const row = sumXX[i];
      const mirror = sumXX[j];
      if (row) row[j] = value;
      if (mirror) mirror[i] = value;
    }
  }
  return { n: a.n, sum: a.sum_value, sumSquares: a.sum_value_sq, sumX, sumXX, sumXY };
}

const ratioCupedArm = (a: VariantAggregate) => ({
  ...ratioArm(a),
  sumX: a.sum_cov,
  sumXSquares: a.sum_cov_sq,
  sumXNum: a.sum_value_cov,
  sumXDen: a.sum_den_cov ?? 0,
});

/**
 * The design effect of an event-level quantile (docs/metrics.md; Woodruff 1952): with a = a unit's events ≤ q̂ and
 * m = its events, R = Σa/Σm, Var_cl = s²(a − R·m)/(n_u·m̄²), Var_iid = R(1 − R)/Σm; 1 for unit-level quantiles.
 */
export function quantileDesignEffect(q: QuantileAggregate, metric: MetricDefinition): number {
  if (metric.quantile?.of !== "event") return 1;
  const nu = Number(q.n_users);
  const sumA = Number(q.sum_a ?? 0);
  const sumM = Number(q.sum_m ?? 0);
  if (nu < 2 || sumM <= 0) return 1;
  const r = sumA / sumM;
  // Σ(a − R·m) = 0, so s² = Σ(a − R·m)²/(n_u − 1).
  const squares = Number(q.sum_a_sq ?? 0) - 2 * r * Number(q.sum_a_m ?? 0) + r * r * Number(q.sum_m_sq ?? 0);
  const meanM = sumM / nu;
  const varCl = squares / (nu - 1) / (nu * meanM * meanM);
  const varIid = (r * (1 - r)) / sumM;
  return varIid > 0 ? varCl / varIid : 1;
}

function quantileColumns(q: QuantileAggregate | undefined, metric: MetricDefinition) {
  if (!q || q.quantile_value === null || q.order_lower === null || q.order_upper === null) {
    return { n_users: Number(q?.n_users ?? 0), n_values: Number(q?.n_values ?? 0), mean: null };
  }
  const deff = quantileDesignEffect(q, metric);
  return {
    n_users: Number(q.n_users),
    n_values: Number(q.n_values),
    mean: finite(q.quantile_value),
    order_lower: finite(q.order_lower),
    order_upper: finite(q.order_upper),
    quantile_se: finite(((q.order_upper - q.order_lower) / (2 * Z_RANKS)) * Math.sqrt(deff)),
    design_effect: finite(deff),
  };
}

/**
 * The arm `quantileTest` reads: the warehouse's summary, with the order statistics spread about q̂ by √deff so the
 * test's se = (x₍u₎ − x₍l₎)/(2z) is the clustered one (unchanged for unit-level quantiles, deff = 1).
 */
function quantileArm(q: QuantileAggregate, metric: MetricDefinition) {
  const root = Math.sqrt(quantileDesignEffect(q, metric));
  const center = Number(q.quantile_value);
  return {
    n: Number(q.n_values),
    quantileValue: center,
    orderLower: center - (center - Number(q.order_lower)) * root,
    orderUpper: center + (Number(q.order_upper) - center) * root,
  };
}
