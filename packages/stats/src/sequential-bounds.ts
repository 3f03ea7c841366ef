import { alphaSpending, SPENDING_METHODS, type SpendingMethod } from "./alpha-spending.js";
import { normalCdf, normalQuantile } from "./distributions.js";
import { StatsInputError } from "./stats-input-error.js";
import { requireFinite, requireOpenUnit } from "./validate.js";

export interface SequentialBoundsInput {
  readonly method: SpendingMethod;
  /** Two-sided overall significance level; default 0.05. */
  readonly alpha?: number;
  /** Information fractions 0 < t_1 < … < t_K ≤ 1 of the planned looks (t_K = 1 at the final analysis). */
  readonly informationFractions: readonly number[];
}

export interface SequentialBoundsResult {
  /** Symmetric two-sided critical values c_k for |Z_k|. */
  readonly zBounds: number[];
  /** α(t_k): the spending function at each look. */
  readonly alphaSpentCumulative: number[];
}

/** Grid points per standard deviation of the narrowest Gaussian kernel the grid meets. */
const POINTS_PER_SD = 8;
/** The densities are carried only within this many standard deviations of 0 (the mass beyond is < 1e-18). */
const DENSITY_HALF_WIDTH_SD = 9;
/** Kernel terms farther than this many kernel standard deviations are below double precision and skipped. */
const KERNEL_CUTOFF_SD = 9;
const MAX_INTERVALS = 40_000;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The sub-density of the score S_k = Z_k·√t_k on the continuation region, on a uniform Simpson grid. */
interface Density {
  readonly start: number;
  readonly step: number;
  readonly points: Float64Array;
  /** Simpson weight × density at each point. */
  readonly weighted: Float64Array;
}

function simpsonGrid(
  halfWidth: number,
  maxStep: number,
): { start: number; step: number; points: Float64Array } {
  const intervals = Math.min(MAX_INTERVALS, Math.max(2, 2 * Math.ceil(halfWidth / maxStep)));
  const step = (2 * halfWidth) / intervals;
  const points = new Float64Array(intervals + 1);
  for (let i = 0; i <= intervals; i++) points[i] = -halfWidth + i * step;
  return { start: -halfWidth, step, points };
}

function simpsonWeight(i: number, last: number, step: number): number {
  if (i === 0 || i === last) return step / 3;
  return ((i % 2 === 1 ? 4 : 2) * step) / 3;
}

/** P(|S_k| ≥ b, still continuing at k−1) = ∫ g_{k−1}(u)·[Φ((−b−u)/σ) + Φ((u−b)/σ)] du, σ² = t_k − t_{k−1}. */
function exitProbability(previous: Density, b: number, sd: number): number {
  let total = 0;
  const { points, weighted } = previous;
  for (let i = 0; i < points.length; i++) {
    const u = points[i] as number;
    total += (weighted[i] as number) * (normalCdf((-b - u) / sd) + normalCdf((u - b) / sd));
  }
  return total;
}

/** d/db of {@link exitProbability}. */
function exitProbabilitySlope(previous: Density, b: number, sd: number): number {
  let total = 0;
  const { points, weighted } = previous;
  for (let i = 0; i < points.length; i++) {
    const u = points[i] as number;
    const lo = (-b - u) / sd;
    const hi = (u - b) / sd;
    total -= (weighted[i] as number) * (Math.exp(-0.5 * lo * lo) + Math.exp(-0.5 * hi * hi));
  }
  return (total * INV_SQRT_2PI) / sd;
}

/**
 * Solves exitProbability(b) = target for b on [0, upper] by Newton's method on log(exit probability),
 * safeguarded by bisection (the exit probability decreases in b).
 */
function solveBound(previous: Density, sd: number, target: number, upper: number): number {
  let lo = 0;
  let hi = upper;
  let b = upper;
  for (let iteration = 0; iteration < 100; iteration++) {
    const value = exitProbability(previous, b, sd);
    if (Math.abs(value - target) <= 1e-12 * target) return b;
    if (value > target) lo = b;
    else hi = b;
    const slope = exitProbabilitySlope(previous, b, sd);
    let next =
      value > 0 && slope < 0 ? b - (Math.log(value) - Math.log(target)) / (slope / value) : Number.NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - b) <= 1e-12 * Math.max(1, b)) return next;
    b = next;
  }
  return b;
}

