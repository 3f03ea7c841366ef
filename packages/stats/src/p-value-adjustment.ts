import { StatsInputError } from "./stats-input-error.js";
import { requireFinite } from "./validate.js";

export type AdjustmentMethod = "holm" | "bh";

/**
 * Multiple-testing adjusted p-values, in input order, capped at 1: Holm's step-down (family-wise error)
 * or Benjamini–Hochberg's step-up (false discovery rate).
 * @example
 * adjustPValues("holm", [0.01, 0.04, 0.03]); // [0.03, 0.06, 0.06]
 */
export function adjustPValues(method: AdjustmentMethod, pValues: readonly number[]): number[] {
  if (method !== "holm" && method !== "bh") {
    throw new StatsInputError("method", `must be "holm" or "bh", got ${String(method)}`);
  }
  for (const [i, p] of pValues.entries()) {
    requireFinite(p, `p_values[${i}]`);
    if (p < 0 || p > 1) throw new StatsInputError(`p_values[${i}]`, `must be in [0, 1], got ${p}`);
  }
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((i, j) => (pValues[i] ?? 0) - (pValues[j] ?? 0));
  const adjusted = new Array<number>(m).fill(0);
  if (method === "holm") {
    let running = 0;
    order.forEach((index, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * (pValues[index] ?? 0)));
      adjusted[index] = running;
    });
  } else {
    let running = 1;
    for (let rank = m - 1; rank >= 0; rank--) {
      const index = order[rank] ?? 0;
      const raw = pValues[index] ?? 0;
      running = Math.min(running, (m * raw) / (rank + 1));
      // m·p/rank ≥ p exactly; the max only undoes rounding.
      adjusted[index] = Math.max(raw, running);
    }
  }
  return adjusted;
}
