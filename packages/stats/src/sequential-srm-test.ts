import gammaln from "@stdlib/math-base-special-gammaln";
import { StatsInputError } from "./stats-input-error.js";
import { requireFinite, requireOpenUnit, requirePositive } from "./validate.js";

export interface SequentialSrmOptions {
  /** Alert level; default 0.01 (an alert when the always-valid p falls below it). */
  readonly alpha?: number;
  /**
   * Concentration k of the Dirichlet prior Dir(k·p) centred on the expected shares p; default 1000
   * (prior standard deviation of a 50 % share ≈ 1.6 points: tuned for imbalances of about a point).
   */
  readonly concentration?: number;
}

export interface SequentialSrmResult {
  /** ln of the Dirichlet–multinomial Bayes factor against the configured allocation. */
  readonly logBayesFactor: number;
  /** Always-valid p-value min(1, 1/BF) at this look (take the running minimum over looks). */
  readonly pValue: number;
  readonly srmDetected: boolean;
}

/**
 * Sequential sample-ratio-mismatch test valid under continuous monitoring: the Dirichlet–multinomial Bayes
 * factor of Lindon & Malek (2022, "Anytime-valid inference for multinomial count data"). With cumulative
 * counts x, expected shares p and prior Dir(α = k·p):
 * ln BF = ln Γ(Σα) − ln Γ(Σα + n) + Σ[ln Γ(α_i + x_i) − ln Γ(α_i)] − Σ x_i ln p_i.
 * Under the configured allocation BF is a nonnegative martingale, so P(∃ look: BF ≥ 1/alpha) ≤ alpha however
 * often it is computed (Ville's inequality); the χ² `srmTest` only holds for a single look.
 * @example sequentialSrmTest([50_900, 49_100], [50, 50]).srmDetected; // true: 51/49 at 100k units
 */
export function sequentialSrmTest(
  observed: ReadonlyArray<number>,
  expectedWeights: ReadonlyArray<number>,
  options: SequentialSrmOptions = {},
): SequentialSrmResult {
  const alpha = requireOpenUnit(options.alpha ?? 0.01, "alpha");
  const k = requirePositive(options.concentration ?? 1000, "concentration");
  if (observed.length < 2) throw new StatsInputError("observed", "needs at least 2 variants");
  if (observed.length !== expectedWeights.length) {
    throw new StatsInputError("expected_weights", "must have one weight per observed count");
  }
  let weightSum = 0;
  expectedWeights.forEach((w, i) => {
    weightSum += requirePositive(w, `expected_weights[${i}]`);
  });
  let n = 0;
  let logBf = 0;
  observed.forEach((x, i) => {
    requireFinite(x, `observed[${i}]`);
    if (!Number.isInteger(x) || x < 0) {
      throw new StatsInputError(`observed[${i}]`, `must be an integer ≥ 0, got ${x}`);
    }
    const p = (expectedWeights[i] ?? 0) / weightSum;
    const a = k * p;
    n += x;
    logBf += gammaln(a + x) - gammaln(a) - x * Math.log(p);
  });
  logBf += gammaln(k) - gammaln(k + n);
  const pValue = Math.min(1, Math.exp(-logBf));
  return { logBayesFactor: logBf, pValue, srmDetected: pValue < alpha };
}
