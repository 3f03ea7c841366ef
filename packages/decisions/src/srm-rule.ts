import { sequentialSrmTest } from "@assay/stats";
import { type DecisionReason, reason } from "./decision-reason.js";

export interface SrmVerdict {
  /** Always-valid p at this run, and its running minimum (what the alert reads). */
  readonly pValue: number | null;
  readonly pMin: number;
  /** An SRM is established (the running minimum fell below the threshold). */
  readonly active: boolean;
  readonly observedShares: Record<string, number>;
  readonly expectedShares: Record<string, number>;
  readonly counts: Record<string, number>;
  readonly reason: DecisionReason;
}

/**
 * The sample-ratio monitor: the sequential Dirichlet–multinomial test (`sequentialSrmTest`) on the cumulative
 * canonical units per variant against the configured weights, at every run. Its running minimum p is valid
 * at any stopping time, so monitoring it hourly keeps the false-alarm rate at `threshold`; once below, the
 * SRM stays established (the data cannot be trusted again without an investigation).
 * @example evaluateSrm({ control: 50_900, treatment: 49_100 }, { control: 50, treatment: 50 }, 0.01, 1);
 */
export function evaluateSrm(
  units: Readonly<Record<string, number>>,
  weights: Readonly<Record<string, number>>,
  threshold: number,
  previousPMin: number,
): SrmVerdict {
  const variants = Object.keys(weights).filter((v) => (weights[v] ?? 0) > 0);
  const counts = Object.fromEntries(variants.map((v) => [v, Math.max(0, Math.round(units[v] ?? 0))]));
  const total = variants.reduce((n, v) => n + (counts[v] ?? 0), 0);
  const weightSum = variants.reduce((n, v) => n + (weights[v] ?? 0), 0);
  const observedShares = Object.fromEntries(
    variants.map((v) => [v, total > 0 ? (counts[v] ?? 0) / total : 0]),
  );
  const expectedShares = Object.fromEntries(variants.map((v) => [v, (weights[v] ?? 0) / weightSum]));
  const testable = variants.length >= 2 && total > 0;
  const pValue = testable
    ? sequentialSrmTest(
        variants.map((v) => counts[v] ?? 0),
        variants.map((v) => weights[v] ?? 0),
        { alpha: threshold },
      ).pValue
    : null;
  const pMin = pValue === null ? previousPMin : Math.min(previousPMin, pValue);
  const active = pMin < threshold;
  return {
    pValue,
    pMin,
    active,
    observedShares,
    expectedShares,
    counts,
    reason: reason({
      kind: "srm",
      severity: active ? "blocking" : "ok",
      code: active ? "srm" : testable ? "srm_ok" : "srm_not_testable",
      values: { p_value: pMin, threshold },
    }),
  };
}
