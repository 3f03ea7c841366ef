import { infer } from "./hypothesis.js";
import { relativeLift, standardNormal } from "./relative-lift.js";
import { StatsInputError } from "./stats-input-error.js";
import type { RatioArm, RatioTestResult, TestOptions } from "./types.js";
import { requireCount, requireFinite, resolveOptions, sampleVariance } from "./validate.js";

export interface RatioSummary {
  readonly value: number;
  /** Delta-method variance of the ratio estimate. */
  readonly variance: number;
}

export function summarizeRatioArm(arm: RatioArm, field: string): RatioSummary {
  const n = requireCount(arm.n, `${field}.n`, 2);
  const sumNum = requireFinite(arm.sumNum, `${field}.sum_num`);
  const sumDen = requireFinite(arm.sumDen, `${field}.sum_den`);
  const sumNumDen = requireFinite(arm.sumNumDen, `${field}.sum_num_den`);
  requireFinite(arm.sumNumSquares, `${field}.sum_num_squares`);
  requireFinite(arm.sumDenSquares, `${field}.sum_den_squares`);
  if (sumDen === 0) throw new StatsInputError(`${field}.sum_den`, "must not be 0 (the ratio is undefined)");
  const varNum = sampleVariance(n, sumNum, arm.sumNumSquares, `${field}.sum_num_squares`);
  const varDen = sampleVariance(n, sumDen, arm.sumDenSquares, `${field}.sum_den_squares`);
  const cov = (sumNumDen - (sumNum * sumDen) / n) / (n - 1);
  const value = sumNum / sumDen;
  const meanDen = sumDen / n;
  const variance = Math.max(0, (varNum - 2 * value * cov + value * value * varDen) / (n * meanDen * meanDen));
  return { value, variance };
}

/**
 * Ratio metric Σnum/Σden per arm (e.g. revenue per session with users as units), compared by a z-test
 * with delta-method variances: Var(R) = (s_num² − 2R·cov + R²·s_den²)/(n·mean(den)²).
 * @example
 * const arm = { n: 100, sumNum: 50, sumNumSquares: 60, sumDen: 200, sumDenSquares: 500, sumNumDen: 120 };
 * ratioTest(arm, arm).diff; // 0
 */
export function ratioTest(control: RatioArm, treatment: RatioArm, options?: TestOptions): RatioTestResult {
  const { alpha, alternative } = resolveOptions(options);
  const c = summarizeRatioArm(control, "control");
  const t = summarizeRatioArm(treatment, "treatment");
  const diff = t.value - c.value;
  const se = Math.sqrt(c.variance + t.variance);
  const { pValue, ciLow, ciHigh } = infer(diff, se, alpha, alternative, standardNormal);
  return {
    controlValue: c.value,
    treatmentValue: t.value,
    diff,
    se,
    pValue,
    ciLow,
    ciHigh,
    ...relativeLift(c.value, t.value, c.variance, t.variance, alpha, alternative),
  };
}
