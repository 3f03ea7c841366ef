import { extent } from "./scale.js";

/** One row of a forest plot on the difference scale. */
export interface ForestInterval {
  readonly estimate: number | null;
  readonly low: number | null;
  readonly high: number | null;
}

/** An interval wider than this many times the median interval is clipped at the axis instead of stretching it. */
export const CLIP_WIDTH_FACTOR = 3;

/**
 * The range a forest plot's axis must show: zero and every row whose interval is at most
 * {@link CLIP_WIDTH_FACTOR} times the median width. A tiny segment's huge interval would otherwise squeeze the
 * real segments into dots; it is drawn clipped, with an arrow, instead. Undefined when no row has a number.
 * @example forestDomain([{ estimate: 0.01, low: 0, high: 0.02 }, { estimate: 0.02, low: 0.01, high: 0.03 }, { estimate: 0.1, low: -0.3, high: 0.5 }]) // [0, 0.03]
 */
export function forestDomain(rows: ReadonlyArray<ForestInterval>): [number, number] | undefined {
  const widths = rows
    .filter((r) => r.low !== null && r.high !== null)
    .map((r) => r.high! - r.low!)
    .sort((a, b) => a - b);
  const median = widths.length === 0 ? 0 : widths[Math.floor((widths.length - 1) / 2)]!;
  const regular = (r: ForestInterval) =>
    widths.length < 3 ||
    median <= 0 ||
    r.low === null ||
    r.high === null ||
    r.high - r.low <= CLIP_WIDTH_FACTOR * median;
  const kept = rows.filter(regular);
  const values = (kept.length > 0 ? kept : rows).flatMap((r) => [r.low, r.high, r.estimate]);
  return extent([...values, 0]);
}
