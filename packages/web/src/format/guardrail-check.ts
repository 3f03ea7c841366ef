import type { Comparison, MetricView } from "./metric-results.js";

export type GuardrailState = "ok" | "at_risk" | "breached" | "no_data";

export interface GuardrailStatus {
  readonly metricKey: string;
  readonly variationId: string;
  readonly state: GuardrailState;
  readonly reason: string;
}

/**
 * A guardrail's threshold is the largest tolerated relative change in the harmful direction
 * (0.2 = the metric may get 20% worse than control). Breached: the harm is significant and at
 * least the threshold; at risk: one of the two.
 * @example guardrailState(comparison, "decrease", 0.2) // "breached" when refunds rose ≥ 20%, significantly
 */
export function guardrailState(
  c: Comparison,
  direction: "increase" | "decrease",
  threshold: number | null,
): GuardrailState {
  if (c.upliftAbs === null || c.pValue === null) return "no_data";
  const harmful = direction === "increase" ? c.upliftAbs < 0 : c.upliftAbs > 0;
  if (!harmful) return "ok";
  const limit = Math.abs(threshold ?? 0);
  const beyond = c.upliftRel === null ? limit === 0 : Math.abs(c.upliftRel) >= limit;
  if (c.significant && beyond) return "breached";
  if (c.significant || (beyond && limit > 0)) return "at_risk";
  return "ok";
}

function describe(view: MetricView, c: Comparison, state: GuardrailState): string {
  const limit = view.threshold === null ? "any" : `${(Math.abs(view.threshold) * 100).toFixed(0)}%`;
  const worse = view.direction === "increase" ? "drop" : "rise";
  switch (state) {
    case "breached":
      return `${c.variationId}: significant ${worse} beyond the ${limit} tolerance`;
    case "at_risk":
      return c.significant
        ? `${c.variationId}: significant ${worse}, within the ${limit} tolerance`
        : `${c.variationId}: ${worse} beyond the ${limit} tolerance, not yet significant`;
    case "no_data":
      return `${c.variationId}: no comparison yet`;
    default:
      return `${c.variationId}: within tolerance`;
  }
}

/** Every guardrail metric × treatment, judged. */
export function guardrailStatuses(views: ReadonlyArray<MetricView>): GuardrailStatus[] {
  const out: GuardrailStatus[] = [];
  for (const view of views) {
    if (view.role !== "guardrail") continue;
    for (const c of view.comparisons) {
      const state = guardrailState(c, view.direction, view.threshold);
      out.push({
        metricKey: view.metricKey,
        variationId: c.variationId,
        state,
        reason: describe(view, c, state),
      });
    }
  }
  return out;
}
