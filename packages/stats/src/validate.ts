import { StatsInputError } from "./stats-input-error.js";
import type { Alternative, TestOptions } from "./types.js";

export function requireFinite(value: number, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new StatsInputError(field, `must be a finite number, got ${String(value)}`);
  }
  return value;
}

export function requireCount(value: number, field: string, minimum: number): number {
  requireFinite(value, field);
  if (!Number.isInteger(value) || value < minimum) {
    throw new StatsInputError(field, `must be an integer ≥ ${minimum}, got ${value}`);
  }
  return value;
}

export function requireNonNegative(value: number, field: string): number {
  requireFinite(value, field);
  if (value < 0) throw new StatsInputError(field, `must be ≥ 0, got ${value}`);
  return value;
}

export function requirePositive(value: number, field: string): number {
  requireFinite(value, field);
  if (value <= 0) throw new StatsInputError(field, `must be > 0, got ${value}`);
  return value;
}

/** Requires a value strictly inside (0, 1), as for alpha, power and rates. */
export function requireOpenUnit(value: number, field: string): number {
  requireFinite(value, field);
  if (value <= 0 || value >= 1) throw new StatsInputError(field, `must be in (0, 1), got ${value}`);
  return value;
}

/**
 * A sample variance from sums; rounding can make a zero variance slightly negative, which is clamped,
 * while a clearly negative one means the sums are inconsistent.
 */
export function sampleVariance(n: number, sum: number, sumSquares: number, field: string): number {
  const centred = sumSquares - (sum * sum) / n;
  const scale = Math.max(Math.abs(sumSquares), (sum * sum) / n);
  if (centred < -1e-9 * scale) {
    throw new StatsInputError(field, "is smaller than sum²/n, so the variance would be negative");
  }
  return Math.max(centred, 0) / (n - 1);
}

export interface ResolvedOptions {
  readonly alpha: number;
  readonly alternative: Alternative;
}

export function resolveOptions(options: TestOptions | undefined): ResolvedOptions {
  const alpha = requireOpenUnit(options?.alpha ?? 0.05, "alpha");
  const alternative = options?.alternative ?? "two-sided";
  if (alternative !== "two-sided" && alternative !== "greater" && alternative !== "less") {
    throw new StatsInputError(
      "alternative",
      `must be "two-sided", "greater" or "less", got ${String(alternative)}`,
    );
  }
  return { alpha, alternative };
}
