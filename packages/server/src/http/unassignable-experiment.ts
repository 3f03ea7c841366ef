import type { Experiment } from "../registry/experiment-schema.js";

/** Why `POST /api/assign` cannot assign into a requested key the SDK payload lacks: a reason code and a sentence. */
export interface UnassignableExperiment {
  readonly reason: "UNKNOWN_EXPERIMENT" | "NOT_RUNNING";
  readonly message: string;
}

/**
 * Names the experiment and says why it assigns no one: the team has no experiment with that key, or it exists
 * but is not running or paused (only those are in the SDK payload).
 * @example unassignableExperiment("exp_x", "growth", experiments) // { reason: "UNKNOWN_EXPERIMENT", message: "…" }
 */
export function unassignableExperiment(
  key: string,
  team: string,
  experiments: ReadonlyArray<Pick<Experiment, "key" | "status">>,
): UnassignableExperiment {
  const found = experiments.find((e) => e.key === key);
  if (found === undefined) {
    return {
      reason: "UNKNOWN_EXPERIMENT",
      message: `unknown experiment "${key}": team "${team}" has no experiment with this key (GET /api/experiments lists them)`,
    };
  }
  return {
    reason: "NOT_RUNNING",
    message: `experiment "${key}" is ${found.status}: only running and paused experiments assign users (start it first)`,
  };
}
