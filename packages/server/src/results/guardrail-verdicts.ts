import type { DecisionReason } from "@assay/decisions";
import type { ExperimentGuard, StoredDecision } from "../decisions/decision-store.js";
import type { Experiment } from "../registry/experiment-schema.js";

/**
 * The decision engine's verdict on a guardrail: `breached` (its sequential rule), `within_threshold` (tested, not
 * breached), `not_evaluated` (no evaluation yet, or no testable comparison in the latest one).
 */
export const guardrailVerdictStatuses = ["breached", "within_threshold", "not_evaluated"] as const;
export type GuardrailVerdictStatus = (typeof guardrailVerdictStatuses)[number];

/** One treatment's verdict on one guardrail metric, from the latest stored decision. */
export interface GuardrailVariantVerdict {
  readonly variant: string;
  readonly status: GuardrailVerdictStatus;
  /** Relative change in the bad direction (positive = worse than control); null when not computable. */
  readonly relative_harm: number | null;
  /** z of H0: harm ≤ threshold, and the one-sided always-valid boundary it was compared with. */
  readonly z: number | null;
  readonly boundary: number | null;
  /** Always-valid p of H0: harm ≤ threshold (breached when ≤ the family's share of α). */
  readonly p_value: number | null;
  /** Always-valid lower bound of the relative harm: breached exactly when above the threshold. */
  readonly harm_lower_bound: number | null;
  /** The engine's reason text for this guardrail and variant. */
  readonly reason: string;
}

/** One guardrail metric of the contract with the engine's verdict (the worst of its treatments). */
export interface GuardrailMetricVerdict {
  readonly metric_key: string;
  readonly direction: "increase" | "decrease";
  readonly threshold: number;
  readonly status: GuardrailVerdictStatus;
  readonly variants: GuardrailVariantVerdict[];
  /** Why, when no treatment has a verdict (not evaluated yet, or no data for this metric). */
  readonly reason: string | null;
}

/** The summary's `guardrails`: the decision engine's latest stored verdicts and the fail-closed guard. */
export interface SummaryGuardrails {
  readonly source: "decision_engine";
  /** When the engine last evaluated the experiment; null: never. */
  readonly evaluated_at: string | null;
  /** The results partition that evaluation read; null when it read none. */
  readonly results_dt: string | null;
  readonly fail_closed: {
    readonly active: boolean;
    readonly tripped_at: string;
    readonly message: string | null;
    readonly cleared_at: string | null;
  } | null;
  readonly metrics: GuardrailMetricVerdict[];
}

interface StoredGuardrail {
  readonly metric_key?: string;
  readonly variant?: string;
  readonly relative_harm?: number | null;
  readonly threshold?: number;
  readonly z?: number | null;
  readonly boundary?: number | null;
  readonly p_value?: number | null;
  readonly harm_lower_bound?: number | null;
  readonly testable?: boolean;
  readonly breached?: boolean;
}

const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

const NOT_EVALUATED = "The decision engine has not evaluated this experiment yet.";

/**
 * Per guardrail metric of the contract, the verdict of the decision engine's latest stored decision. A
 * comparison the engine could not test (missing values, no variance) is `not_evaluated`, never "within
 * threshold": the card must not report a guardrail as safe on missing data.
 * @example guardrailVerdicts(experiment, (await getMonitorState(tx, key)).decision, await getGuard(tx, key)).metrics[0]?.status
 */
export function guardrailVerdicts(
  experiment: Pick<Experiment, "metrics">,
  decision: StoredDecision | null,
  guard: ExperimentGuard | null,
): SummaryGuardrails {
  const evaluatedAt = decision?.evaluatedAt ?? null;
  const details = decision?.details ?? {};
  const stored = Array.isArray(details.guardrails) ? (details.guardrails as StoredGuardrail[]) : [];
  const resultsDt = typeof details.results_dt === "string" ? details.results_dt : null;
  const reasons: ReadonlyArray<DecisionReason> = decision?.reasons ?? [];
  const dataProblems = reasons.filter((r) => r.kind === "data_quality").map((r) => r.message);
  const guardMessage = (guard?.reason as { message?: unknown } | null | undefined)?.message;
  const metrics = experiment.metrics
    .filter((m) => m.role === "guardrail")
    .map((m): GuardrailMetricVerdict => {
      const variants = stored
        .filter((g) => g.metric_key === m.metric_key && typeof g.variant === "string")
        .map((g): GuardrailVariantVerdict => {
          const variant = g.variant as string;
          const engineReason = reasons.find(
            (r) => r.kind === "guardrail" && r.metric === m.metric_key && r.variant === variant,
          )?.message;
          const testable =
            (g.testable ?? true) && finite(g.z) && finite(g.boundary) && finite(g.relative_harm);
          const status: GuardrailVerdictStatus =
            g.breached === true ? "breached" : testable ? "within_threshold" : "not_evaluated";
          return {
            variant,
            status,
            relative_harm: finite(g.relative_harm) ? g.relative_harm : null,
            z: finite(g.z) ? g.z : null,
            boundary: finite(g.boundary) ? g.boundary : null,
            p_value: finite(g.p_value) ? g.p_value : null,
            harm_lower_bound: finite(g.harm_lower_bound) ? g.harm_lower_bound : null,
            reason:
              status === "not_evaluated"
                ? `${m.metric_key} (${variant}): not testable in the evaluation of ${evaluatedAt} (missing values or no variance)`
                : (engineReason ?? `${m.metric_key} (${variant}): ${status.replace("_", " ")}`),
          };
        });
      const status: GuardrailVerdictStatus = variants.some((v) => v.status === "breached")
        ? "breached"
        : variants.length === 0 || variants.some((v) => v.status === "not_evaluated")
          ? "not_evaluated"
          : "within_threshold";
      const reason =
        variants.length > 0
          ? null
          : evaluatedAt === null
            ? NOT_EVALUATED
            : resultsDt === null
              ? `Not evaluated: ${dataProblems[0] ?? "the latest evaluation read no results"} (evaluated ${evaluatedAt}).`
              : `Not evaluated: no ${m.metric_key} comparison in the results of dt=${resultsDt} (evaluated ${evaluatedAt}).`;
      return {
        metric_key: m.metric_key,
        direction: m.direction,
        threshold: m.threshold ?? 0,
        status,
        variants,
        reason,
      };
    });
  return {
    source: "decision_engine",
    evaluated_at: evaluatedAt,
    results_dt: resultsDt,
    fail_closed:
      guard === null
        ? null
        : {
            active: guard.active,
            tripped_at: guard.trippedAt,
            message: typeof guardMessage === "string" ? guardMessage : null,
            cleared_at: guard.clearedAt,
          },
    metrics,
  };
}
