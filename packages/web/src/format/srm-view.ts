import type { AnalysisMode, ExperimentSummary, Variant } from "../api/api-types.js";

export interface SrmShare {
  readonly variationId: string;
  readonly observed: number;
  readonly observedShare: number | null;
  readonly expectedShare: number;
}

export interface SrmView {
  /** The decision engine's verdict: the running minimum of its always-valid p (sequential test, ITT units). */
  readonly pValue: number | null;
  readonly detected: boolean;
  /** Null until the engine has evaluated the experiment: the card then says "not evaluated yet". */
  readonly threshold: number | null;
  /** The pipeline's one-look χ² p-value of the chosen mode's units: supporting detail, never the verdict. */
  readonly chiSquareP: number | null;
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

interface EngineSrm {
  readonly p_min?: number;
  readonly active?: boolean;
  readonly threshold?: number;
}

/**
 * Observed against expected shares of units per variant; the verdict is the decision engine's (its sequential
 * SRM test, valid however often it runs), the pipeline's χ² p-value is shown as detail.
 * @example srmView(variants, summary, "itt").detected // the engine's `details.srm.active`
 */
export function srmView(
  variants: ReadonlyArray<Pick<Variant, "key" | "allocation">>,
  summary: ExperimentSummary,
  mode: AnalysisMode,
): SrmView {
  const counts = unitCounts(summary, mode);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const weight = variants.reduce((a, v) => a + v.allocation, 0);
  const chiSquareP =
    (mode === "itt" ? summary.quality?.srm_p_value_itt : summary.quality?.srm_p_value_exposed) ?? null;
  const engine = (summary.decision?.details as { srm?: EngineSrm } | undefined)?.srm;
  return {
    pValue: typeof engine?.p_min === "number" ? engine.p_min : null,
    detected: engine?.active === true,
    threshold: typeof engine?.threshold === "number" ? engine.threshold : null,
    chiSquareP,
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
