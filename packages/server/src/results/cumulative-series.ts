import { type DecisionConfig, primaryBoundary } from "@assay/decisions";
import type { PartitionResultRow } from "@assay/pipeline";
import { normalQuantile } from "@assay/stats";

export interface CumulativePoint {
  readonly date_day: string;
  readonly n_users: number;
  readonly uplift_abs: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
  /** Smallest arm ÷ planned units per variant, as the decision engine computes it (null without a plan). */
  readonly information_fraction: number | null;
  /** The experiment's method's boundary at this point on the uplift scale: ∓ c · se (always-valid: the confidence sequence's). */
  readonly bound_low: number | null;
  readonly bound_high: number | null;
}

export interface CumulativeSeries {
  readonly metric_id: string;
  readonly variation_id: string;
  readonly analysis_mode: "itt" | "exposed";
  readonly points: CumulativePoint[];
}

/**
 * One series per metric × treatment variation × analysis mode, one point per results partition (each
 * partition is cumulative up to its `dt`). The boundary is the one the decision policy applies
 * (`primaryBoundary`): the confidence sequence's at the point's sample (always_valid), the look reached at
 * information fraction smallest arm ÷ `plannedPerVariant` (group_sequential), or the fixed-horizon quantile;
 * `se` is recovered from the fixed-sample interval at `alpha`.
 * @example cumulativeSeries(rows, defaultDecisionConfig, 1000, 0.05, 1)
 */
export function cumulativeSeries(
  rows: ReadonlyArray<PartitionResultRow>,
  config: DecisionConfig,
  plannedPerVariant: number | null,
  alpha: number,
  treatments: number,
): CumulativeSeries[] {
  const zFixed = normalQuantile(1 - alpha / 2);
  const groups = new Map<string, PartitionResultRow[]>();
  for (const r of rows) {
    const k = `${r.metric_id}\u0000${r.analysis_mode}\u0000${r.dt}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const series = new Map<string, CumulativeSeries>();
  for (const group of groups.values()) {
    const control = group.find((r) => r.is_control);
    for (const r of group) {
      if (r.is_control) continue;
      const smallest = Math.min(r.n_users, control?.n_users ?? r.n_users);
      const t =
        plannedPerVariant === null || plannedPerVariant <= 0
          ? null
          : Math.min(1, smallest / plannedPerVariant);
      const se = r.ci_low === null || r.ci_high === null ? null : (r.ci_high - r.ci_low) / (2 * zFixed);
      const c = primaryBoundary(config, {
        treatments,
        plannedPerVariant,
        totalUnits: r.n_users + (control?.n_users ?? 0),
        informationFraction: t,
      });
      const half = se === null || c === null || !Number.isFinite(c) ? null : c * se;
      const key = `${r.metric_id}\u0000${r.variation_id}\u0000${r.analysis_mode}`;
      const s = series.get(key) ?? {
        metric_id: r.metric_id,
        variation_id: r.variation_id,
        analysis_mode: r.analysis_mode,
        points: [],
      };
      s.points.push({
        date_day: r.dt,
        n_users: r.n_users,
        uplift_abs: r.uplift_abs,
        ci_low: r.ci_low,
        ci_high: r.ci_high,
        information_fraction: t,
        bound_low: half === null ? null : -half,
        bound_high: half,
      });
      series.set(key, s);
    }
  }
  for (const s of series.values()) s.points.sort((a, b) => a.date_day.localeCompare(b.date_day));
  return [...series.values()].sort(
    (a, b) =>
      a.metric_id.localeCompare(b.metric_id) ||
      a.analysis_mode.localeCompare(b.analysis_mode) ||
      a.variation_id.localeCompare(b.variation_id),
  );
}
