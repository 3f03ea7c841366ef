import { normalQuantile, normalSf } from "./distributions.js";
import { infer } from "./hypothesis.js";
import type { Alternative } from "./types.js";

export const standardNormal = { sf: normalSf, quantile: normalQuantile } as const;

export interface RelativeLift {
  readonly relLift: number;
  readonly relCiLow: number;
  readonly relCiHigh: number;
}

/**
 * Delta-method standard error of the relative lift t/c − 1: √(Var_t/c² + t²·Var_c/c⁴), where Var_* are the
 * variances of the two estimates; NaN when the control value is 0 (or its fourth power under/overflows).
 * @example relativeLiftSe(0.1, 0.12, 1e-5, 1e-5); // ≈ 0.0494
 */
export function relativeLiftSe(
  controlValue: number,
  treatmentValue: number,
  controlVariance: number,
  treatmentVariance: number,
): number {
  const c2 = controlValue * controlValue;
  if (c2 * c2 === 0 || !Number.isFinite(c2 * c2)) return Number.NaN;
  return Math.sqrt(treatmentVariance / c2 + (treatmentValue * treatmentValue * controlVariance) / (c2 * c2));
}

/**
 * Relative lift t/c − 1 with a delta-method interval on the normal scale:
 * se_rel = √(Var_t/c² + t²·Var_c/c⁴), where Var_* are the variances of the two estimates.
 * When the control value is 0 (or too close to 0 or too large to square twice) every field is NaN.
 */
export function relativeLift(
  controlValue: number,
  treatmentValue: number,
  controlVariance: number,
  treatmentVariance: number,
  alpha: number,
  alternative: Alternative,
): RelativeLift {
  const c2 = controlValue * controlValue;
  // c⁴ = 0 also catches a control value so small that its fourth power underflows.
  if (c2 * c2 === 0 || !Number.isFinite(c2 * c2)) {
    return { relLift: Number.NaN, relCiLow: Number.NaN, relCiHigh: Number.NaN };
  }
  const relLift = (treatmentValue - controlValue) / controlValue;
  const se = Math.sqrt(
    treatmentVariance / c2 + (treatmentValue * treatmentValue * controlVariance) / (c2 * c2),
  );
  const { ciLow, ciHigh } = infer(relLift, se, alpha, alternative, standardNormal);
  return { relLift, relCiLow: ciLow, relCiHigh: ciHigh };
}
