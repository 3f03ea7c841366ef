import { normalCdf } from "./distributions.js";
import { requireOpenUnit, requirePositive } from "./validate.js";

/**
 * ρ of the asymptotic confidence sequence, chosen so that the boundary is tightest when the total sample
 * reaches `tuningN` (Waudby-Smith et al. 2023, eq. 161): ρ = √((−2 ln α + ln(−2 ln α + 1)) / N*).
 * @example mixtureRho(0.05, 10000); // ≈ 0.0282
 */
export function mixtureRho(alpha: number, tuningN: number): number {
  requireOpenUnit(alpha, "alpha");
  requirePositive(tuningN, "tuning_n");
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(l + 1)) / tuningN);
}

/** Which side(s) the mixture martingale bets on. */
export type MixtureSides = "two-sided" | "greater";

/**
 * ln E of the normal-mixture e-process at a look, in z units: z = estimate/se with se² = σ²/N, and
 * u = N·ρ². Two-sided (a normal mixing density, Robbins 1970; the contract's confidence sequence):
 * ln E = −½ ln(1 + u) + w²/2 with w = z·√(u/(1 + u)). One-sided (a half-normal mixing density on the
 * positive side, Howard et al. 2021 §3.5): ln E = ln 2 − ½ ln(1 + u) + w²/2 + ln Φ(w). Under the null
 * (true value 0, or ≤ 0 for one-sided), E is asymptotically a nonnegative supermartingale, so
 * P(∃ look: E ≥ 1/α) ≤ α whatever the schedule of looks (Ville's inequality).
 * @example Math.exp(-mixtureLogE(3.2, 8, "two-sided")); // the always-valid p at z = 3.2, N·ρ² = 8
 */
export function mixtureLogE(z: number, u: number, sides: MixtureSides): number {
  const w = z * Math.sqrt(u / (1 + u));
  const base = -0.5 * Math.log1p(u) + (w * w) / 2;
  if (sides === "two-sided") return base;
  const tail = normalCdf(w);
  // For very negative w, ln Φ(w) ≈ −w²/2 − ln(−w√(2π)): keeps the one-sided E finite and tiny.
  const logTail = tail > 1e-300 ? Math.log(tail) : -(w * w) / 2 - Math.log(-w * Math.sqrt(2 * Math.PI));
  return Math.LN2 + base + logTail;
}

/**
 * The smallest |z| (two-sided) or z (one-sided) at which E reaches 1/α: the boundary in z units.
 * Two-sided it is closed form, √(2(1 + u)/u · ln(√(1 + u)/α)); one-sided it is found by bisection
 * (ln E is increasing in z).
 * @example mixtureBoundary(0.05, 7.94, "two-sided"); // ≈ 3.03
 */
export function mixtureBoundary(alpha: number, u: number, sides: MixtureSides): number {
  if (!(u > 0)) return Number.POSITIVE_INFINITY;
  const target = -Math.log(alpha);
  const twoSided = Math.sqrt(((2 * (1 + u)) / u) * (0.5 * Math.log1p(u) + target));
  if (sides === "two-sided") return twoSided;
  // The one-sided boundary lies between the two-sided ones at 2α (below) and at α (above); ln E is increasing
  // and convex enough in z there for safeguarded Newton steps to converge in a few iterations.
  let lo = Math.sqrt(((2 * (1 + u)) / u) * Math.max(0, 0.5 * Math.log1p(u) + target - Math.LN2));
  let hi = twoSided;
  const scale = Math.sqrt(u / (1 + u));
  let z = lo;
  for (let i = 0; i < 50; i++) {
    const f = mixtureLogE(z, u, sides) - target;
    if (Math.abs(f) < 1e-12) return z;
    if (f > 0) hi = z;
    else lo = z;
    const w = z * scale;
    const slope = scale * (w + Math.exp(-(w * w) / 2) / (Math.sqrt(2 * Math.PI) * normalCdf(w)));
    const next = z - f / slope;
    z = next > lo && next < hi ? next : (lo + hi) / 2;
    if (hi - lo < 1e-12 * hi) break;
  }
  return z;
}

/** The always-valid p-value at one look, min(1, 1/E). */
export function mixturePValue(z: number, u: number, sides: MixtureSides): number {
  if (!Number.isFinite(z)) return Number.isNaN(z) ? Number.NaN : z > 0 || sides === "two-sided" ? 0 : 1;
  return Math.min(1, Math.exp(-mixtureLogE(z, u, sides)));
}
