import {
  type AnalysisMethod,
  compareToControl,
  type DecisionConfig,
  evaluatePrimary,
  plannedPerVariant,
} from "@assay/decisions";
import type { VariantAggregateRow } from "@assay/pipeline";
import { armsFromAggregates } from "../decisions/lake-results-source.js";
import type { Experiment } from "../registry/experiment-schema.js";

/** One treatment's interval and p-value under the experiment's analysis method. */
export interface MethodResult {
  readonly p_value: number | null;
  readonly ci: { readonly low: number | null; readonly high: number | null };
  readonly rel_ci: { readonly low: number | null; readonly high: number | null };
  /** The |z| the method requires at this sample (null before a look or when untestable). */
  readonly boundary: number | null;
}

/** The summary's `analysis`: which method the intervals follow and what that means for reading them. */
export interface AnalysisInfo {
  readonly method: AnalysisMethod;
  readonly label: string;
  readonly alpha: number;
  readonly note: string;
  /** Whether the method's interval can be acted on now (fixed horizon: only at the planned end). */
  readonly final: boolean;
}

const labels: Record<AnalysisMethod, string> = {
  always_valid: "Always-valid (confidence sequence)",
  group_sequential: "Group sequential (planned looks)",
  fixed_horizon: "Fixed horizon",
};

const finite = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);

/**
 * The method's numbers for every metric, mode and treatment of one results day, from the per-variant sufficient
 * statistics — the same comparisons and rules the decision policy uses (`evaluatePrimary`), so the summary's
 * labelled interval is the one decisions act on; the fixed-sample intervals stay as supporting detail.
 * @example methodInference(experiment, config, rows, kinds, unitsByVariant, new Date()).results.get("conversion\u0000itt\u0000treatment");
 */
export function methodInference(
  experiment: Experiment,
  config: DecisionConfig,
  rows: ReadonlyArray<VariantAggregateRow>,
  kinds: ReadonlyMap<string, "mean" | "ratio">,
  units: Readonly<Record<string, number>>,
  now: Date,
): { analysis: AnalysisInfo; results: Map<string, MethodResult> } {
  const variants = experiment.variants.map((v) => v.key);
  const control = experiment.variants.find((v) => v.is_control)?.key ?? variants[0] ?? "";
  const treatments = variants.filter((v) => v !== control);
  const planned = plannedPerVariant(experiment);
  const smallest = Math.min(...variants.map((v) => units[v] ?? 0));
  const information = planned === null ? 0 : Math.min(1, smallest / planned);
  const pastEnd = experiment.end_at !== null && Date.parse(experiment.end_at) <= now.getTime();
  const results = new Map<string, MethodResult>();
  for (const mode of ["itt", "exposed"] as const) {
    const metrics = armsFromAggregates(
      rows.filter((r) => r.analysis_mode === mode),
      kinds,
      variants,
    );
    for (const [metric, arms] of Object.entries(metrics)) {
      const direction = experiment.metrics.find((m) => m.metric_key === metric)?.direction ?? "increase";
      const verdict = evaluatePrimary({
        metricKey: metric,
        direction,
        comparisons: compareToControl(arms, control, treatments),
        config,
        informationFraction: information,
        plannedPerVariant: planned,
        pastPlannedEnd: pastEnd,
        previous: { outcome: "continue", look: 0 },
      });
      for (const c of verdict.comparisons) {
        results.set(`${metric}\u0000${mode}\u0000${c.variant}`, {
          p_value: finite(c.pValue),
          ci: { low: finite(c.ciLow), high: finite(c.ciHigh) },
          rel_ci: { low: finite(c.relCiLow), high: finite(c.relCiHigh) },
          boundary: finite(c.boundary),
        });
      }
    }
  }
  const k = Math.max(1, treatments.length);
  const method = config.method;
  const reached = information >= 1 - 1e-9 || pastEnd;
  const note =
    method === "always_valid"
      ? `Valid at every look: the chance that this interval ever excludes the true effect is at most ${config.alpha}${k > 1 ? ` (α/${k} per treatment)` : ""}. Peeking is safe.`
      : method === "group_sequential"
        ? `Boundaries at the planned looks (${config.sequential.looks.join(", ")} of the planned sample); between looks the interval is not for acting on.`
        : reached
          ? "The planned sample or end is reached: this fixed-horizon interval is final."
          : "Fixed-horizon interval: only final at the planned end. Acting on it earlier inflates false positives.";
  return {
    analysis: {
      method,
      label: labels[method],
      alpha: method === "group_sequential" ? config.sequential.alpha : config.alpha,
      note,
      final: method !== "fixed_horizon" || reached,
    },
    results,
  };
}
