/** What a reason is about. */
export type ReasonKind = "primary" | "guardrail" | "srm" | "data_quality" | "power";

/** Stable reason codes: the dashboard, the CLI and notifications key on these, never on the words. */
export const reasonCodes = [
  // primary metric
  "efficacy",
  "harm",
  "no_boundary_crossed",
  "before_first_look",
  "awaiting_planned_end",
  "final_no_effect",
  "primary_not_testable",
  "no_primary_metric",
  "no_results",
  // guardrails
  "guardrail_breach",
  "guardrail_within_threshold",
  "guardrail_not_testable",
  // sample ratio
  "srm",
  "srm_ok",
  "srm_not_testable",
  // data quality and power
  "data_quality",
  "power_warning",
] as const;
export type ReasonCode = (typeof reasonCodes)[number];

/** "ok" reasons inform (a win included); "warning" ones need attention; "blocking" ones are problems that decide the status (harm, a breach, SRM, data quality). */
export type ReasonSeverity = "ok" | "warning" | "blocking";

/** A reason: a code and its numbers; `message` is rendered from them by {@link describeReason}. */
export interface DecisionReason {
  readonly kind: ReasonKind;
  readonly severity: ReasonSeverity;
  readonly code: ReasonCode;
  readonly metric?: string;
  readonly variant?: string;
  /** The numbers behind the reason (null: not computable); names are snake_case. */
  readonly values: Readonly<Record<string, number | string | null>>;
  readonly message: string;
}

const pct = (x: unknown) => (typeof x === "number" ? `${(x * 100).toFixed(1)}%` : "n/a");
const num = (x: unknown, digits = 2) => (typeof x === "number" ? x.toFixed(digits) : "n/a");
const pval = (x: unknown) => (typeof x !== "number" ? "n/a" : x < 0.0001 ? x.toExponential(1) : x.toFixed(4));
const signedPct = (x: unknown) =>
  typeof x === "number" ? `${x >= 0 ? "+" : "−"}${pct(Math.abs(x))}` : "n/a";

/** "1.2% better than control" / "1.2% worse than control" from a change oriented so that positive is good. */
function betterOrWorse(goodChange: unknown): string {
  if (typeof goodChange !== "number") return "no relative change against control";
  if (goodChange === 0) return "the same as control";
  return `${pct(Math.abs(goodChange))} ${goodChange > 0 ? "better" : "worse"} than control`;
}

const causeText: Record<string, string> = {
  too_few_units: "fewer than 2 units in an arm",
  zero_denominator: "no denominator events in an arm yet",
  no_variance: "no variance yet",
  zero_control_mean: "a control mean of 0 leaves no relative change",
};

type Words = (r: Omit<DecisionReason, "message">) => string;

/** Every reason's words, in one place. */
const words: Record<ReasonCode, Words> = {
  efficacy: (r) =>
    `${r.metric}: ${r.variant} ${signedPct(r.values.rel_lift)} vs control, significant (${method(r)}): ship`,
  harm: (r) =>
    `${r.metric}: ${r.variant} ${signedPct(r.values.rel_lift)} vs control, significantly worse (${method(r)})`,
  no_boundary_crossed: (r) =>
    `${r.metric}: ${r.variant} ${signedPct(r.values.rel_lift)} vs control, not significant yet (${method(r)})`,
  before_first_look: (r) =>
    `${r.metric}: before the first planned look (information ${pct(r.values.information_fraction)})`,
  awaiting_planned_end: (r) =>
    `${r.metric}: fixed-horizon analysis, decided at the planned end (information ${pct(r.values.information_fraction)})`,
  final_no_effect: (r) =>
    `${r.metric}: no significant effect by the planned sample or end (${methodNames[String(r.values.method)] ?? "fixed horizon"})`,
  primary_not_testable: (r) =>
    `${r.metric}: not testable yet for ${r.variant} (${causeText[String(r.values.cause)] ?? "no data"})`,
  no_primary_metric: () => "no primary metric in the metrics contract",
  no_results: () => "no pipeline results for this experiment yet",
  guardrail_breach: (r) =>
    `${r.metric} (${r.variant}): ${betterOrWorse(r.values.good_change)}, beyond the tolerated ${pct(r.values.threshold)} (always-valid p = ${pval(r.values.p_value)}): breached`,
  guardrail_within_threshold: (r) =>
    `${r.metric} (${r.variant}): ${betterOrWorse(r.values.good_change)}; no evidence of harm beyond ${pct(r.values.threshold)} (always-valid p = ${pval(r.values.p_value)})`,
  guardrail_not_testable: (r) =>
    `${r.metric} (${r.variant}): not testable yet — ${causeText[String(r.values.cause)] ?? "no data for the metric"}`,
  srm: (r) =>
    `sample ratio mismatch: the split differs from the configured allocation (always-valid p = ${pval(r.values.p_value)} < ${r.values.threshold})`,
  srm_ok: (r) => `no sample ratio mismatch (always-valid p = ${pval(r.values.p_value)})`,
  srm_not_testable: () => "sample ratio not testable yet (no units)",
  data_quality: (r) => String(r.values.problem ?? "data-quality problem"),
  power_warning: (r) => String(r.values.text ?? "the planned sample is not reached by the planned end"),
};

const methodNames: Record<string, string> = {
  always_valid: "always-valid confidence sequence",
  group_sequential: "group-sequential looks",
  fixed_horizon: "fixed horizon",
};

function method(r: Omit<DecisionReason, "message">): string {
  const m = r.values.method;
  if (m === "always_valid") {
    return `always-valid p = ${pval(r.values.p_value)}, interval ${signedPct(r.values.rel_ci_low)} to ${signedPct(r.values.rel_ci_high)}`;
  }
  if (m === "group_sequential")
    return `look ${r.values.look}, z = ${num(r.values.z)} vs boundary ${num(r.values.boundary)}`;
  return `fixed horizon, z = ${num(r.values.z)} vs ${num(r.values.boundary)}`;
}

/**
 * A reason as the rules make it: code and numbers, no words yet (`message` is filled by {@link describeReason}).
 * @example reason({ kind: "srm", severity: "ok", code: "srm_ok", values: { p_value: 0.4 } });
 */
export function reason(r: Omit<DecisionReason, "message">): DecisionReason {
  return { ...r, message: "" };
}

/**
 * The reason with its words: the one place that turns codes and numbers into text.
 * @example describeReason(reason({ kind: "srm", severity: "ok", code: "srm_ok", values: { p_value: 0.4 } })).message; // "no sample ratio mismatch (always-valid p = 0.4000)"
 */
export function describeReason(r: DecisionReason): DecisionReason {
  return { ...r, message: words[r.code](r) };
}
