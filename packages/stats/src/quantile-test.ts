import { infer } from "./hypothesis.js";
import { relativeLift, standardNormal } from "./relative-lift.js";
import { StatsInputError } from "./stats-input-error.js";
import type { TestOptions } from "./types.js";
import { requireCount, requireFinite, requireOpenUnit, resolveOptions } from "./validate.js";

/** z = Φ⁻¹(0.975): the order-statistic ranks use it whatever the test's α (metrics-contract.md). */
const Z_RANKS = 1.959963984540054;

/** One arm of a quantile metric: its unit (or event) values, or the summary a warehouse computes in one pass. */
export type QuantileArm =
  | { readonly values: ReadonlyArray<number> }
  | {
      readonly n: number;
      readonly quantileValue: number;
      readonly orderLower: number;
      readonly orderUpper: number;
    };

/** The per-arm summary of a quantile: q̂ and the order statistics that give its standard error. */
export interface QuantileSummary {
  readonly n: number;
  readonly quantileValue: number;
  readonly orderLower: number;
  readonly orderUpper: number;
}

export interface QuantileTestResult {
  readonly controlQuantile: number;
  readonly treatmentQuantile: number;
  readonly diff: number;
  readonly se: number;
  readonly pValue: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly relLift: number;
  readonly relCiLow: number;
  readonly relCiHigh: number;
}

/**
 * 1-based ranks l, u of the order statistics around the p-quantile of n values (metrics-contract.md):
 * l = max(1, ⌊np − z√(np(1−p))⌋), u = min(n, ⌈np + z√(np(1−p))⌉), z = Φ⁻¹(0.975).
 * @example quantileRanks(1000, 0.9); // { lower: 881, upper: 919 }
 */
export function quantileRanks(n: number, p: number): { lower: number; upper: number } {
  const spread = Z_RANKS * Math.sqrt(n * p * (1 - p));
  return { lower: Math.max(1, Math.floor(n * p - spread)), upper: Math.min(n, Math.ceil(n * p + spread)) };
}

/**
 * The summary of one arm from its values: the type-7 sample quantile (numpy's default, linear interpolation
 * between order statistics) and the order statistics at the ranks of {@link quantileRanks}.
 * @example summarizeQuantile([1, 2, 3, 4, 5], 0.5).quantileValue; // 3
 */
export function summarizeQuantile(
  values: ReadonlyArray<number>,
  p: number,
  field = "values",
): QuantileSummary {
  const n = values.length;
  if (n < 2) throw new StatsInputError(field, `needs at least 2 values, got ${n}`);
  const sorted = values.map((v, i) => requireFinite(v, `${field}[${i}]`)).sort((a, b) => a - b);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] ?? 0;
  const b = sorted[Math.min(n - 1, lo + 1)] ?? a;
  const { lower, upper } = quantileRanks(n, p);
  return {
    n,
    quantileValue: a + (h - lo) * (b - a),
    orderLower: sorted[lower - 1] ?? a,
    orderUpper: sorted[upper - 1] ?? a,
  };
}

function armSummary(arm: QuantileArm, p: number, field: string): QuantileSummary {
  if ("values" in arm) return summarizeQuantile(arm.values, p, `${field}.values`);
  return {
    n: requireCount(arm.n, `${field}.n`, 2),
    quantileValue: requireFinite(arm.quantileValue, `${field}.quantile_value`),
    orderLower: requireFinite(arm.orderLower, `${field}.order_lower`),
    orderUpper: requireFinite(arm.orderUpper, `${field}.order_upper`),
  };
}

/**
 * Difference of a quantile between arms (metrics-contract.md, `quantile`): each arm's standard error from the
 * order-statistic interval, se = (x₍u₎ − x₍l₎)/(2z) — the distribution-free interval for a quantile read as a
 * normal one, as GrowthBook documents for its quantile metrics — then a z-test, and the relative lift by the
 * delta method.
 * @example quantileTest({ values: control }, { values: treatment }, 0.9).diff;
 */
export function quantileTest(
  control: QuantileArm,
  treatment: QuantileArm,
  quantile: number,
  options?: TestOptions,
): QuantileTestResult {
  const p = requireOpenUnit(quantile, "quantile");
  const { alpha, alternative } = resolveOptions(options);
  const c = armSummary(control, p, "control");
  const t = armSummary(treatment, p, "treatment");
  const seC = (c.orderUpper - c.orderLower) / (2 * Z_RANKS);
  const seT = (t.orderUpper - t.orderLower) / (2 * Z_RANKS);
  const diff = t.quantileValue - c.quantileValue;
  const se = Math.sqrt(seC * seC + seT * seT);
  const { pValue, ciLow, ciHigh } = infer(diff, se, alpha, alternative, standardNormal);
  return {
    controlQuantile: c.quantileValue,
    treatmentQuantile: t.quantileValue,
    diff,
    se,
    pValue,
    ciLow,
    ciHigh,
    ...relativeLift(c.quantileValue, t.quantileValue, seC * seC, seT * seT, alpha, alternative),
  };
}
