import type { AssayPayload } from "@assay/sdk";
import { createAssayApi } from "./assay-api.js";
import { ensureRunningExperiment } from "./experiment-setup.js";
import { simulateUsers, type UsersOutcome } from "./simulate-users.js";
import { SimulationError } from "./simulation-error.js";
import { type SimulationOptions, simulationOptionsSchema } from "./simulation-options.js";
import { type BucketingRule, type LakeCheck, verifyLake } from "./verify-lake.js";

/** One treatment's estimated effect on the primary metric next to the true one. */
export interface EffectEstimate {
  readonly variant: string;
  readonly trueEffect: number;
  readonly upliftAbs: number;
  readonly ci: { readonly low: number; readonly high: number };
  readonly covered: boolean;
  readonly pValue: number;
}

export interface GuardrailReading {
  readonly metric_key: string;
  readonly variant: string;
  readonly relative_harm: number;
  readonly z: number;
  readonly boundary: number;
  readonly breached: boolean;
}

export interface DecisionReading {
  readonly status: string;
  readonly experimentStatus: string;
  readonly failClosed: boolean;
  readonly reasons: ReadonlyArray<{
    readonly kind: string;
    readonly severity: string;
    readonly message: string;
  }>;
  readonly guardrails: GuardrailReading[];
  /** The experiment as the SDK payload serves it after the run (status, weights). */
  readonly served: { readonly status: string; readonly weights: Record<string, number> } | null;
}

export interface SimulationReport {
  readonly experiment: string;
  readonly runId: string;
  readonly users: number;
  readonly outcome: UsersOutcome;
  readonly rule: BucketingRule;
  readonly effects: EffectEstimate[];
  readonly decision: DecisionReading;
  readonly lake: LakeCheck | null;
  readonly summaryUrl: string;
  readonly timings: {
    /** Users simulated, from the first payload fetch to the last acknowledgement. */
    readonly simulateMs: number;
    readonly usersPerSecond: number;
    readonly eventsPerSecond: number;
    /** From the last acknowledged event to a summary computed after it (compaction, pipeline, decision, summary). */
    readonly lastEventToSummaryMs: number;
    readonly compactMs: number;
    readonly decisionRunMs: number;
  };
}

interface SummaryJson {
  computed_at: string;
  metrics: Array<{
    metric_key: string;
    itt: Array<{
      variant: string;
      is_control: boolean;
      uplift_abs: number | null;
      p_value: number | null;
      ci: { low: number | null; high: number | null } | null;
    }>;
  }>;
}

interface DecisionJson {
  status: string;
  experiment_status: string;
  reasons: Array<{ kind: string; severity: string; message: string }>;
  fail_closed: { active: boolean } | null;
  details?: { guardrails?: GuardrailReading[] };
}

/** The bucketing rule of one experiment in a payload. */
export function bucketingRule(payload: AssayPayload, experimentKey: string): BucketingRule {
  const e = payload.experiments.find((x) => x.key === experimentKey);
  if (e === undefined) throw new SimulationError(`the SDK payload has no experiment ${experimentKey}`);
  return {
    experimentKey,
    salt: e.salt,
    seed: e.seed,
    weights: e.variants.map((v) => [v.key, v.weight] as const),
  };
}

/**
 * The whole loop against a running server: experiment set-up through the registry API, simulated users
 * through the SDK and the collector, compaction and a decision run (the scheduled pipeline, run now),
 * the summary and decision read back, and, with the lake at hand, the re-hash and exactly-once checks.
 * @example const report = await runSimulation({ url, key, lakeDir: ".assay/lake", users: 5000, ... });
 */
export async function runSimulation(input: SimulationOptions): Promise<SimulationReport> {
  const options = simulationOptionsSchema.parse(input);
  const api = createAssayApi(options.url, options.key);
  const treatments = Object.keys(options.effects);
  const experiment = await ensureRunningExperiment(api, options.experiment, treatments);
  const control = experiment.variants.find((v) => v.isControl)?.key ?? "control";
  const payload = (await api.request<AssayPayload>("GET", "/api/sdk/config?environment=production")).json;
  const rule = bucketingRule(payload, options.experiment);

  const outcome = await simulateUsers(api, options, options.experiment, control);
  const lastEventAt = Math.max(outcome.lastAckAt, outcome.startedAt);

  const compactStart = Date.now();
  await api.request("POST", "/api/admin/compact");
  const compactMs = Date.now() - compactStart;
  const runStart = Date.now();
  const decided = (
    await api.request<DecisionJson>("POST", `/api/experiments/${options.experiment}/decision/run`)
  ).json;
  const decisionRunMs = Date.now() - runStart;
  const summary = (await api.request<SummaryJson>("GET", `/api/experiments/${options.experiment}/summary`))
    .json;
  const summaryAt = Date.now();
  if (Date.parse(summary.computed_at) < lastEventAt) {
    throw new SimulationError(
      `the summary was computed at ${summary.computed_at}, before the last event (${new Date(lastEventAt).toISOString()})`,
    );
  }
  const primary = summary.metrics.find((m) => m.metric_key === "conversion_7d");
  const effects: EffectEstimate[] = [];
  for (const arm of primary?.itt ?? []) {
    if (arm.is_control) continue;
    const trueEffect = options.effects[arm.variant] ?? 0;
    const low = arm.ci?.low ?? Number.NaN;
    const high = arm.ci?.high ?? Number.NaN;
    effects.push({
      variant: arm.variant,
      trueEffect,
      upliftAbs: arm.uplift_abs ?? Number.NaN,
      ci: { low, high },
      covered: low <= trueEffect && trueEffect <= high,
      pValue: arm.p_value ?? Number.NaN,
    });
  }
  const after = (await api.request<AssayPayload>("GET", "/api/sdk/config?environment=production")).json;
  const servedExperiment = after.experiments.find((e) => e.key === options.experiment);
  const decision: DecisionReading = {
    status: decided.status,
    experimentStatus: decided.experiment_status,
    failClosed: decided.fail_closed?.active === true,
    reasons: decided.reasons,
    guardrails: decided.details?.guardrails ?? [],
    served:
      servedExperiment === undefined
        ? null
        : {
            status: servedExperiment.status,
            weights: Object.fromEntries(servedExperiment.variants.map((v) => [v.key, v.weight])),
          },
  };
  const lake =
    options.lakeDir === null ? null : await verifyLake(options.lakeDir, options.runId, rule, outcome);
  const simulateMs = Math.max(1, lastEventAt - outcome.startedAt);
  return {
    experiment: options.experiment,
    runId: options.runId,
    users: options.users,
    outcome,
    rule,
    effects,
    decision,
    lake,
    summaryUrl: `${api.baseUrl}/api/experiments/${options.experiment}/summary`,
    timings: {
      simulateMs,
      usersPerSecond: options.users / (simulateMs / 1000),
      eventsPerSecond: outcome.acknowledged.size / (simulateMs / 1000),
      lastEventToSummaryMs: summaryAt - lastEventAt,
      compactMs,
      decisionRunMs,
    },
  };
}
