import { relativeLiftSe } from "@assay/stats";
import type { ArmStats, RatioArmStats } from "./policy-input.js";

/** Why a comparison cannot be tested yet. */
export type UntestableCause = "too_few_units" | "zero_denominator" | "no_variance" | "zero_control_mean";

/** One treatment against control on one metric: estimates on the absolute and the relative scale. */
export interface ArmComparison {
  readonly variant: string;
  readonly nControl: number;
  readonly nTreatment: number;
  readonly controlValue: number;
  readonly treatmentValue: number;
  /** treatment − control, and its standard error (Welch for means, delta method for ratios). */
  readonly diff: number;
  readonly se: number;
  /** treatment/control − 1 and its delta-method standard error; NaN when the control value is 0. */
  readonly relLift: number;
  readonly seRel: number;
  /** Why the absolute comparison is not testable (null: it is). */
  readonly untestable: UntestableCause | null;
}

interface Estimate {
  readonly value: number;
  /** Variance of the estimate (not of a unit). */
  readonly variance: number;
  readonly cause: UntestableCause | null;
}

const isRatio = (a: ArmStats): a is RatioArmStats => "sum_den" in a;

function variance(n: number, sum: number, squares: number): number {
  return Math.max(0, squares - (sum * sum) / n) / (n - 1);
}

/** The arm's estimate and its variance; never throws (too few units or a zero denominator is a cause). */
function estimate(arm: ArmStats | undefined): Estimate {
  if (arm === undefined || arm.n < 2)
    return { value: Number.NaN, variance: Number.NaN, cause: "too_few_units" };
  const n = arm.n;
  if (!isRatio(arm)) {
    return { value: arm.sum / n, variance: variance(n, arm.sum, arm.sum_squares) / n, cause: null };
  }
  if (arm.sum_den === 0) return { value: Number.NaN, variance: Number.NaN, cause: "zero_denominator" };
  const value = arm.sum_num / arm.sum_den;
  const meanDen = arm.sum_den / n;
  const varNum = variance(n, arm.sum_num, arm.sum_num_squares);
  const varDen = variance(n, arm.sum_den, arm.sum_den_squares);
  const cov = (arm.sum_num_den - (arm.sum_num * arm.sum_den) / n) / (n - 1);
  // Delta method, as @assay/stats ratioTest: Var(R) = (s_num² − 2R·cov + R²·s_den²)/(n·mean(den)²).
  const v = Math.max(0, (varNum - 2 * value * cov + value * value * varDen) / (n * meanDen * meanDen));
  return { value, variance: v, cause: null };
}

/**
 * Each treatment against the control on one metric, from the snapshot's cumulative arms. Unlike the
 * statistics engine's tests it never throws: a variant with fewer than 2 units, a zero denominator, no
 * variance or a zero control mean yields an untestable comparison with its cause ("not testable yet").
 * @example compareToControl({ control: { n: 100, sum: 10, sum_squares: 10 }, treatment: {...} }, "control", ["treatment"]);
 */
export function compareToControl(
  arms: Readonly<Record<string, ArmStats>>,
  control: string,
  treatments: ReadonlyArray<string>,
): ArmComparison[] {
  const c = estimate(arms[control]);
  return treatments.map((variant) => {
    const t = estimate(arms[variant]);
    const diff = t.value - c.value;
    const se = Math.sqrt(c.variance + t.variance);
    const seRel = relativeLiftSe(c.value, t.value, c.variance, t.variance);
    const relLift = Number.isFinite(seRel) ? diff / c.value : Number.NaN;
    const untestable = c.cause ?? t.cause ?? (se > 0 ? null : "no_variance");
    return {
      variant,
      nControl: arms[control]?.n ?? 0,
      nTreatment: arms[variant]?.n ?? 0,
      controlValue: c.value,
      treatmentValue: t.value,
      diff,
      se,
      relLift,
      seRel,
      untestable,
    };
  });
}

/** Why the relative comparison (guardrails) is not testable, or null. */
export function relativeUntestable(c: ArmComparison): UntestableCause | null {
  if (c.untestable !== null && c.untestable !== "no_variance") return c.untestable;
  if (!Number.isFinite(c.relLift)) return "zero_control_mean";
  return c.seRel > 0 ? null : "no_variance";
}
