/** Number formatting as analysts read it: percentages, percentage points, p-values, intervals. */

const MINUS = "\u2212";
const DASH = "\u2014";

function withMinus(text: string): string {
  return text.startsWith("-") ? MINUS + text.slice(1) : text;
}

function isNumber(x: number | null | undefined): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/**
 * A count with thousands separators.
 * @example formatCount(10020) // "10,020"
 */
export function formatCount(n: number | null | undefined): string {
  if (!isNumber(n)) return DASH;
  return withMinus(Math.round(n).toLocaleString("en-US"));
}

/**
 * A proportion as a percentage.
 * @example formatPercent(0.0342) // "3.42%"
 */
export function formatPercent(x: number | null | undefined, digits = 2): string {
  if (!isNumber(x)) return DASH;
  return `${withMinus((x * 100).toFixed(digits))}%`;
}

/**
 * A signed relative change (a fraction) as a percentage.
 * @example formatSignedPercent(0.1234) // "+12.34%"
 */
export function formatSignedPercent(x: number | null | undefined, digits = 2): string {
  if (!isNumber(x)) return DASH;
  const text = (x * 100).toFixed(digits);
  if (Number(text) === 0) return `${(0).toFixed(digits)}%`;
  return `${x > 0 ? "+" : ""}${withMinus(text)}%`;
}

/**
 * A difference of two proportions in percentage points.
 * @example formatPercentagePoints(0.004) // "+0.40 pp"
 */
export function formatPercentagePoints(x: number | null | undefined, digits = 2): string {
  if (!isNumber(x)) return DASH;
  const text = (x * 100).toFixed(digits);
  if (Number(text) === 0) return `${(0).toFixed(digits)} pp`;
  return `${x > 0 ? "+" : ""}${withMinus(text)} pp`;
}

/**
 * A measured value with a sensible number of significant digits (4), grouped, no exponent for everyday sizes.
 * @example formatValue(1234.5678) // "1,235"; formatValue(0.012345) // "0.01235"
 */
export function formatValue(x: number | null | undefined, significant = 4): string {
  if (!isNumber(x)) return DASH;
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 1e15 || abs < 1e-6) return withMinus(x.toExponential(significant - 1));
  const magnitude = Math.floor(Math.log10(abs));
  const decimals = Math.max(0, significant - 1 - magnitude);
  return withMinus(x.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: decimals }));
}

/** A signed value (differences of means). */
export function formatSignedValue(x: number | null | undefined, significant = 4): string {
  if (!isNumber(x)) return DASH;
  const text = formatValue(x, significant);
  return x > 0 && text !== "0" ? `+${text}` : text;
}

/**
 * A two-sided p-value: three decimals, "< 0.001" below that, "> 0.999" above.
 * @example formatPValue(0.0412) // "0.041"; formatPValue(0.00002) // "< 0.001"
 */
export function formatPValue(p: number | null | undefined): string {
  if (!isNumber(p)) return DASH;
  if (p < 0.001) return "< 0.001";
  if (p > 0.999) return "> 0.999";
  return p.toFixed(3);
}

/**
 * An interval with a formatter for its ends.
 * @example formatInterval(-0.0012, 0.0084, formatPercentagePoints) // "[−0.12 pp, +0.84 pp]"
 */
export function formatInterval(
  low: number | null | undefined,
  high: number | null | undefined,
  format: (x: number) => string,
): string {
  if (!isNumber(low) || !isNumber(high)) return DASH;
  return `[${format(low)}, ${format(high)}]`;
}

/**
 * A date (ISO timestamp or day) as "12 Feb 2026", UTC.
 * @example formatDate("2026-02-12T09:00:00Z") // "12 Feb 2026"
 */
export function formatDate(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === "") return DASH;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return DASH;
  return new Date(t).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
}

/** A timestamp as "12 Feb 2026, 09:00 UTC". */
export function formatDateTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === "") return DASH;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return DASH;
  const d = new Date(t);
  const time = d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  return `${formatDate(iso)}, ${time} UTC`;
}
