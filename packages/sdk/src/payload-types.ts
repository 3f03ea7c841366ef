/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The payload format version this SDK reads. */
export const PAYLOAD_FORMAT_VERSION = 1;

/** Attribute operators of a {@link Condition}; see docs/sdk.md for the exact semantics of each. */
export type ConditionOperator =
  | "eq"
  | "neq"
  | "in"
  | "nin"
  | "gt"
  | "gte"
  | "lt"
  | "lte"
  | "date_gt"
  | "date_gte"
  | "date_lt"
  | "date_lte"
  | "semver_eq"
  | "semver_neq"
  | "semver_gt"
  | "semver_gte"
  | "semver_lt"
  | "semver_lte"
  | "contains"
  | "regex"
  | "exists";

/** One test of one attribute, e.g. `{ "attribute": "country", "op": "in", "value": ["DE", "FR"] }`. */
export interface AttributeCondition {
  attribute: string;
  op: ConditionOperator;
  value?: JsonValue;
}

/** A targeting condition: an attribute test or an and/or/not over conditions. */
export type Condition = AttributeCondition | { and: Condition[] } | { or: Condition[] } | { not: Condition };

/** Who may be assigned: in at least one include segment (when any), in no exclude segment, and matching `condition`. */
export interface Targeting {
  includeSegments?: string[];
  excludeSegments?: string[];
  condition?: Condition;
}

/** A named, reusable condition. */
export interface Segment {
  key: string;
  condition: Condition;
  description?: string;
}

/** A global holdout: `percentage` of all identities are kept out of every experiment not `holdoutExempt`. */
export interface Holdout {
  key: string;
  percentage: number;
  salt: string;
  seed: number;
}

/** An experiment's share of a mutual-exclusion layer: layer buckets in `[start, end)` percent. */
export interface LayerAllocation {
  experimentKey: string;
  start: number;
  end: number;
}

/** A mutual-exclusion layer: its experiments own disjoint ranges of one layer hash, so they never share a user. */
export interface Layer {
  key: string;
  salt: string;
  seed: number;
  allocations: LayerAllocation[];
}

export interface ExperimentVariant {
  key: string;
  /** Percent of enrolled users; the weights of an experiment sum to 100 (fractions allowed). */
  weight: number;
  isControl: boolean;
  /** The flag value this variant serves when a flag links to the experiment. */
  value?: JsonValue;
}

export type ExperimentStatus = "draft" | "running" | "paused" | "completed" | "archived";

export interface Experiment {
  key: string;
  status: ExperimentStatus;
  variants: ExperimentVariant[];
  salt: string;
  seed: number;
  /** Incremented on each salt rotation; sticky assignments record the iteration they were made in. */
  iteration: number;
  /** Percent of eligible identities enrolled (0..100); growing it never moves an enrolled identity. */
  coverage: number;
  layer?: string;
  targeting: Targeting;
  /** Sticky assignments made before this iteration are ignored (re-randomise everyone). Default 0. */
  minStickyIteration?: number;
  holdoutExempt?: boolean;
  name?: string;
  description?: string;
  hypothesis?: string;
  ownerTeam?: string;
  startAt?: string;
  endAt?: string;
  metadata?: { [key: string]: JsonValue };
}

export type FlagType = "boolean" | "string" | "number" | "json";

/** A targeting rule: the first rule (in order) whose targeting matches serves `value`. */
export interface FlagRule extends Targeting {
  id?: string;
  value: JsonValue;
}

/** Serves `value` to `percentage` percent of identities (stable: growing it keeps everyone already in). */
export interface FlagRollout {
  percentage: number;
  value: JsonValue;
  salt?: string;
  seed?: number;
}

/** The flag `flagKey` must evaluate to `value` (deep equality) or this flag serves its default. */
export interface FlagPrerequisite {
  flagKey: string;
  value: JsonValue;
}

export interface FlagOverride {
  identityId: string;
  value: JsonValue;
}

export interface Flag {
  key: string;
  type: FlagType;
  defaultValue: JsonValue;
  enabled: boolean;
  /** Forces `defaultValue` for everyone, whatever else is configured. */
  killSwitch: boolean;
  rules: FlagRule[];
  rollout: FlagRollout | null;
  prerequisites: FlagPrerequisite[];
  overrides: FlagOverride[];
  /** Serve the assigned variant's `value` to identities enrolled in this experiment. */
  experimentKey?: string;
  description?: string;
}

/** The configuration payload the server serves and the SDK evaluates locally (docs/sdk.md). */
export interface AssayPayload {
  /** Payload format version; this SDK reads {@link PAYLOAD_FORMAT_VERSION}. */
  version: number;
  environment: string;
  /** ISO 8601 time the server generated the payload. */
  generatedAt: string;
  /** Default salt of flag rollouts. */
  salt?: string;
  holdout?: Holdout | null;
  layers: Layer[];
  segments: Segment[];
  experiments: Experiment[];
  flags: Flag[];
}

/**
 * The evaluation context: `identity_id`, falling back to `anon_id`, identifies the unit; conditions read the
 * other attributes by name. Any object type (interfaces included) is accepted.
 */
export type Attributes = { readonly identity_id?: string | number; readonly anon_id?: string | number } & {
  // biome-ignore lint/suspicious/noExplicitAny: `any` (not `unknown`) lets interface types without an index signature be passed.
  readonly [name: string]: any;
};
