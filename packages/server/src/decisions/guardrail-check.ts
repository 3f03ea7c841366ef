import type { MetricComparison } from "./metric-comparison.js";

/** A guardrail from the experiment's metrics contract. */
export interface GuardrailSpec {
  readonly metricKey: string;
  /** The good direction of the metric: a guardrail with `decrease` (refund rate) is breached by a rise. */
  readonly direction: "increase" | "decrease";
  /** Tolerated relative change in the bad direction, e.g. 0.2 = "more than 20% worse than control". */
  readonly threshold: number;
}

export interface GuardrailVerdict {
  readonly metricKey: string;
  readonly variant: string;
  readonly direction: "increase" | "decrease";
  readonly threshold: number;
  /** Relative change in the bad direction (positive = worse than control). */
  readonly relativeHarm: number;
  /** z of the test H0: harm ≤ threshold against H1: harm > threshold. */
  readonly z: number;
  readonly boundary: number;
  readonly breached: boolean;
  readonly controlValue: number;
  readonly treatmentValue: number;
}

/**
 * A guardrail is breached when the treatment is worse than control by more than the threshold
 * (relative, in the metric's bad direction) and that excess is significant at the sequential boundary:
 * (harm − threshold)/se_rel ≥ boundary.
 * @example checkGuardrail({ metricKey: "refund_rate", direction: "decrease", threshold: 0.2 }, comparison, 2.41);
 */
export function checkGuardrail(
  spec: GuardrailSpec,
  comparison: MetricComparison,
  boundary: number,
): GuardrailVerdict {
  const relativeHarm = spec.direction === "decrease" ? comparison.relLift : -comparison.relLift;
  const z =
    Number.isFinite(relativeHarm) && comparison.seRel > 0
      ? (relativeHarm - spec.threshold) / comparison.seRel
      : Number.NaN;
  return {
    metricKey: spec.metricKey,
    variant: comparison.variant,
    direction: spec.direction,
    threshold: spec.threshold,
    relativeHarm,
    z,
    boundary,
    breached: Number.isFinite(z) && z >= boundary,
    controlValue: comparison.controlValue,
    treatmentValue: comparison.treatmentValue,
  };
}
