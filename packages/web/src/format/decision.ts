import type { ExperimentStatus, ServerDecision } from "../api/api-types.js";
import type { GuardrailStatus } from "./guardrail-check.js";
import type { MetricView } from "./metric-results.js";
import type { PowerProjection } from "./power-projection.js";

export type DecisionKind =
  | "not_started"
  | "investigate"
  | "stop"
  | "ship"
  | "keep_running"
  | "no_effect"
  | "roll_back"
  | "inconclusive";

export interface Decision {
  readonly kind: DecisionKind;
  readonly label: string;
  readonly tone: "positive" | "negative" | "warning" | "neutral";
  readonly reasons: ReadonlyArray<string>;
}

const labels: Record<DecisionKind, string> = {
  not_started: "Not started",
  investigate: "Investigate data",
  stop: "Stop: harm detected",
  ship: "Ship",
  keep_running: "Keep running",
  no_effect: "No detectable effect",
  roll_back: "Roll back",
  inconclusive: "Inconclusive",
};

/**
 * The decision service's verdict (sequential looks, fail-closed guardrails, SRM streaks) as the card shows it;
 * its reasons are the server's messages, and a tripped fail-closed guard is said first.
 * @example fromServerDecision({ status: "ship", reasons: [{ kind: "primary", severity: "ok", message: "…" }], … }).tone // "positive"
 */
export function fromServerDecision(d: ServerDecision): Decision {
  const kind: DecisionKind = d.status;
  const tone = (
    { ship: "positive", roll_back: "negative", inconclusive: "warning", keep_running: "neutral" } as const
  )[d.status];
  const guard =
    d.fail_closed?.active === true
      ? [`Fail-closed: treatments are off since ${d.fail_closed.tripped_at} (re-enable deliberately).`]
      : [];
  const evaluated = d.evaluated_at === null ? [] : [`Evaluated by the decision engine at ${d.evaluated_at}.`];
  return {
    kind,
    label: labels[kind],
    tone,
    reasons: [...guard, ...d.reasons.map((r) => r.message), ...evaluated],
  };
}

/**
 * The decision status with its reasons, in order of precedence: untrustworthy data (SRM) before
 * harm (guardrails, primary against its direction) before a win before "keep running".
 * @example decide({ status: "running", srmDetected: true, ... }).kind // "investigate"
 */
export function decide(input: {
  readonly status: ExperimentStatus;
  readonly hasResults: boolean;
  readonly srmDetected: boolean;
  readonly srmPValue: number | null;
  readonly guardrails: ReadonlyArray<GuardrailStatus>;
  readonly primary: MetricView | undefined;
  readonly power: PowerProjection;
}): Decision {
  const make = (kind: DecisionKind, tone: Decision["tone"], reasons: string[]): Decision => ({
    kind,
    label: labels[kind],
    tone,
    reasons,
  });
  if (!input.hasResults) {
    const before = ["draft", "submitted", "approved"].includes(input.status);
    return make("not_started", "neutral", [
      before ? `The experiment is ${input.status}.` : "No results computed yet.",
    ]);
  }
  if (input.srmDetected) {
    const p =
      input.srmPValue === null
        ? ""
        : ` (p = ${input.srmPValue < 0.001 ? "< 0.001" : input.srmPValue.toFixed(3)})`;
    return make("investigate", "warning", [
      `Sample ratio mismatch${p}: the split differs from the configured allocation, so the comparison is not trustworthy.`,
    ]);
  }
  const breached = input.guardrails.filter((g) => g.state === "breached");
  const primaryHarm = input.primary?.comparisons.filter((c) => c.tone === "negative") ?? [];
  if (breached.length > 0 || primaryHarm.length > 0) {
    return make("stop", "negative", [
      ...breached.map((g) => `Guardrail ${g.metricKey} breached — ${g.reason}.`),
      ...primaryHarm.map(
        (c) => `Primary metric ${input.primary?.metricKey} moved against its goal in ${c.variationId}.`,
      ),
    ]);
  }
  const reached = input.power.progress !== null && input.power.progress >= 1;
  const progressText =
    input.power.progress === null
      ? "No preregistered sample size to judge power against."
      : `Smallest arm has ${(100 * Math.min(input.power.progress, 9.99)).toFixed(0)}% of the planned sample.`;
  const winners = input.primary?.comparisons.filter((c) => c.tone === "positive") ?? [];
  if (input.primary === undefined)
    return make("keep_running", "neutral", ["No primary metric result yet.", progressText]);
  if (winners.length > 0 && (reached || input.power.progress === null)) {
    return make("ship", "positive", [
      ...winners.map((c) => `${input.primary?.metricKey} improved significantly in ${c.variationId}.`),
      "No guardrail breached and no sample ratio mismatch.",
      progressText,
    ]);
  }
  if (winners.length > 0) {
    return make("keep_running", "neutral", [
      `${input.primary.metricKey} is significant, but the planned sample is not reached: stopping now inflates false positives.`,
      progressText,
    ]);
  }
  if (reached) {
    return make("no_effect", "neutral", [
      `${input.primary.metricKey} shows no significant change at the planned sample size.`,
      progressText,
    ]);
  }
  const atRisk = input.guardrails
    .filter((g) => g.state === "at_risk")
    .map((g) => `Guardrail ${g.metricKey} at risk — ${g.reason}.`);
  return make("keep_running", atRisk.length > 0 ? "warning" : "neutral", [
    `${input.primary.metricKey} not significant yet.`,
    progressText,
    ...atRisk,
  ]);
}
