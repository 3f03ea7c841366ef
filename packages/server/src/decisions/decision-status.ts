import type { GuardrailVerdict } from "./guardrail-check.js";
import type { MetricComparison } from "./metric-comparison.js";
import type { SequentialOutcome } from "./sequential-plan.js";

export type DecisionStatus = "ship" | "roll_back" | "keep_running" | "inconclusive";

export interface DecisionReason {
  readonly kind: "primary" | "guardrail" | "srm" | "data_quality" | "power";
  /** "ok" reasons are informative; "blocking" ones decide the status. */
  readonly severity: "ok" | "warning" | "blocking";
  readonly message: string;
}

export interface PrimaryLook {
  readonly metricKey: string;
  readonly direction: "increase" | "decrease";
  readonly comparison: MetricComparison | null;
  /** Information fraction reached, and the look (0 = before the first planned look). */
  readonly informationFraction: number;
  readonly look: number;
  readonly boundary: number | null;
  readonly outcome: SequentialOutcome;
}

export interface DecisionInputs {
  readonly primary: PrimaryLook | null;
  readonly guardrails: ReadonlyArray<GuardrailVerdict>;
  readonly srm: { readonly active: boolean; readonly pValue: number; readonly streak: number } | null;
  readonly dataQuality: ReadonlyArray<string>;
  /** The planned end has passed. */
  readonly pastPlannedEnd: boolean;
  readonly powerWarning?: string | null;
}

export interface Decision {
  readonly status: DecisionStatus;
  readonly reasons: ReadonlyArray<DecisionReason>;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * Ship, roll back, keep running or inconclusive, with the reasons. Order of precedence: a breached
 * guardrail or a harm boundary rolls back; an established SRM or a data-quality failure makes the result
 * untrustworthy (inconclusive); an efficacy boundary ships; the final look (or the planned end) without a
 * crossing is inconclusive; otherwise keep running.
 * @example decide({ primary, guardrails: [], srm: null, dataQuality: [], pastPlannedEnd: false }).status;
 */
export function decide(inputs: DecisionInputs): Decision {
  const reasons: DecisionReason[] = [];
  const breached = inputs.guardrails.filter((g) => g.breached);
  for (const g of inputs.guardrails) {
    // No events in either arm (or a zero control mean) leaves no relative change to test: say so, never "NaN%".
    const testable = Number.isFinite(g.relativeHarm) && Number.isFinite(g.z);
    reasons.push({
      kind: "guardrail",
      severity: g.breached ? "blocking" : testable ? "ok" : "warning",
      message: testable
        ? `${g.metricKey} (${g.variant}): ${pct(g.relativeHarm)} worse than control (threshold ${pct(g.threshold)}), z = ${g.z.toFixed(2)} vs boundary ${g.boundary.toFixed(2)}${g.breached ? " — breached" : ""}`
        : `${g.metricKey} (${g.variant}): not testable yet — no relative change against control (no data for the metric, or a control mean of 0)${g.breached ? " — breached" : ""}`,
    });
  }
  if (inputs.srm !== null) {
    reasons.push({
      kind: "srm",
      severity: inputs.srm.active ? "blocking" : inputs.srm.streak > 0 ? "warning" : "ok",
      message: inputs.srm.active
        ? `sample ratio mismatch for ${inputs.srm.streak} consecutive intervals (last p = ${inputs.srm.pValue.toExponential(2)})`
        : `no sustained sample ratio mismatch (last p = ${Number.isFinite(inputs.srm.pValue) ? inputs.srm.pValue.toFixed(4) : "n/a"})`,
    });
  }
  for (const problem of inputs.dataQuality) {
    reasons.push({ kind: "data_quality", severity: "blocking", message: problem });
  }
  if (inputs.powerWarning) reasons.push({ kind: "power", severity: "warning", message: inputs.powerWarning });
  const p = inputs.primary;
  if (p !== null) {
    const c = p.comparison;
    const effect =
      c === null
        ? "no comparison yet"
        : `${c.variant} ${c.relLift >= 0 ? "+" : ""}${pct(c.relLift)} vs control, z = ${c.z.toFixed(2)}`;
    const where =
      p.look === 0
        ? `before the first look (information ${pct(p.informationFraction)})`
        : `look ${p.look}, boundary ${p.boundary?.toFixed(2)}`;
    const outcomeText: Record<SequentialOutcome, string> = {
      efficacy: "efficacy boundary crossed",
      harm: "harm boundary crossed",
      continue: "no boundary crossed",
      final_no_effect: "final look without a crossing",
    };
    reasons.push({
      kind: "primary",
      severity: p.outcome === "continue" ? "ok" : "blocking",
      message: `${p.metricKey}: ${effect}; ${where}: ${outcomeText[p.outcome]}`,
    });
  }
  let status: DecisionStatus;
  if (breached.length > 0 || p?.outcome === "harm") status = "roll_back";
  else if (inputs.srm?.active === true || inputs.dataQuality.length > 0) status = "inconclusive";
  else if (p?.outcome === "efficacy") status = "ship";
  else if (p?.outcome === "final_no_effect" || inputs.pastPlannedEnd) status = "inconclusive";
  else status = "keep_running";
  return { status, reasons };
}
