import type { ReactNode } from "react";
import type { Rollout } from "../api/api-types.js";
import { Badge } from "./badge.js";

const statusTone = {
  scheduled: "info",
  running: "info",
  completed: "positive",
  stopped: "negative",
  cancelled: "neutral",
} as const;

const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

/** Numbers of a stop reason worth showing, in a fixed order. */
const shownValues = [
  "relative_harm",
  "threshold",
  "harm_lower_bound",
  "p_value",
  "alpha",
  "control_value",
  "treatment_value",
];

function formatValue(value: unknown): string {
  if (typeof value !== "number") return String(value);
  return Math.abs(value) >= 0.001 || value === 0
    ? String(Math.round(value * 10000) / 10000)
    : value.toExponential(2);
}

/**
 * A flag's guarded rollout in one environment: the steps with the current one marked, the next step's time, the
 * guardrails and, when it stopped, why (reason code, message and numbers).
 * @example <RolloutSchedule rollout={rollout} environment="production" />
 */
export function RolloutSchedule({
  rollout,
  environment,
}: {
  readonly rollout: Rollout | null;
  readonly environment: string;
}): ReactNode {
  if (rollout === null) return <p className="muted">No rollout schedule in {environment}.</p>;
  const reason = rollout.stop_reason;
  return (
    <div className="card rollout-schedule" data-rollout-status={rollout.status}>
      <p>
        <Badge tone={statusTone[rollout.status]}>{rollout.status}</Badge>{" "}
        {rollout.current_step < 0
          ? "no step applied yet"
          : `step ${rollout.current_step + 1} of ${rollout.steps.length} (${rollout.steps[rollout.current_step]?.percentage ?? 0}%)`}
        {rollout.next_at === null ? null : <> · next step {utc(rollout.next_at)}</>}
      </p>
      <table className="table rollout-steps">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col" className="num">
              Rollout
            </th>
            <th scope="col">At</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {rollout.steps.map((step, i) => {
            const state =
              i < rollout.current_step
                ? "done"
                : i === rollout.current_step
                  ? rollout.status === "stopped"
                    ? rollout.stop_reason?.code === "guardrail_breach"
                      ? "rolled back"
                      : "stopped"
                    : "current"
                  : rollout.status === "scheduled" || rollout.status === "running"
                    ? "pending"
                    : "not applied";
            return (
              <tr
                key={step.at}
                data-step={i}
                aria-current={i === rollout.current_step ? "step" : undefined}
                className={i === rollout.current_step ? "current-row" : undefined}
              >
                <td data-label="Step">{i + 1}</td>
                <td data-label="Rollout" className="num">
                  {step.percentage}%
                </td>
                <td data-label="At">{utc(step.at)}</td>
                <td data-label="State">{state}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted small">
        Guardrails:{" "}
        {rollout.guardrails.length === 0
          ? "none"
          : rollout.guardrails
              .map(
                (g) =>
                  `${g.metric_key} (${g.direction === "decrease" ? "rise" : "fall"} > ${g.threshold * 100}% stops)`,
              )
              .join(", ")}{" "}
        · always-valid, α = {rollout.alpha}
      </p>
      {reason === null ? null : (
        <div className="rollout-stop" role="note" data-stop-reason={reason.code}>
          <p>
            <strong>Stopped: {reason.code.replaceAll("_", " ")}</strong> — {reason.message}
          </p>
          <dl className="stop-values">
            {shownValues
              .filter((k) => reason.values[k] !== undefined && reason.values[k] !== null)
              .map((k) => (
                <div key={k}>
                  <dt>{k.replaceAll("_", " ")}</dt>
                  <dd className="num">{formatValue(reason.values[k])}</dd>
                </div>
              ))}
          </dl>
        </div>
      )}
    </div>
  );
}
