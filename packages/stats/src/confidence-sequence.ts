import { mixtureLogE, mixtureRho } from "./normal-mixture.js";
import { summarizeRatioArm } from "./ratio-test.js";
import { relativeLiftSe } from "./relative-lift.js";
import { StatsInputError } from "./stats-input-error.js";
import type { MeanArm, RatioArm } from "./types.js";
import { requireOpenUnit, requirePositive } from "./validate.js";
import { summarizeMeanArm } from "./welch-test.js";

export interface ConfidenceSequenceOptions {
  /** Default 0.05. */
  readonly alpha?: number;
  /** Total units N* (both arms) at which the sequence is tightest; default 10000. */
  readonly tuningN?: number;
}

export interface ConfidenceSequenceResult {
  readonly diff: number;
  readonly se: number;
  readonly rho: number;
  readonly halfWidth: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  /** Always-valid p-value min(1, 1/E) of H0: diff = 0. */
  readonly pValue: number;
  /** diff/m_c; NaN (and its interval too) when the control value is 0. */
  readonly relLift: number;
  readonly relCiLow: number;
  readonly relCiHigh: number;
}

/** The half-width and always-valid p of an estimate with standard error `se` after `n` units. */
export interface AlwaysValidInterval {
  readonly halfWidth: number;
  readonly pValue: number;
}

/**
 * Half-width and always-valid p of the two-sided asymptotic confidence sequence (stats-contract.md,
 * `confidence_sequence`) for an estimate with standard error `se` from `n` units in total:
 * σ̂² = n·se², half_width = √(σ̂²·2(nρ² + 1)/(n²ρ²)·ln(√(nρ² + 1)/α)), ln E = −½ ln(nρ² + 1) + n²ρ²·est²/(2σ̂²(nρ² + 1)).
 * @example alwaysValidInterval(0.01, 0.004, 20000, 0.05, mixtureRho(0.05, 20000)).halfWidth; // ≈ 0.0121
 */
export function alwaysValidInterval(
  estimate: number,
  se: number,
  n: number,
  alpha: number,
  rho: number,
): AlwaysValidInterval {
  const u = n * rho * rho;
  const variance = n * se * se;
  if (!(variance > 0)) return { halfWidth: 0, pValue: estimate === 0 ? 1 : 0 };
  const halfWidth = Math.sqrt(
    ((variance * 2 * (u + 1)) / (n * n * rho * rho)) * Math.log(Math.sqrt(u + 1) / alpha),
  );
  const pValue = Math.min(1, Math.exp(-mixtureLogE(estimate / se, u, "two-sided")));
  return { halfWidth, pValue };
}

function resolve(options: ConfidenceSequenceOptions | undefined) {
  const alpha = requireOpenUnit(options?.alpha ?? 0.05, "alpha");
  const tuningN = requirePositive(options?.tuningN ?? 10_000, "tuning_n");
  return { alpha, rho: mixtureRho(alpha, tuningN) };
}

function build(
  controlValue: number,
  treatmentValue: number,
  vc: number,
  vt: number,
  n: number,
  alpha: number,
  rho: number,
): ConfidenceSequenceResult {
  const diff = treatmentValue - controlValue;
  const se = Math.sqrt(vc + vt);
  const { halfWidth, pValue } = alwaysValidInterval(diff, se, n, alpha, rho);
  // se_rel as in `mean`: the delta-method interval's half-width over z_{1−α/2}, i.e. √(Var_t/c² + t²Var_c/c⁴).
  const seRel = relativeLiftSe(controlValue, treatmentValue, vc, vt);
  const relLift = Number.isFinite(seRel) ? diff / controlValue : Number.NaN;
  const relHalf = Number.isFinite(seRel)
    ? alwaysValidInterval(relLift, seRel, n, alpha, rho).halfWidth
    : Number.NaN;
  return {
    diff,
    se,
    rho,
    halfWidth,
    ciLow: diff - halfWidth,
    ciHigh: diff + halfWidth,
    pValue,
    relLift,
    relCiLow: relLift - relHalf,
    relCiHigh: relLift + relHalf,
  };
}

/**
 * The always-valid (anytime) interval and p-value of treatment − control for a mean metric: the asymptotic
 * confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2023, eq. 9, ρ from eq. 161).
 * Unlike `meanTest`, it may be looked at after every batch of data: the chance that it ever excludes the
 * true difference is at most α (asymptotically).
 * @example
 * const r = confidenceSequence({ n: 5000, sum: 500, sumSquares: 500 }, { n: 5000, sum: 600, sumSquares: 600 });
 * r.ciLow > 0; // true: treatment converts better, and it is safe to say so now
 */
export function confidenceSequence(
  control: MeanArm,
  treatment: MeanArm,
  options?: ConfidenceSequenceOptions,
): ConfidenceSequenceResult {
  const { alpha, rho } = resolve(options);
  const c = summarizeMeanArm(control, "control");
  const t = summarizeMeanArm(treatment, "treatment");
  return build(c.mean, t.mean, c.variance / c.n, t.variance / t.n, c.n + t.n, alpha, rho);
}

/**
 * The same always-valid interval for a ratio metric Σnum/Σden, with the delta-method variances of `ratioTest`.
 * @example ratioConfidenceSequence(controlArm, treatmentArm, { alpha: 0.05, tuningN: 20000 }).ciLow;
 */
export function ratioConfidenceSequence(
  control: RatioArm,
  treatment: RatioArm,
  options?: ConfidenceSequenceOptions,
): ConfidenceSequenceResult {
  const { alpha, rho } = resolve(options);
  const c = summarizeRatioArm(control, "control");
  const t = summarizeRatioArm(treatment, "treatment");
  if (!(control.n + treatment.n > 0)) throw new StatsInputError("n", "must be > 0");
  return build(c.value, t.value, c.variance, t.variance, control.n + treatment.n, alpha, rho);
}
