import type { Comparison, MetricKind } from "./metric-results.js";
import {
  formatInterval,
  formatPercent,
  formatPercentagePoints,
  formatPValue,
  formatSignedPercent,
  formatSignedValue,
  formatValue,
} from "./number-format.js";

/** How a metric's level reads: a rate as a percentage, anything else as a number. */
export function formatLevel(kind: MetricKind): (x: number | null) => string {
  return kind === "proportion" ? (x) => formatPercent(x) : (x) => formatValue(x);
}

/** How an absolute difference reads: percentage points for rates, a signed number otherwise. */
export function formatDifference(kind: MetricKind): (x: number) => string {
  return kind === "proportion" ? (x) => formatPercentagePoints(x) : (x) => formatSignedValue(x);
}

/**
 * One comparison as the results table's text cells.
 * @example comparisonCells(c, "proportion").interval // "[+0.01 pp, +0.79 pp]"
 */
export function comparisonCells(
  c: Comparison,
  kind: MetricKind,
): {
  level: string;
  difference: string;
  relative: string;
  interval: string;
  pValue: string;
} {
  const diff = formatDifference(kind);
  return {
    level: formatLevel(kind)(c.mean),
    difference: c.upliftAbs === null ? "\u2014" : diff(c.upliftAbs),
    relative: formatSignedPercent(c.upliftRel, 1),
    interval: formatInterval(c.ciLow, c.ciHigh, diff),
    pValue: formatPValue(c.pValue),
  };
}
