import type { ServerDecision } from "../api/api-types.js";
import { formatDateTime } from "./number-format.js";

export type DecisionKind = "not_evaluated" | "ship" | "keep_running" | "roll_back" | "inconclusive";

/** One reason as the card lists it: the server's words, with its severity for the marker. */
export interface DecisionLine {
  readonly text: string;
  readonly severity: "ok" | "warning" | "blocking";
  /** The policy's stable code (`efficacy`, `guardrail_breach`, `srm`, …); null for the card's own lines. */
  readonly code: string | null;
}

export interface Decision {
  readonly kind: DecisionKind;
  readonly label: string;
  readonly tone: "positive" | "negative" | "warning" | "neutral";
  readonly lines: ReadonlyArray<DecisionLine>;
}

const labels: Record<DecisionKind, string> = {
  not_evaluated: "Not evaluated yet",
  ship: "Ship",
  keep_running: "Keep running",
  roll_back: "Roll back",
  inconclusive: "Inconclusive",
};

const order = { blocking: 0, warning: 1, ok: 2 } as const;

/**
 * The decision policy's verdict as the card shows it: the server's status and reasons (codes and the words the
 * policy wrote), blocking ones first, a tripped fail-closed guard said before everything. The dashboard never
 * derives a verdict of its own: before the engine's first evaluation it says so.
 * @example decisionView(summary.decision).label // "Ship"
 */
export function decisionView(d: ServerDecision | null | undefined): Decision {
  if (d === null || d === undefined || d.evaluated_at === null) {
    return {
      kind: "not_evaluated",
      label: labels.not_evaluated,
      tone: "neutral",
      lines: [
        {
          text:
            d === null || d === undefined
              ? "This server runs no decision engine."
              : "The decision engine has not evaluated this experiment yet.",
          severity: "ok",
          code: null,
        },
      ],
    };
  }
  const tone = (
    { ship: "positive", roll_back: "negative", inconclusive: "warning", keep_running: "neutral" } as const
  )[d.status];
  const guard: DecisionLine[] =
    d.fail_closed?.active === true
      ? [
          {
            text: `Fail-closed: treatments are off since ${formatDateTime(d.fail_closed.tripped_at)} (re-enable deliberately).`,
            severity: "blocking",
            code: "fail_closed",
          },
        ]
      : [];
  const reasons = [...d.reasons]
    .sort((a, b) => order[a.severity] - order[b.severity])
    .map((r): DecisionLine => ({ text: r.message, severity: r.severity, code: r.code }));
  return {
    kind: d.status,
    label: labels[d.status],
    tone,
    lines: [
      ...guard,
      ...reasons,
      {
        text: `Evaluated by the decision engine at ${formatDateTime(d.evaluated_at)}.`,
        severity: "ok",
        code: null,
      },
    ],
  };
}
