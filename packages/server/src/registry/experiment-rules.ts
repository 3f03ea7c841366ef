import { BadRequestError, ConflictError } from "../http/http-error.js";
import type { Experiment, ExperimentInput, ExperimentStatus } from "./experiment-schema.js";

/**
 * The cross-field rules of seed 003 (and the metrics contract of seed 002); throws a 400 naming
 * the field of the first broken rule.
 */
export function checkExperimentRules(input: ExperimentInput, knownMetrics: ReadonlySet<string>): void {
  const { variants, metrics } = input;
  if (variants.length < 2) throw new BadRequestError("variants", "at least 2 variants are required");
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    if (seen.has(v.key)) throw new BadRequestError(`variants[${i}].key`, `duplicate variant key '${v.key}'`);
    seen.add(v.key);
  });
  const controls = variants.filter((v) => v.is_control).length;
  if (controls !== 1)
    throw new BadRequestError("variants", `exactly one variant must be the control (found ${controls})`);
  const total = variants.reduce((sum, v) => sum + v.allocation, 0);
  if (Math.abs(total - 100) > 1e-9) {
    throw new BadRequestError("variants", `traffic allocations must sum to 100 (they sum to ${total})`);
  }
  if (!metrics.some((m) => m.role === "primary")) {
    throw new BadRequestError("metrics", "success metrics must be defined: at least one primary metric");
  }
  const metricKeys = new Set<string>();
  metrics.forEach((m, i) => {
    if (metricKeys.has(m.metric_key)) {
      throw new BadRequestError(`metrics[${i}].metric_key`, `duplicate metric '${m.metric_key}'`);
    }
    metricKeys.add(m.metric_key);
    if (!knownMetrics.has(m.metric_key)) {
      throw new BadRequestError(
        `metrics[${i}].metric_key`,
        `unknown metric '${m.metric_key}' (define it first)`,
      );
    }
    if (m.role === "guardrail" && m.threshold === null) {
      throw new BadRequestError(`metrics[${i}].threshold`, "a guardrail metric needs a threshold");
    }
  });
  if (
    input.start_at !== null &&
    input.end_at !== null &&
    Date.parse(input.end_at) <= Date.parse(input.start_at)
  ) {
    throw new BadRequestError("end_at", "end date must be after start date");
  }
}

/** Legal moves of the status lifecycle; anything else is a 409. */
export const legalTransitions: Readonly<Record<ExperimentStatus, ReadonlyArray<ExperimentStatus>>> = {
  draft: ["submitted", "archived"],
  submitted: ["approved", "draft"],
  approved: ["running", "draft"],
  running: ["paused", "completed"],
  paused: ["running", "completed"],
  completed: ["archived"],
  archived: [],
};

/** Preregistration completeness: required to submit, and again to start. */
export function checkReadyToRun(experiment: Experiment, to: ExperimentStatus): void {
  if (!experiment.metrics.some((m) => m.role === "primary")) {
    throw new ConflictError(`cannot move to ${to}: no primary metric`, "metrics");
  }
  if (!experiment.metrics.some((m) => m.role === "guardrail")) {
    throw new ConflictError(`cannot move to ${to}: no guardrail metric`, "metrics");
  }
  if (experiment.power_analysis === null) {
    throw new ConflictError(`cannot move to ${to}: no power analysis`, "power_analysis");
  }
  if (experiment.prereg_url === null) {
    throw new ConflictError(`cannot move to ${to}: no preregistration link`, "prereg_url");
  }
}
