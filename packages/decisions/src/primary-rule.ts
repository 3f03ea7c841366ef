import { mixtureBoundary, mixturePValue, mixtureRho, normalQuantile, normalSf } from "@assay/stats";
import type { ArmComparison } from "./arm-comparison.js";
import type { DecisionConfig } from "./decision-config.js";
import { type DecisionReason, reason } from "./decision-reason.js";
import type { PrimaryOutcome } from "./policy-state.js";
import { boundaryAt, lookAt, planFromConfig } from "./sequential-plan.js";

/** One treatment's primary comparison under the experiment's analysis method. */
export interface PrimaryComparison extends ArmComparison {
  /** z = diff/se (NaN when untestable). */
  readonly z: number;
  /** The |z| the method requires now (always_valid: the confidence sequence's; null before a look). */
  readonly boundary: number | null;
  /** The method's p-value (always_valid: always-valid p; otherwise the fixed-sample normal p). */
  readonly pValue: number | null;
  /** The method's interval for diff and the relative lift (always_valid: the confidence sequence). */
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  readonly relCiLow: number | null;
  readonly relCiHigh: number | null;
  /** Where this comparison stands at this run, oriented by the metric's good direction. */
  readonly outcome: PrimaryOutcome;
}

export interface PrimaryInput {
  readonly metricKey: string;
  readonly direction: "increase" | "decrease";
  readonly comparisons: ReadonlyArray<ArmComparison>;
  readonly config: DecisionConfig;
  /** Smallest arm ÷ planned units per variant (0 without a plan), capped at 1. */
  readonly informationFraction: number;
  readonly plannedPerVariant: number | null;
  readonly pastPlannedEnd: boolean;
  readonly previous: { readonly outcome: PrimaryOutcome; readonly look: number };
}

export interface PrimaryVerdict {
  readonly outcome: PrimaryOutcome;
  readonly look: number;
  readonly comparisons: ReadonlyArray<PrimaryComparison>;
  readonly reasons: ReadonlyArray<DecisionReason>;
}

/** Total units (both arms) at which the confidence sequence is tightest when there is no plan. */
export const DEFAULT_TUNING_N = 10_000;

const rank: Record<PrimaryOutcome, number> = { continue: 0, final_no_effect: 1, efficacy: 2, harm: 3 };
const stronger = (a: PrimaryOutcome, b: PrimaryOutcome) => (rank[b] > rank[a] ? b : a);
const normalP = (z: number) => Math.min(1, 2 * normalSf(Math.abs(z)));

function crossing(zGood: number, boundary: number): PrimaryOutcome {
  if (zGood >= boundary) return "efficacy";
  if (zGood <= -boundary) return "harm";
  return "continue";
}

/** The always-valid primary's level per treatment (α/K, Bonferroni) and ρ tuned at the planned total sample. */
function alwaysValidMixture(
  config: DecisionConfig,
  treatments: number,
  plannedPerVariant: number | null,
): { alpha: number; rho: number } {
  const alpha = config.alpha / Math.max(1, treatments);
  return {
    alpha,
    rho: mixtureRho(alpha, plannedPerVariant === null ? DEFAULT_TUNING_N : 2 * plannedPerVariant),
  };
}

/**
 * The primary metric under the experiment's analysis method. `always_valid`: each treatment's asymptotic
 * confidence sequence at α/K (K treatments, Bonferroni), tuned at the planned total sample; a crossing is
 * kept. `group_sequential`: Lan–DeMets boundaries, each planned look analysed once when first reached.
 * `fixed_horizon`: one two-sided test at α/K when the planned sample or the planned end is reached.
 * @example evaluatePrimary({ metricKey: "conversion", direction: "increase", comparisons, config, informationFraction: 0.3, plannedPerVariant: 10000, pastPlannedEnd: false, previous: { outcome: "continue", look: 0 } });
 */
