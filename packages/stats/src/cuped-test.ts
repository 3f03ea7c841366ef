import type { CupedArm, CupedTestResult, TestOptions } from "./types.js";
import { requireCount, requireFinite, sampleVariance } from "./validate.js";
import { type ArmSummary, welchFromSummaries } from "./welch-test.js";

/** Below this pooled var(X) the covariate is treated as constant and CUPED is not applied. */
export const CUPED_MIN_COVARIATE_VARIANCE = 1e-12;

interface CupedMoments {
  readonly n: number;
  readonly meanY: number;
  readonly meanX: number;
  readonly varY: number;
  readonly varX: number;
  readonly covXY: number;
}

function moments(arm: CupedArm, field: string): CupedMoments {
  const n = requireCount(arm.n, `${field}.n`, 2);
  const sum = requireFinite(arm.sum, `${field}.sum`);
  const sumX = requireFinite(arm.sumX, `${field}.sum_x`);
  const sumXY = requireFinite(arm.sumXY, `${field}.sum_xy`);
  return {
    n,
    meanY: sum / n,
    meanX: sumX / n,
    varY: sampleVariance(
      n,
      sum,
      requireFinite(arm.sumSquares, `${field}.sum_squares`),
      `${field}.sum_squares`,
    ),
    varX: sampleVariance(
      n,
      sumX,
      requireFinite(arm.sumXSquares, `${field}.sum_x_squares`),
      `${field}.sum_x_squares`,
    ),
    covXY: (sumXY - (sum * sumX) / n) / (n - 1),
  };
}

/**
 * CUPED (Deng et al. 2013): the outcome Y adjusted by a pre-period covariate X, Y − θ(X − X̄), with
 * θ = cov(X,Y)/var(X) pooled over both arms. Following the platform's rule, CUPED is not applied
 * (θ = 0) when var(X) ≤ 1e-12 or cov(X,Y) ≤ 0. The adjusted means are compared by Welch's test;
 * `varianceReductionPct` = 100·(1 − se_adjusted²/se_raw²).
 * @example
 * const arm = { n: 3, sum: 6, sumSquares: 14, sumX: 6, sumXSquares: 14, sumXY: 14 };
 * cupedTest(arm, arm).theta; // 1
 */
export function cupedTest(control: CupedArm, treatment: CupedArm, options?: TestOptions): CupedTestResult {
  const c = moments(control, "control");
  const t = moments(treatment, "treatment");
  const n = c.n + t.n;
  const sumX = control.sumX + treatment.sumX;
  const sumY = control.sum + treatment.sum;
  const pooledMeanX = sumX / n;
  const pooledVarX = Math.max(0, control.sumXSquares + treatment.sumXSquares - (sumX * sumX) / n) / (n - 1);
  const pooledCov = (control.sumXY + treatment.sumXY - (sumX * sumY) / n) / (n - 1);
  const candidate = pooledVarX > CUPED_MIN_COVARIATE_VARIANCE && pooledCov > 0 ? pooledCov / pooledVarX : 0;
  const cupedApplied = candidate > 0;
  const theta = cupedApplied ? candidate : 0;

  const adjust = (m: CupedMoments): ArmSummary => ({
    n: m.n,
    mean: m.meanY - theta * (m.meanX - pooledMeanX),
    variance: Math.max(0, m.varY + theta * theta * m.varX - 2 * theta * m.covXY),
  });
  const raw = welchFromSummaries(
    { n: c.n, mean: c.meanY, variance: c.varY },
    { n: t.n, mean: t.meanY, variance: t.varY },
    options,
  );
  const adjusted = cupedApplied ? welchFromSummaries(adjust(c), adjust(t), options) : raw;
  const varianceReductionPct = raw.se > 0 ? 100 * (1 - (adjusted.se * adjusted.se) / (raw.se * raw.se)) : 0;
  return {
    cupedApplied,
    theta,
    controlMean: adjusted.controlMean,
    treatmentMean: adjusted.treatmentMean,
    diff: adjusted.diff,
    se: adjusted.se,
    df: adjusted.df,
    pValue: adjusted.pValue,
    ciLow: adjusted.ciLow,
    ciHigh: adjusted.ciHigh,
    varianceReductionPct,
  };
}
