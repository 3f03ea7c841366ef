import { mixtureBoundary, mixturePValue, mixtureRho } from "@assay/stats";
import { type ArmComparison, relativeUntestable, type UntestableCause } from "./arm-comparison.js";
import { type DecisionReason, reason } from "./decision-reason.js";

/** A guardrail from the experiment's metrics contract. */
export interface GuardrailSpec {
  readonly metricKey: string;
  /** The good direction: a guardrail with `decrease` (refund rate) is harmed by a rise. */
  readonly direction: "increase" | "decrease";
  /** Tolerated relative change in the bad direction, e.g. 0.05 = "more than 5 % worse than control". */
  readonly threshold: number;
}

export interface GuardrailVerdict {
  readonly metricKey: string;
  readonly variant: string;
  readonly direction: "increase" | "decrease";
  readonly threshold: number;
  /** Relative change in the bad direction (positive = worse than control); NaN when not computable. */
  readonly relativeHarm: number;
  /** z of H0: harm ≤ threshold (NaN when untestable). */
  readonly z: number;
  /** The one-sided always-valid boundary for z at this sample (the family's share of α). */
  readonly boundary: number;
  /** Always-valid p of H0: harm ≤ threshold. */
  readonly pValue: number;
  /** Always-valid lower bound of the relative harm: breached exactly when it exceeds the threshold. */
  readonly harmLowerBound: number;
  readonly breached: boolean;
  readonly untestable: UntestableCause | null;
  readonly controlValue: number;
  readonly treatmentValue: number;
}

/** Total units (both arms) at which a guardrail's sequence is tightest, as a share of the planned total. */
export const GUARDRAIL_TUNING_SHARE = 0.25;

/**
 * Guardrails monitored at every run, whatever the primary's method: each guardrail × treatment is a one-sided
 * always-valid test of H0 "relative harm ≤ threshold" (a half-normal mixture e-process, valid at any stopping
 * time) at α/(G·K), so that the whole family — every guardrail and treatment — trips falsely with
 * probability at most α. Untestable comparisons (no data, zero denominators, a zero control mean) say so and
 * never trip. With `explain` false the display-only boundary and lower bound are left NaN.
 * @example evaluateGuardrails([{ metricKey: "refund_rate", direction: "decrease", threshold: 0.1 }], comparisonsByMetric, 0.05, 20000);
 */
export function evaluateGuardrails(
  specs: ReadonlyArray<GuardrailSpec>,
  comparisonsOf: (metricKey: string) => ReadonlyArray<ArmComparison>,
  familyAlpha: number,
  plannedTotal: number,
  explain = true,
): { verdicts: GuardrailVerdict[]; reasons: DecisionReason[] } {
  const all = specs.map((spec) => ({ spec, comparisons: comparisonsOf(spec.metricKey) }));
  const family = all.reduce((n, g) => n + g.comparisons.length, 0);
  const alpha = familyAlpha / Math.max(1, family);
  const rho = mixtureRho(alpha, Math.max(1, plannedTotal * GUARDRAIL_TUNING_SHARE));
  const verdicts: GuardrailVerdict[] = [];
  const reasons: DecisionReason[] = [];
  for (const { spec, comparisons } of all) {
    for (const c of comparisons) {
      const v = verdict(spec, c, alpha, rho, explain);
      verdicts.push(v);
      const values = {
        threshold: spec.threshold,
        relative_harm: finite(v.relativeHarm),
        good_change: finite(-v.relativeHarm),
        harm_lower_bound: finite(v.harmLowerBound),
        z: finite(v.z),
        boundary: finite(v.boundary),
        p_value: finite(v.pValue),
        alpha,
      };
      reasons.push(
        v.untestable !== null
          ? reason({
              kind: "guardrail",
              severity: "warning",
              code: "guardrail_not_testable",
              metric: spec.metricKey,
              variant: c.variant,
              values: { ...values, cause: v.untestable },
            })
          : reason({
              kind: "guardrail",
              severity: v.breached ? "blocking" : "ok",
              code: v.breached ? "guardrail_breach" : "guardrail_within_threshold",
              metric: spec.metricKey,
              variant: c.variant,
              values,
            }),
      );
    }
  }
  return { verdicts, reasons };
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

function verdict(
  spec: GuardrailSpec,
  c: ArmComparison,
  alpha: number,
  rho: number,
  explain: boolean,
): GuardrailVerdict {
  const relativeHarm = spec.direction === "decrease" ? c.relLift : -c.relLift;
  const cause = relativeUntestable(c);
  const head = {
    metricKey: spec.metricKey,
    variant: c.variant,
    direction: spec.direction,
    threshold: spec.threshold,
    relativeHarm,
    controlValue: c.controlValue,
    treatmentValue: c.treatmentValue,
  };
  if (cause !== null) {
    return {
      ...head,
      z: Number.NaN,
      boundary: Number.NaN,
      pValue: Number.NaN,
      harmLowerBound: Number.NaN,
      breached: false,
      untestable: cause,
    };
  }
  const u = (c.nControl + c.nTreatment) * rho * rho;
  const z = (relativeHarm - spec.threshold) / c.seRel;
  const pValue = mixturePValue(z, u, "greater");
  // The boundary is for display only (the verdict reads p): skipped when nobody reads the explanation.
  const boundary = explain ? mixtureBoundary(alpha, u, "greater") : Number.NaN;
  return {
    ...head,
    z,
    boundary,
    pValue,
    harmLowerBound: relativeHarm - boundary * c.seRel,
    breached: pValue <= alpha,
    untestable: null,
  };
}
