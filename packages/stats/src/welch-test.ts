import { tQuantile, tSf } from "./distributions.js";
import { infer } from "./hypothesis.js";
import { relativeLift } from "./relative-lift.js";
import type { MeanArm, MeanTestResult, TestOptions } from "./types.js";
import { requireCount, requireFinite, resolveOptions, sampleVariance } from "./validate.js";

/** Mean and variance of the mean of one arm, as the Welch test needs them. */
export interface ArmSummary {
  readonly n: number;
  readonly mean: number;
  /** Sample variance of the unit values (n − 1 denominator). */
  readonly variance: number;
}

/** Validates one arm's sufficient statistics and summarizes it. */
export function summarizeMeanArm(arm: MeanArm, field: string): ArmSummary {
  const n = requireCount(arm.n, `${field}.n`, 2);
  const sum = requireFinite(arm.sum, `${field}.sum`);
  const sumSquares = requireFinite(arm.sumSquares, `${field}.sum_squares`);
  return { n, mean: sum / n, variance: sampleVariance(n, sum, sumSquares, `${field}.sum_squares`) };
}

/**
 * Welch's t-test on two summarized arms, with the relative lift's delta-method interval.
 * Shared by {@link meanTest} and the CUPED test (which passes adjusted summaries).
 */
export function welchFromSummaries(
  control: ArmSummary,
  treatment: ArmSummary,
  options: TestOptions | undefined,
): MeanTestResult {
  const { alpha, alternative } = resolveOptions(options);
  const vc = control.variance / control.n;
  const vt = treatment.variance / treatment.n;
  const diff = treatment.mean - control.mean;
  const se = Math.sqrt(vc + vt);
  const dfDenominator = (vc * vc) / (control.n - 1) + (vt * vt) / (treatment.n - 1);
  const df = dfDenominator > 0 ? ((vc + vt) * (vc + vt)) / dfDenominator : control.n + treatment.n - 2;
  const t = { sf: (x: number) => tSf(x, df), quantile: (p: number) => tQuantile(p, df) };
  const { pValue, ciLow, ciHigh } = infer(diff, se, alpha, alternative, t);
  return {
    controlMean: control.mean,
    treatmentMean: treatment.mean,
    diff,
    se,
    df,
    pValue,
    ciLow,
    ciHigh,
    ...relativeLift(control.mean, treatment.mean, vc, vt, alpha, alternative),
  };
}

/**
 * Welch's unequal-variance t-test on the difference of means (treatment − control), from each arm's
 * n, Σy and Σy². Conversion rates are means of 0/1 values (Σy = Σy² = conversions).
 * The relative lift diff/m_c gets a delta-method interval with the normal quantile.
 * @example
 * const r = meanTest({ n: 1000, sum: 100, sumSquares: 100 }, { n: 1000, sum: 130, sumSquares: 130 });
 * r.diff; // 0.03
 * r.pValue; // ≈ 0.036
 */
export function meanTest(control: MeanArm, treatment: MeanArm, options?: TestOptions): MeanTestResult {
  return welchFromSummaries(
    summarizeMeanArm(control, "control"),
    summarizeMeanArm(treatment, "treatment"),
    options,
  );
}
