import { alwaysTrue, compileCondition, type Predicate } from "./condition.js";
import type {
  AssayPayload,
  Experiment,
  ExperimentVariant,
  Flag,
  JsonValue,
  Targeting,
} from "./payload-types.js";
import { createSuffixHasher } from "./xxhash32.js";

/** `(identity, seed) => xxHash32(identity + ":" + key + ":" + salt, seed)`, the suffix encoded once. */
export type IdentityHasher = (identityId: string, seed: number) => number;

export interface CompiledHashRange {
  readonly key: string;
  readonly seed: number;
  readonly hash: IdentityHasher;
}

export interface CompiledExperiment {
  readonly def: Experiment;
  readonly key: string;
  readonly running: boolean;
  readonly variants: ReadonlyArray<ExperimentVariant>;
  readonly variantKeys: ReadonlyArray<string>;
  readonly weights: ReadonlyArray<number>;
  readonly salt: string;
  readonly seed: number;
  readonly iteration: number;
  readonly minStickyIteration: number;
  /** Enrolled when the coverage bucket is below this (basis points); 10000 skips the coverage hash. */
  readonly coverageThreshold: number;
  readonly variantHash: IdentityHasher;
  readonly coverageHash: IdentityHasher;
  readonly targeting: Predicate | null;
  readonly holdout: (CompiledHashRange & { readonly threshold: number }) | null;
  readonly layer: (CompiledHashRange & { readonly start: number; readonly end: number }) | null;
}

export interface CompiledRule {
  readonly match: Predicate;
  readonly value: JsonValue;
}

export interface CompiledPrerequisite {
  flag: CompiledFlag;
  readonly equals: (value: JsonValue) => boolean;
}

export interface CompiledFlag {
  readonly def: Flag;
  readonly key: string;
  /** The `typeof` a code default must have; null for json flags. */
  readonly jsType: "boolean" | "string" | "number" | null;
  readonly defaultValue: JsonValue;
  /** enabled and not killed. */
  readonly on: boolean;
  readonly prerequisites: CompiledPrerequisite[];
  readonly overrides: ReadonlyMap<string, JsonValue> | null;
  readonly rules: ReadonlyArray<CompiledRule>;
  readonly experiment: CompiledExperiment | null;
  readonly rollout: {
    readonly threshold: number;
    readonly value: JsonValue;
    readonly seed: number;
    readonly hash: IdentityHasher;
  } | null;
}

export interface CompiledPayload {
  readonly payload: AssayPayload;
  readonly experiments: ReadonlyMap<string, CompiledExperiment>;
  readonly flags: ReadonlyMap<string, CompiledFlag>;
}

/** Structural equality of JSON values. */
export function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEquals(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !jsonEquals(a[key]!, b[key]!)) return false;
  }
  return true;
}

function compileTargeting(t: Targeting, segments: ReadonlyMap<string, Predicate>): Predicate | null {
  const include = (t.includeSegments ?? []).map((k) => segments.get(k)!);
  const exclude = (t.excludeSegments ?? []).map((k) => segments.get(k)!);
  const condition = t.condition === undefined ? null : compileCondition(t.condition);
  if (include.length === 0 && exclude.length === 0) return condition;
  return (attributes) => {
    if (include.length > 0) {
      let any = false;
      for (let i = 0; i < include.length; i++) {
        if (include[i]!(attributes)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    for (let i = 0; i < exclude.length; i++) if (exclude[i]!(attributes)) return false;
    return condition === null || condition(attributes);
  };
}

/**
 * Precompiles a payload that passed `validatePayload`: conditions become closures over parsed operands,
 * percentages become basis-point thresholds, keys become maps, prerequisites become references.
 */
export function compilePayload(payload: AssayPayload): CompiledPayload {
  const segments = new Map<string, Predicate>();
  for (const s of payload.segments) segments.set(s.key, compileCondition(s.condition));
  const holdout = payload.holdout
    ? {
        key: payload.holdout.key,
        seed: payload.holdout.seed,
        hash: createSuffixHasher(`:${payload.holdout.key}:${payload.holdout.salt}`),
        threshold: payload.holdout.percentage * 100,
      }
    : null;
  const layers = new Map(payload.layers.map((l) => [l.key, l]));
  const experiments = new Map<string, CompiledExperiment>();
  for (const e of payload.experiments) {
    const layer = e.layer === undefined ? undefined : layers.get(e.layer);
    const allocation = layer?.allocations.find((a) => a.experimentKey === e.key);
    experiments.set(e.key, {
      def: e,
      key: e.key,
      running: e.status === "running",
      variants: e.variants,
      variantKeys: e.variants.map((v) => v.key),
      weights: e.variants.map((v) => v.weight),
      salt: e.salt,
      seed: e.seed,
      iteration: e.iteration,
      minStickyIteration: e.minStickyIteration ?? 0,
      coverageThreshold: e.coverage * 100,
      variantHash: createSuffixHasher(`:${e.key}:${e.salt}`),
      coverageHash: createSuffixHasher(`:${e.key}:${e.salt}:coverage`),
      targeting: compileTargeting(e.targeting, segments),
      holdout: e.holdoutExempt === true ? null : holdout,
      layer:
        layer && allocation
          ? {
              key: layer.key,
              seed: layer.seed,
              hash: createSuffixHasher(`:${layer.key}:${layer.salt}`),
              start: allocation.start * 100,
              end: allocation.end * 100,
            }
          : null,
    });
  }
  const flags = new Map<string, CompiledFlag>();
  for (const f of payload.flags) {
    flags.set(f.key, {
      def: f,
      key: f.key,
      jsType: f.type === "json" ? null : f.type,
      defaultValue: f.defaultValue,
      on: f.enabled && !f.killSwitch,
      prerequisites: [],
      overrides: f.overrides.length === 0 ? null : new Map(f.overrides.map((o) => [o.identityId, o.value])),
      rules: f.rules.map((r) => ({ match: compileTargeting(r, segments) ?? alwaysTrue(), value: r.value })),
      experiment: f.experimentKey === undefined ? null : experiments.get(f.experimentKey)!,
      rollout: f.rollout
        ? {
            threshold: f.rollout.percentage * 100,
            value: f.rollout.value,
            seed: f.rollout.seed ?? 0,
            hash: createSuffixHasher(`:${f.key}:${f.rollout.salt ?? payload.salt ?? ""}`),
          }
        : null,
    });
  }
  for (const f of payload.flags) {
    const compiled = flags.get(f.key)!;
    for (const p of f.prerequisites) {
      const want = p.value;
      compiled.prerequisites.push({
        flag: flags.get(p.flagKey)!,
        equals: typeof want === "object" && want !== null ? (v) => jsonEquals(v, want) : (v) => v === want,
      });
    }
  }
  return { payload, experiments, flags };
}
