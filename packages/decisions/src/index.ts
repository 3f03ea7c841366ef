export { type ArmComparison, compareToControl, type UntestableCause } from "./arm-comparison.js";
export {
  type AnalysisMethod,
  analysisMethods,
  type DecisionConfig,
  decisionConfigSchema,
  defaultDecisionConfig,
  type ScheduleSpec,
} from "./decision-config.js";
export {
  type DecisionReason,
  type ReasonCode,
  type ReasonKind,
  type ReasonSeverity,
  reason,
  reasonCodes,
} from "./decision-reason.js";
export { evaluate, type PolicyDecision, type PolicyEffect, type PolicyResult } from "./evaluate.js";
export {
  type GuaranteeScenario,
  guaranteeScenarios,
  measureScenario,
  type ScenarioRates,
} from "./guarantee-scenarios.js";
export {
  evaluateGuardrails,
  GUARDRAIL_TUNING_SHARE,
  type GuardrailSpec,
  type GuardrailVerdict,
} from "./guardrail-rule.js";
export {
  type ArmStats,
  type MeanArmStats,
  type PolicyExperiment,
  type PolicyExperimentInput,
  type PolicyMetric,
  type PolicySnapshot,
  type PolicySnapshotInput,
  policyExperimentSchema,
  policySnapshotSchema,
  type RatioArmStats,
} from "./policy-input.js";
export {
  type DecisionStatus,
  initialPolicyState,
  type PolicyState,
  type PrimaryOutcome,
  readPolicyState,
} from "./policy-state.js";
export { monitorPower, type PowerMonitorInput, type PowerReport } from "./power-monitor.js";
export {
  DEFAULT_TUNING_N,
  evaluatePrimary,
  type PrimaryComparison,
  primaryBoundary,
} from "./primary-rule.js";
export {
  historySchema,
  type ReplayOutcome,
  type ReplayTraceEntry,
  replayHistory,
  replayLine,
} from "./replay.js";
export {
  boundaryAt,
  createSequentialPlan,
  lookAt,
  planFromConfig,
  plannedPerVariant,
  type SequentialOutcome,
  type SequentialPlan,
  sequentialOutcome,
} from "./sequential-plan.js";
export {
  SIMULATION_BASELINE,
  SIMULATION_MDE_ABS,
  type SimulatedEffects,
  type SimulationSettings,
  simulateHistory,
} from "./simulate-history.js";
export { evaluateSrm, type SrmVerdict } from "./srm-rule.js";
