import { cupedTest, isStatsInputError, meanTest, ratioTest } from "@assay/stats";
import type { AssayConfig } from "../config/assay-config.js";

/** One row of `agg_experiment_metric_by_variant`: sufficient statistics, nothing per unit. */
/** The models the statistics read: the per-variant aggregate, and the per-segment one when segments exist. */
export const statisticsReads = [
  "agg_experiment_metric_by_variant",
  "agg_experiment_metric_by_segment",
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
          };
          if (t && n > 0) {
            row.mean = finite(metric.kind === "ratio" ? t.sum_value / t.sum_den : t.sum_value / n);
          }
          rows.push(row);
          if (variant.isControl || !t || !c) continue;
          try {
            if (metric.kind === "ratio") {
              const result = ratioTest(ratioArm(c), ratioArm(t), { alpha: options.alpha });
              Object.assign(row, {
                uplift_abs: finite(result.diff),
                uplift_rel: finite(result.relLift),
                p_value_two_sided: finite(result.pValue),
                ci_low: finite(result.ciLow),
                ci_high: finite(result.ciHigh),
              });
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
                const cuped = cupedTest(cupedArm(c), cupedArm(t), { alpha: options.alpha });
                Object.assign(row, {
                  cuped_theta: finite(cuped.theta),
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
const cupedArm = (a: VariantAggregate) => ({
  n: a.n,
  sum: a.sum_value,
  sumSquares: a.sum_value_sq,
  sumX: a.sum_cov,
  sumXSquares: a.sum_cov_sq,
  sumXY: a.sum_value_cov,
});