export function evaluatePrimary(input: PrimaryInput): PrimaryVerdict {
  const { config, comparisons, previous } = input;
  const sign = input.direction === "increase" ? 1 : -1;
  const k = Math.max(1, comparisons.length);
  const reached = input.informationFraction >= 1 - 1e-9 || input.pastPlannedEnd;
  const base = (c: ArmComparison) => ({ ...c, z: c.untestable === null ? c.diff / c.se : Number.NaN });

  if (config.method === "always_valid") {
    const { alpha, rho } = alwaysValidMixture(config, k, input.plannedPerVariant);
    const out = comparisons.map((c): PrimaryComparison => {
      const b = base(c);
      if (c.untestable !== null) return untestable(b);
      const u = (c.nControl + c.nTreatment) * rho * rho;
      const boundary = mixtureBoundary(alpha, u, "two-sided");
      return {
        ...b,
        boundary,
        pValue: mixturePValue(b.z, u, "two-sided"),
        ciLow: c.diff - boundary * c.se,
        ciHigh: c.diff + boundary * c.se,
        relCiLow: Number.isFinite(c.seRel) ? c.relLift - boundary * c.seRel : null,
        relCiHigh: Number.isFinite(c.seRel) ? c.relLift + boundary * c.seRel : null,
        outcome: crossing(sign * b.z, boundary),
      };
    });
    let outcome = out.reduce<PrimaryOutcome>((o, c) => stronger(o, c.outcome), "continue");
    outcome = stronger(previous.outcome === "final_no_effect" ? "continue" : previous.outcome, outcome);
    if (outcome === "continue" && reached) outcome = "final_no_effect";
    return { outcome, look: previous.look, comparisons: out, reasons: reasonsOf(input, out, outcome, null) };
  }

  if (config.method === "fixed_horizon") {
    const boundary = normalQuantile(1 - config.alpha / (2 * k));
    const out = comparisons.map((c): PrimaryComparison => {
      const b = base(c);
      if (c.untestable !== null) return untestable(b);
      return {
        ...b,
        boundary,
        pValue: normalP(b.z),
        ciLow: c.diff - boundary * c.se,
        ciHigh: c.diff + boundary * c.se,
        relCiLow: Number.isFinite(c.seRel) ? c.relLift - boundary * c.seRel : null,
        relCiHigh: Number.isFinite(c.seRel) ? c.relLift + boundary * c.seRel : null,
        outcome: reached ? crossing(sign * b.z, boundary) : "continue",
      };
    });
    let outcome = previous.outcome;
    // The single analysis happens once, at the first run that reaches the planned sample or end.
    if (outcome === "continue" && reached && out.some((c) => c.untestable === null)) {
      outcome = out.reduce<PrimaryOutcome>((o, c) => stronger(o, c.outcome), "continue");
      if (outcome === "continue") outcome = "final_no_effect";
    }
    return { outcome, look: previous.look, comparisons: out, reasons: reasonsOf(input, out, outcome, null) };
  }

  const plan = planFromConfig(config.sequential);
  const look = lookAt(plan, input.informationFraction);
  const bound = look === 0 ? null : (plan.bounds[look - 1] ?? null);
  const out = comparisons.map((c): PrimaryComparison => {
    const b = base(c);
    if (c.untestable !== null) return untestable(b);
    return {
      ...b,
      boundary: bound,
      pValue: normalP(b.z),
      ciLow: bound === null ? null : c.diff - bound * c.se,
      ciHigh: bound === null ? null : c.diff + bound * c.se,
      relCiLow: bound === null || !Number.isFinite(c.seRel) ? null : c.relLift - bound * c.seRel,
      relCiHigh: bound === null || !Number.isFinite(c.seRel) ? null : c.relLift + bound * c.seRel,
      outcome: bound === null ? "continue" : crossing(sign * b.z, bound),
    };
  });
  let outcome = previous.outcome;
  let analysedLook = previous.look;
  // Each planned look is analysed once, when first reached; between looks the last outcome stands.
  if (look > previous.look && out.some((c) => c.untestable === null)) {
    outcome = out.reduce<PrimaryOutcome>((o, c) => stronger(o, c.outcome), "continue");
    if (outcome === "continue" && look >= plan.fractions.length) outcome = "final_no_effect";
    analysedLook = look;
  }
  return { outcome, look: analysedLook, comparisons: out, reasons: reasonsOf(input, out, outcome, look) };
}

