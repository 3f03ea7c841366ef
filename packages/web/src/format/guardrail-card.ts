import type { Experiment, ExperimentSummary, GuardrailVerdictStatus } from "../api/api-types.js";
import type { MetricView } from "./metric-results.js";

/** One treatment's fixed-sample interval of a guardrail: supporting detail, never the card's status. */
export interface FixedSampleDetail {
  readonly variationId: string;
  readonly upliftRel: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  /** Which method the interval follows (the experiment's, or the fixed sample). */
  readonly method: "analysis" | "fixed_sample";
}

/** One guardrail metric as the Guardrails card shows it. */
export interface GuardrailCardRow {
  readonly metricKey: string;
  readonly threshold: number | null;
  /** The decision engine's verdict. */
  readonly status: GuardrailVerdictStatus;
  readonly label: string;
  readonly tone: "negative" | "positive" | "neutral";
  /** The engine's reason text, one line per treatment (or why there is no verdict). */
  readonly reasons: ReadonlyArray<string>;
  readonly kind: MetricView["kind"];
  readonly fixedSample: ReadonlyArray<FixedSampleDetail>;
}

export interface GuardrailCardView {
  /** When the decision engine last evaluated the experiment; null: not yet (or the server sent no verdicts). */
  readonly evaluatedAt: string | null;
  readonly resultsDt: string | null;
  /** A tripped fail-closed guard, said first on the card. */
  readonly failClosed: { readonly trippedAt: string; readonly message: string | null } | null;
  readonly rows: ReadonlyArray<GuardrailCardRow>;
}

const labels: Record<GuardrailVerdictStatus, string> = {
  breached: "breached",
  within_threshold: "within threshold",
  not_evaluated: "not evaluated",
};
const tones = { breached: "negative", within_threshold: "positive", not_evaluated: "neutral" } as const;

/**
 * The Guardrails card: per guardrail metric of the contract, the decision engine's verdict (`summary.guardrails`,
 * its always-valid rule and fail-closed guard) as the status, with the interval of the chosen analysis mode
 * kept as supporting detail only: the dashboard judges nothing itself.
 * @example guardrailCard(experiment, summary, o.metrics).rows[0]?.label // "within threshold"
 */
export function guardrailCard(
  experiment: Pick<Experiment, "metrics">,
  summary: Pick<ExperimentSummary, "guardrails">,
  metrics: ReadonlyArray<MetricView>,
): GuardrailCardView {
  const engine = summary.guardrails;
  const verdicts = new Map((engine?.metrics ?? []).map((m) => [m.metric_key, m]));
  const rows = experiment.metrics
    .filter((m) => m.role === "guardrail")
    .map((m): GuardrailCardRow => {
      const v = verdicts.get(m.metric_key);
      const view = metrics.find((x) => x.metricKey === m.metric_key);
      const status: GuardrailVerdictStatus = v?.status ?? "not_evaluated";
      const reasons =
        v === undefined
          ? [
              engine === undefined
                ? "The server sent no decision engine verdict for this guardrail."
                : "The decision engine has not evaluated this guardrail yet.",
            ]
          : [...v.variants.map((x) => x.reason), ...(v.reason === null ? [] : [v.reason])];
      return {
        metricKey: m.metric_key,
        threshold: m.threshold,
        status,
        label:
          status === "not_evaluated" && (engine?.evaluated_at ?? null) === null
            ? "not evaluated yet"
            : labels[status],
        tone: tones[status],
        reasons,
        kind: view?.kind ?? "number",
        fixedSample: (view?.comparisons ?? []).map((c) => ({
          variationId: c.variationId,
          upliftRel: c.upliftRel,
          ciLow: c.ciLow,
          ciHigh: c.ciHigh,
          method: c.method,
        })),
      };
    });
  const guard = engine?.fail_closed;
  return {
    evaluatedAt: engine?.evaluated_at ?? null,
    resultsDt: engine?.results_dt ?? null,
    failClosed: guard?.active === true ? { trippedAt: guard.tripped_at, message: guard.message } : null,
    rows,
  };
}
