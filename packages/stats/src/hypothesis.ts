import type { Alternative } from "./types.js";

/** A reference distribution for a standardized statistic: its upper tail and quantile. */
export interface ReferenceDistribution {
  readonly sf: (x: number) => number;
  readonly quantile: (p: number) => number;
}

export interface Inference {
  readonly pValue: number;
  readonly ciLow: number;
  readonly ciHigh: number;
}

/**
 * p-value and confidence interval for an estimate with standard error `se` under a symmetric reference
 * distribution. One-sided alternatives give a one-sided p-value and a half-infinite interval.
 */
export function infer(
  estimate: number,
  se: number,
  alpha: number,
  alternative: Alternative,
  distribution: ReferenceDistribution,
): Inference {
  if (se === 0) {
    const pValue = estimate === 0 ? 1 : pointMassPValue(estimate, alternative);
    return { pValue, ciLow: estimate, ciHigh: estimate };
  }
  const statistic = estimate / se;
  if (alternative === "two-sided") {
    const half = distribution.quantile(1 - alpha / 2) * se;
    return {
      pValue: Math.min(1, 2 * distribution.sf(Math.abs(statistic))),
      ciLow: estimate - half,
      ciHigh: estimate + half,
    };
  }
  const margin = distribution.quantile(1 - alpha) * se;
  if (alternative === "greater") {
    return { pValue: distribution.sf(statistic), ciLow: estimate - margin, ciHigh: Number.POSITIVE_INFINITY };
  }
  return { pValue: distribution.sf(-statistic), ciLow: Number.NEGATIVE_INFINITY, ciHigh: estimate + margin };
}

function pointMassPValue(estimate: number, alternative: Alternative): number {
  if (alternative === "greater") return estimate > 0 ? 0 : 1;
  if (alternative === "less") return estimate < 0 ? 0 : 1;
  return 0;
}
