import { type InputTableName, inputTableNames, inputTables } from "../io/input-schema.js";
import type { ModelDefinition } from "../models/model.js";
import { statisticsReads } from "../results/compute-results.js";
import { qualityReportReads } from "../results/quality-report.js";

/** The daily jobs of seed 001, in run order (`assay build <step>`). */
export const pipelineSteps = ["assignments", "exposure-validation", "outcomes", "results"] as const;
export type PipelineStep = (typeof pipelineSteps)[number];

/**
 * The raw inputs each job lands. Everything else comes from the model graph: a model belongs to the job of the
 * last raw input it reads (transitively, through `dependsOn`); the results job builds no model and reads what
 * the statistics and the quality report read.
 */
const landedBy: Readonly<Record<PipelineStep, ReadonlyArray<InputTableName>>> = {
  assignments: ["assignments"],
  "exposure-validation": ["exposures"],
  outcomes: ["events", "user_attributes"],
  results: [],
};

const inputOfRelation = new Map<string, InputTableName>(
  inputTableNames.map((name) => [inputTables[name].relation, name]),
);

/** What one job reads and builds, derived from the models' `dependsOn`. */
export interface StepPlan {
  readonly step: PipelineStep;
  /** Raw tables its models read (every partition up to dt). */
  readonly raw: ReadonlyArray<InputTableName>;
  /** Persisted models of earlier jobs it reads (their dt partition, when not built in the same run). */
  readonly upstream: ReadonlyArray<string>;
  /** Its models, in build order. */
  readonly models: ReadonlyArray<ModelDefinition>;
}

/**
 * Splits the models into the daily jobs by the graph.
 * @example const outcomes = planSteps(warehouse.models).find((p) => p.step === "outcomes");
 */
export function planSteps(models: ReadonlyArray<ModelDefinition>): ReadonlyArray<StepPlan> {
  const byName = new Map(models.map((m) => [m.name, m]));
  const stepIndex = new Map<string, number>();
  const indexOf = (name: string): number => {
    const known = stepIndex.get(name);
    if (known !== undefined) return known;
    const input = inputOfRelation.get(name);
    if (input !== undefined) return pipelineSteps.findIndex((step) => landedBy[step].includes(input));
    // Config relations (`cfg_*`) belong to no job.
    const model = byName.get(name);
    const index = model ? Math.max(0, ...model.dependsOn.map(indexOf)) : 0;
    stepIndex.set(name, index);
    return index;
  };
  return pipelineSteps.map((step, index) => {
    const own = step === "results" ? [] : models.filter((m) => indexOf(m.name) === index);
    const ownNames = new Set(own.map((m) => m.name));
    const reads =
      step === "results" ? [...statisticsReads, ...qualityReportReads] : own.flatMap((m) => m.dependsOn);
    const upstream = reads.filter((name) => byName.has(name) && !ownNames.has(name));
    return {
      step,
      raw: step === "results" ? [] : landedBy[step],
      upstream: [...new Set(upstream)],
      models: own,
    };
  });
}

/** The job that builds a model (for "run this first" messages). */
export function producerOf(plans: ReadonlyArray<StepPlan>, model: string): PipelineStep {
  return plans.find((plan) => plan.models.some((m) => m.name === model))?.step ?? "results";
}
