import { chiSquareSf } from "./distributions.js";
import { StatsInputError } from "./stats-input-error.js";
import type { SrmResult } from "./types.js";
import { requireCount, requireOpenUnit, requirePositive } from "./validate.js";

/** Default p-value threshold below which a sample ratio mismatch is flagged. */
export const SRM_DEFAULT_THRESHOLD = 0.01;

/**
 * Sample ratio mismatch: Pearson's χ² goodness of fit of the observed unit counts per variant against
 * the expected allocation n·w_i/Σw, with k − 1 degrees of freedom.
 * @example
 * srmTest([5000, 5300], [50, 50]).srmDetected; // true (p ≈ 0.003)
 */
export function srmTest(
  observed: readonly number[],
  expectedWeights: readonly number[],
  options?: { readonly threshold?: number },
): SrmResult {
  const threshold = requireOpenUnit(options?.threshold ?? SRM_DEFAULT_THRESHOLD, "threshold");
  if (observed.length < 2) throw new StatsInputError("observed", "needs at least 2 variants");
  if (expectedWeights.length !== observed.length) {
    throw new StatsInputError(
      "expected_weights",
      `has ${expectedWeights.length} entries but observed has ${observed.length}`,
    );
  }
  for (const [i, count] of observed.entries()) requireCount(count, `observed[${i}]`, 0);
  for (const [i, weight] of expectedWeights.entries()) requirePositive(weight, `expected_weights[${i}]`);
  const total = observed.reduce((a, b) => a + b, 0);
  if (total === 0) throw new StatsInputError("observed", "all counts are 0");
  const weightSum = expectedWeights.reduce((a, b) => a + b, 0);
  let statistic = 0;
  observed.forEach((count, i) => {
    const expected = (total * (expectedWeights[i] ?? 0)) / weightSum;
    statistic += ((count - expected) * (count - expected)) / expected;
  });
  const df = observed.length - 1;
  const pValue = chiSquareSf(statistic, df);
  return { statistic, df, pValue, srmDetected: pValue < threshold };
}
