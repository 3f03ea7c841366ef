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

/**
 * Who reads a payload: `server` (a server-side SDK key, or any team API key) gets everything the SDK evaluates;
 * `client` (a browser or app key, public by nature) gets what evaluation needs and nothing else — no overrides
 * (identity lists), no descriptions, no experiment names, owners or dates (docs/sdk.md "Keys and environments").
 */
export type SdkKeyKind = "server" | "client";

function toSdkExperiment(e: Experiment, failClosed: boolean, keyKind: SdkKeyKind): SdkExperiment {
  const evaluated: SdkExperiment = {
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
  };
  if (keyKind === "client") return evaluated;
  return {
    ...evaluated,
    name: e.name,
    ownerTeam: e.owner_team,
    ...(e.start_at === null ? {} : { startAt: e.start_at }),
    ...(e.end_at === null ? {} : { endAt: e.end_at }),
  };
}

/**
 * The targeting as one condition, with segments inlined (SDK semantics: any include segment, no exclude
 * segment, and the condition). Null when it can match nobody (every include segment unknown or inactive).
 */
function targetingCondition(
  t: Experiment["targeting"],
  segments: ReadonlyMap<string, Condition>,
): Condition | null {
  const parts: Condition[] = [];
  if (t.include_segments.length > 0) {
    const include = t.include_segments.flatMap((k) => segments.get(k) ?? []);
    if (include.length === 0) return null;
    parts.push(include.length === 1 ? include[0]! : { or: include });
  }
  for (const k of t.exclude_segments) {
    const c = segments.get(k);
    if (c !== undefined) parts.push({ not: c });
  }
  if (t.condition !== null) parts.push(t.condition as unknown as Condition);
  return parts.length === 1 ? parts[0]! : { and: parts };
}

function toSdkFlag(
  f: StoredFlag,
  segments: ReadonlyMap<string, Condition>,
  keyKind: SdkKeyKind,
  elsewhere: ReadonlySet<string>,
): Flag {
  const served = f.variation_value ?? (f.type === "boolean" ? true : f.default_value);
  const targeted = !isEmptyTargeting(f.targeting);
  const rollout = { percentage: f.rollout_percentage, value: served, salt: f.key, seed: 0 };
  let rules: Flag["rules"] = [];
  if (targeted) {
    const match = targetingCondition(f.targeting, segments);
    if (f.rollout_percentage >= 100) {
      // Every matching identity: a plain targeting rule (reason TARGETING_MATCH).
      rules = match === null ? [] : [{ id: "targeting", condition: match, value: served }];
    } else {
      // rollout_percentage of the matching identities: identities outside the targeting get the
      // default from a rule, everyone left goes through the SDK's rollout (stable as it grows).
      rules = [
        match === null
          ? { id: "outside-targeting", value: f.default_value }
          : { id: "outside-targeting", condition: { not: match }, value: f.default_value },
      ];
    }
  }
  return {
    key: f.key,
    type: f.type,
    defaultValue: f.default_value,
    enabled: f.enabled,
    killSwitch: false,
    rules,
    rollout: targeted && f.rollout_percentage >= 100 ? null : rollout,
    prerequisites: f.dependencies.map((d) => ({ flagKey: d.flag_key, value: d.value })),
    // Who is overridden is server-only: a client key's payload is public.
    overrides:
      keyKind === "client" ? [] : f.overrides.map((o) => ({ identityId: o.identity_id, value: o.value })),
    // An experiment that runs in another environment is not in this payload: the flag serves as if unlinked.
    ...(f.experiment_key === null || elsewhere.has(f.experiment_key)
      ? {}
      : { experimentKey: f.experiment_key }),
    ...(f.description === "" || keyKind === "client" ? {} : { description: f.description }),
  };
}

/**
 * The payload the SDK evaluates locally for one environment and one kind of key: the team's delivered experiments
 * that run in `environment`, its flags as they stand there (`registry.flags` must be that environment's), and its
 * segments. A `client` payload leaves out server-only data (see `SdkKeyKind`).
 * @example buildSdkPayload({ experiments, flags: await listFlags(tx, "staging"), segments }, "staging", "client", new Date())
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
  keyKind: SdkKeyKind,
  generatedAt: Date,
): AssayPayload {
  const active = registry.segments.filter((s) => s.is_active);
  const segmentConditions = new Map(active.map((s) => [s.key, s.condition as Condition]));
  const elsewhere = new Set(
    registry.experiments.filter((e) => e.environment !== environment).map((e) => e.key),
  );
  return {
    version: 1,
    environment,
    generatedAt: generatedAt.toISOString(),
    layers: [],
    segments: active.map((s): Segment => ({ key: s.key, condition: s.condition as Condition })),
    experiments: registry.experiments
      .filter((e) => e.environment === environment && deliveredStatuses.has(e.status))
      .map((e) => toSdkExperiment(e, registry.failClosed?.has(e.key) === true, keyKind)),
    flags: registry.flags.map((f) => toSdkFlag(f, segmentConditions, keyKind, elsewhere)),
  };
}
