import type { AnalysisMode, ExperimentSummary, Variant } from "../api/api-types.js";

/** Seed 002 §3: alert on sample ratio mismatch when p < 0.01. */
export const SRM_THRESHOLD = 0.01;

export interface SrmShare {
  readonly variationId: string;
  readonly observed: number;
  readonly observedShare: number | null;
  readonly expectedShare: number;
}

export interface SrmView {
  readonly pValue: number | null;
  readonly detected: boolean;
  readonly total: number;
  readonly shares: ReadonlyArray<SrmShare>;
}

function unitCounts(summary: ExperimentSummary, mode: AnalysisMode): Map<string, number> {
  const fromQuality =
    mode === "itt" ? summary.quality?.units_by_variant_itt : summary.quality?.units_by_variant_exposed;
  if (fromQuality !== undefined) return new Map(Object.entries(fromQuality));
  // Fall back to the first metric's cohort sizes: every metric of a mode has the same units.
  const counts = new Map<string, number>();
  const firstMetric = summary.results.find((r) => r.analysis_mode === mode)?.metric_id;
  for (const r of summary.results) {
    if (r.analysis_mode === mode && r.metric_id === firstMetric) counts.set(r.variation_id, r.n_users);
  }
  return counts;
}

/**
 * Observed against expected shares of units per variant, with the pipeline's χ² p-value.
 * @example srmView(variants, summary, "itt").detected // true when p < 0.01
 */
export function srmView(
  variants: ReadonlyArray<Pick<Variant, "key" | "allocation">>,
  summary: ExperimentSummary,
  mode: AnalysisMode,
): SrmView {
  const counts = unitCounts(summary, mode);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const weight = variants.reduce((a, v) => a + v.allocation, 0);
  const pValue =
    (mode === "itt" ? summary.quality?.srm_p_value_itt : summary.quality?.srm_p_value_exposed) ?? null;
  const flagged = mode === "itt" ? summary.quality?.srm_detected_itt : summary.quality?.srm_detected_exposed;
  return {
    pValue,
    detected: flagged ?? (pValue !== null && pValue < SRM_THRESHOLD),
    total,
    shares: variants.map((v) => {
      const observed = counts.get(v.key) ?? 0;
      return {
        variationId: v.key,
        observed,
        observedShare: total > 0 ? observed / total : null,
        expectedShare: weight > 0 ? v.allocation / weight : 0,
      };
    }),
  };
}