/**
 * The |z| the experiment's method requires of one treatment's comparison at a sample: the confidence sequence's
 * boundary (always_valid), the current planned look's (group_sequential; the first look's before any) or the
 * fixed-horizon quantile — what charts draw as the decision boundary. Null when there is no sample yet.
 * @example primaryBoundary(defaultDecisionConfig, { treatments: 1, plannedPerVariant: 10000, totalUnits: 8000, informationFraction: 0.4 });
 */
export function primaryBoundary(
  config: DecisionConfig,
  at: {
    readonly treatments: number;
    readonly plannedPerVariant: number | null;
    readonly totalUnits: number;
    readonly informationFraction: number | null;
  },
): number | null {
  const k = Math.max(1, at.treatments);
  if (config.method === "always_valid") {
    if (!(at.totalUnits > 0)) return null;
    const { alpha, rho } = alwaysValidMixture(config, k, at.plannedPerVariant);
    return mixtureBoundary(alpha, at.totalUnits * rho * rho, "two-sided");
  }
  if (config.method === "fixed_horizon") return normalQuantile(1 - config.alpha / (2 * k));
  if (at.informationFraction === null) return null;
  const plan = planFromConfig(config.sequential);
  return boundaryAt(plan, lookAt(plan, at.informationFraction));
}

function untestable(b: ArmComparison & { z: number }): PrimaryComparison {
  return {
    ...b,
    boundary: null,
    pValue: null,
    ciLow: null,
    ciHigh: null,
    relCiLow: null,
    relCiHigh: null,
    outcome: "continue",
  };
}

const orNull = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);

function reasonsOf(
  input: PrimaryInput,
  comparisons: ReadonlyArray<PrimaryComparison>,
  outcome: PrimaryOutcome,
  look: number | null,
): DecisionReason[] {
  const method = input.config.method;
  const metric = input.metricKey;
  const info = input.informationFraction;
  if (method === "group_sequential" && look === 0) {
    return [
      reason({
        kind: "primary",
        severity: "ok",
        code: "before_first_look",
        metric,
        values: { method, information_fraction: info },
      }),
    ];
  }
  if (method === "fixed_horizon" && outcome === "continue") {
    return [
      reason({
        kind: "primary",
        severity: "ok",
        code: "awaiting_planned_end",
        metric,
        values: { method, information_fraction: info },
      }),
    ];
  }
  const out: DecisionReason[] = comparisons.map((c) => {
    if (c.untestable !== null) {
      return reason({
        kind: "primary",
        severity: "warning",
        code: "primary_not_testable",
        metric,
        variant: c.variant,
        values: { cause: c.untestable },
      });
    }
    const code =
      c.outcome === "efficacy" ? "efficacy" : c.outcome === "harm" ? "harm" : "no_boundary_crossed";
    // A win decides the status but is no problem: only harm blocks (a winner is never listed as "blocking").
    return reason({
      kind: "primary",
      severity: code === "harm" ? "blocking" : "ok",
      code,
      metric,
      variant: c.variant,
      values: {
        method,
        diff: orNull(c.diff),
        rel_lift: orNull(c.relLift),
        z: orNull(c.z),
        boundary: orNull(c.boundary),
        p_value: orNull(c.pValue),
        ci_low: orNull(c.ciLow),
        ci_high: orNull(c.ciHigh),
        rel_ci_low: orNull(c.relCiLow),
        rel_ci_high: orNull(c.relCiHigh),
        look: look ?? null,
        information_fraction: info,
      },
    });
  });
  if (outcome === "final_no_effect") {
    out.push(
      reason({ kind: "primary", severity: "warning", code: "final_no_effect", metric, values: { method } }),
    );
  }
  return out;
}
