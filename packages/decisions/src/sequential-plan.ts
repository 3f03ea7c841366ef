import { type SpendingMethod, sequentialBounds } from "@assay/stats";

/** A group-sequential design: looks at planned information fractions, boundaries by alpha spending. */
export interface SequentialPlan {
  readonly method: SpendingMethod;
  readonly alpha: number;
  /** 0 < t_1 < … < t_K = 1. */
  readonly fractions: ReadonlyArray<number>;
  /** Two-sided critical values c_k for |Z| at each look. */
  readonly bounds: ReadonlyArray<number>;
}

/**
 * Boundaries for the planned looks from the engine's Lan–DeMets solver (Pocock-type spending by default).
 * @example createSequentialPlan({ fractions: [0.2, 0.4, 0.6, 0.8, 1] }).bounds; // ≈ 2.44 each (Pocock)
 */
export function createSequentialPlan(input: {
  readonly fractions: ReadonlyArray<number>;
  readonly method?: SpendingMethod;
  readonly alpha?: number;
}): SequentialPlan {
  const method = input.method ?? "pocock_spending";
  const alpha = input.alpha ?? 0.05;
  const { zBounds } = sequentialBounds({ method, alpha, informationFractions: [...input.fractions] });
  return { method, alpha, fractions: [...input.fractions], bounds: zBounds };
}

/**
 * The look due at information fraction `t`: the number of planned fractions reached (0 = none yet).
 * @example lookAt(plan, 0.45); // 2 with fractions [0.2, 0.4, 0.6, 0.8, 1]
 */
export function lookAt(plan: SequentialPlan, t: number): number {
  // A hair of tolerance so that n exactly at the planned sample counts as the final look.
  return plan.fractions.filter((f) => t >= f - 1e-9).length;
}

export type SequentialOutcome = "efficacy" | "harm" | "continue" | "final_no_effect";

/**
 * The decision at look `look` (1-based) for a z-statistic oriented so that positive is good:
 * stop for efficacy or harm only when |z| crosses the look's boundary; at the final look without
 * a crossing, there is no detectable effect.
 * @example sequentialOutcome(plan, 3, 2.9); // "efficacy" when c_3 < 2.9
 */
export function sequentialOutcome(plan: SequentialPlan, look: number, zGood: number): SequentialOutcome {
  const bound = plan.bounds[look - 1];
  if (bound === undefined || !Number.isFinite(zGood)) return "continue";
  if (zGood >= bound) return "efficacy";
  if (zGood <= -bound) return "harm";
  return look >= plan.fractions.length ? "final_no_effect" : "continue";
}

/** The boundary that applies at look `look`, or the first look's boundary before any look is reached. */
export function boundaryAt(plan: SequentialPlan, look: number): number {
  return plan.bounds[Math.max(0, Math.min(look, plan.bounds.length) - 1)] ?? Number.POSITIVE_INFINITY;
}

/**
 * The experiment's plan from its decision config (`sequential`), as the engine and the results summary use it.
 * @example planFromConfig(defaultDecisionConfig.sequential).fractions; // [0.2, 0.4, 0.6, 0.8, 1]
 */
export function planFromConfig(sequential: {
  readonly method: SpendingMethod;
  readonly alpha: number;
  readonly looks: ReadonlyArray<number>;
}): SequentialPlan {
  return createSequentialPlan({
    fractions: sequential.looks,
    method: sequential.method,
    alpha: sequential.alpha,
  });
}

/**
 * Planned units per variant: `minimum_sample_size`, else the power analysis' `n_per_variant` (null: no plan).
 * @example plannedPerVariant({ minimum_sample_size: null, power_analysis: { n_per_variant: 14749 } }); // 14749
 */
export function plannedPerVariant(e: {
  readonly minimum_sample_size: number | null;
  readonly power_analysis: { readonly n_per_variant: number } | null;
}): number | null {
  return e.minimum_sample_size ?? e.power_analysis?.n_per_variant ?? null;
}