/**
 * Two-sided symmetric group-sequential boundaries by Lan–DeMets alpha spending. The boundary c_k solves
 * P(|Z_1| < c_1, …, |Z_{k−1}| < c_{k−1}, |Z_k| ≥ c_k) = α(t_k) − α(t_{k−1}) under H0 with
 * corr(Z_i, Z_j) = √(t_i/t_j). The sub-density of the score S_k = Z_k√t_k on the continuation region is
 * propagated by recursive numerical integration (Armitage, McPherson & Rowe 1969; Jennison & Turnbull
 * 2000, ch. 19) with Simpson's rule on a grid fine enough for each look's increment.
 * @example
 * sequentialBounds({ method: "obrien_fleming_spending", alpha: 0.05, informationFractions: [0.5, 1] }).zBounds;
 * // ≈ [2.963, 1.969]
 */
export function sequentialBounds(input: SequentialBoundsInput): SequentialBoundsResult {
  if (!SPENDING_METHODS.includes(input.method)) {
    throw new StatsInputError(
      "method",
      `must be one of ${SPENDING_METHODS.join(", ")}, got ${String(input.method)}`,
    );
  }
  const alpha = requireOpenUnit(input.alpha ?? 0.05, "alpha");
  const fractions = input.informationFractions;
  if (!Array.isArray(fractions) || fractions.length === 0) {
    throw new StatsInputError("information_fractions", "needs at least one look");
  }
  fractions.forEach((t, k) => {
    requireFinite(t, `information_fractions[${k}]`);
    if (t <= 0 || t > 1)
      throw new StatsInputError(`information_fractions[${k}]`, `must be in (0, 1], got ${t}`);
    if (k > 0 && t <= (fractions[k - 1] as number)) {
      throw new StatsInputError(`information_fractions[${k}]`, "must be greater than the previous fraction");
    }
  });

  const alphaSpentCumulative = fractions.map((t) => alphaSpending(input.method, alpha, t));
  const zBounds: number[] = [];
  let density: Density | undefined;
  for (let k = 0; k < fractions.length; k++) {
    const t = fractions[k] as number;
    const previousT = k === 0 ? 0 : (fractions[k - 1] as number);
    const target =
      (alphaSpentCumulative[k] as number) - (k === 0 ? 0 : (alphaSpentCumulative[k - 1] as number));
    const sqrtT = Math.sqrt(t);
    // Ignoring earlier looks gives an upper bound for c_k: the exit probability is at most P(|Z_k| ≥ c).
    const unconditional = target > 0 ? -normalQuantile(target / 2) : Number.POSITIVE_INFINITY;
    let bound: number;
    if (density === undefined) bound = unconditional;
    else if (!(target > 0)) bound = Number.POSITIVE_INFINITY;
    else bound = solveBound(density, Math.sqrt(t - previousT), target, unconditional * sqrtT) / sqrtT;
    zBounds.push(bound);
    if (k === fractions.length - 1) break;
    density = propagate(density, previousT, t, bound, (fractions[k + 1] as number) - t);
  }
  return { zBounds, alphaSpentCumulative };
}

/**
 * The sub-density of S_k on (−c_k√t_k, c_k√t_k): for the first look the N(0, t_1) density, later
 * g_k(s) = ∫ g_{k−1}(u)·φ((s − u)/σ)/σ du with σ² = t_k − t_{k−1}.
 */
function propagate(
  previous: Density | undefined,
  previousT: number,
  t: number,
  zBound: number,
  nextIncrement: number,
): Density {
  const sqrtT = Math.sqrt(t);
  const halfWidth = Math.min(zBound, DENSITY_HALF_WIDTH_SD) * sqrtT;
  const maxStep = Math.min(sqrtT, Math.sqrt(nextIncrement), Math.sqrt(t - previousT)) / POINTS_PER_SD;
  const grid = simpsonGrid(halfWidth, maxStep);
  const last = grid.points.length - 1;
  const weighted = new Float64Array(grid.points.length);
  if (previous === undefined) {
    for (let j = 0; j <= last; j++) {
      const z = (grid.points[j] as number) / sqrtT;
      weighted[j] = (simpsonWeight(j, last, grid.step) * Math.exp(-0.5 * z * z) * INV_SQRT_2PI) / sqrtT;
    }
    return { ...grid, weighted };
  }
  const sd = Math.sqrt(t - previousT);
  const reach = KERNEL_CUTOFF_SD * sd;
  const previousLast = previous.points.length - 1;
  for (let j = 0; j <= last; j++) {
    const s = grid.points[j] as number;
    const from = Math.max(0, Math.floor((s - reach - previous.start) / previous.step));
    const to = Math.min(previousLast, Math.ceil((s + reach - previous.start) / previous.step));
    let value = 0;
    for (let i = from; i <= to; i++) {
      const z = (s - (previous.points[i] as number)) / sd;
      value += (previous.weighted[i] as number) * Math.exp(-0.5 * z * z);
    }
    weighted[j] = (simpsonWeight(j, last, grid.step) * value * INV_SQRT_2PI) / sd;
  }
  return { ...grid, weighted };
}
