import { normalQuantile, normalSf } from "./distributions.js";
import { StatsInputError } from "./stats-input-error.js";

export type SpendingMethod = "pocock_spending" | "obrien_fleming_spending";

export const SPENDING_METHODS: readonly SpendingMethod[] = ["pocock_spending", "obrien_fleming_spending"];

/**
 * Lan–DeMets (1983) alpha spending functions, two-sided, at information fraction t ∈ [0, 1]:
 * Pocock-type α·ln(1 + (e − 1)t); O'Brien–Fleming-type 4 − 4Φ(z_{1−α/4}/√t), which spends α at t = 1
 * (as rpact's two-sided "asOF"; the contract's "2 − 2Φ(z_{1−α/4}/√t)" would spend only α/2 in total).
 * @example
 * alphaSpending("pocock_spending", 0.05, 1); // 0.05
 */
export function alphaSpending(method: SpendingMethod, alpha: number, t: number): number {
  if (t <= 0) return 0;
  if (method === "pocock_spending") return alpha * Math.log(1 + (Math.E - 1) * Math.min(t, 1));
  if (method === "obrien_fleming_spending") {
    return 4 * normalSf(normalQuantile(1 - alpha / 4) / Math.sqrt(Math.min(t, 1)));
  }
  throw new StatsInputError("method", `must be one of ${SPENDING_METHODS.join(", ")}, got ${String(method)}`);
}
