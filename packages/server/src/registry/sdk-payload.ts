import type {
  AssayPayload,
  Condition,
  Flag,
  JsonValue,
  Experiment as SdkExperiment,
  Segment,
  Targeting,
} from "@assay/sdk";
import type { StoredFlag } from "./definition-store.js";
import type { Experiment } from "./experiment-schema.js";

function toTargeting(t: Experiment["targeting"]): Targeting {
  return {
    ...(t.include_segments.length > 0 ? { includeSegments: [...t.include_segments] } : {}),
    ...(t.exclude_segments.length > 0 ? { excludeSegments: [...t.exclude_segments] } : {}),
    ...(t.condition === null ? {} : { condition: t.condition as unknown as Condition }),
  };
}

const isEmptyTargeting = (t: Experiment["targeting"]): boolean =>
  t.include_segments.length === 0 && t.exclude_segments.length === 0 && t.condition === null;

/** Experiments the SDK may assign into: running ones, and paused ones (which serve no new assignments). */
export const deliveredStatuses: ReadonlySet<string> = new Set(["running", "paused"]);

function toSdkExperiment(e: Experiment, failClosed: boolean): SdkExperiment {
  return {
    key: e.key,
    status: e.status === "paused" || failClosed ? "paused" : "running",
    // Fail-closed (a guardrail breach): the treatments get no traffic, everyone is served control.
    variants: e.variants.map((v) => ({
      key: v.key,
      weight: failClosed ? (v.is_control ? 100 : 0) : v.allocation,
      isControl: v.is_control,
      ...(Object.keys(v.configuration).length === 0 ? {} : { value: v.configuration as JsonValue }),
    })),
    salt: e.assignment_salt,
    seed: e.assignment_seed,
    iteration: 0,
    coverage: 100,
    targeting: toTargeting(e.targeting),
    name: e.name,
    ownerTeam: e.owner_team,
    ...(e.start_at === null ? {} : { startAt: e.start_at }),
    ...(e.end_at === null ? {} : { endAt: e.end_at }),
  };
}

function toSdkFlag(f: StoredFlag): Flag {
  const served = f.variation_value ?? (f.type === "boolean" ? true : f.default_value);
  const targeted = !isEmptyTargeting(f.targeting);
  return {
    key: f.key,
    type: f.type,
    defaultValue: f.default_value,
    enabled: f.enabled,
    killSwitch: false,
    // A targeted flag serves its value to every matching identity; an untargeted one to rollout_percentage of all.
    rules: targeted ? [{ ...toTargeting(f.targeting), value: served }] : [],
    rollout: targeted ? null : { percentage: f.rollout_percentage, value: served, salt: f.key, seed: 0 },
    prerequisites: f.dependencies.map((d) => ({ flagKey: d.flag_key, value: d.value })),
    overrides: [],
    ...(f.experiment_key === null ? {} : { experimentKey: f.experiment_key }),
    ...(f.description === "" ? {} : { description: f.description }),
  };
}

/**
 * The payload the SDK evaluates locally: a team's delivered experiments, its flags and segments.
 * @example buildSdkPayload({ experiments, flags, segments }, "production", new Date())
 */
export function buildSdkPayload(
  registry: {
    experiments: ReadonlyArray<Experiment>;
    flags: ReadonlyArray<StoredFlag>;
    segments: ReadonlyArray<{ key: string; condition: unknown; description?: string; is_active: boolean }>;
    /** Experiments whose fail-closed guard is active (decisions). */
    failClosed?: ReadonlySet<string>;
  },
  environment: string,
  generatedAt: Date,
): AssayPayload {
  return {
    version: 1,
    environment,
    generatedAt: generatedAt.toISOString(),
    layers: [],
    segments: registry.segments
      .filter((s) => s.is_active)
      .map((s): Segment => ({ key: s.key, condition: s.condition as Condition })),
    experiments: registry.experiments
      .filter((e) => deliveredStatuses.has(e.status))
      .map((e) => toSdkExperiment(e, registry.failClosed?.has(e.key) === true)),
    flags: registry.flags.map(toSdkFlag),
  };
}
