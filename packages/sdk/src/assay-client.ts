import { chooseVariantIndex } from "./bucketing.js";
import {
  type CompiledExperiment,
  type CompiledFlag,
  type CompiledPayload,
  compilePayload,
} from "./compile-payload.js";
import type { AssayPayload, Attributes, Experiment, ExperimentVariant, JsonValue } from "./payload-types.js";
import type { StickyAssignmentStore } from "./sticky-store.js";
import { validatePayload } from "./validate-payload.js";

/** Why a flag evaluated to its value. */
export type FlagReason =
  | "OFF"
  | "TARGETING_MATCH"
  | "ROLLOUT"
  | "EXPERIMENT"
  | "PREREQUISITE_FAILED"
  | "OVERRIDE"
  | "DEFAULT"
  | "ERROR";

/** Why an identity is (`ASSIGNED`, `STICKY`) or is not in an experiment. */
export type AssignmentReason =
  | "ASSIGNED"
  | "STICKY"
  | "NOT_RUNNING"
  | "NO_IDENTITY"
  | "TARGETING_MISS"
  | "HOLDOUT"
  | "LAYER_EXCLUDED"
  | "COVERAGE_EXCLUDED"
  | "ERROR";

export interface FlagEvaluation<T> {
  readonly flagKey: string;
  readonly value: T;
  readonly reason: FlagReason;
  /** The variant served, when `reason` is `EXPERIMENT`. */
  readonly variant?: string;
}

export interface Assignment {
  readonly experimentKey: string;
  readonly inExperiment: boolean;
  readonly variant: string | null;
  readonly value: JsonValue | undefined;
  readonly reason: AssignmentReason;
  /** The iteration the assignment was made in (older than the experiment's after a salt rotation, if sticky). */
  readonly iteration: number | null;
}

/** What the exposure callback receives, once per identity × experiment for the client's lifetime. */
export interface Exposure {
  readonly experimentKey: string;
  readonly experiment: Experiment;
  readonly variant: ExperimentVariant;
  readonly identityId: string;
  readonly reason: "ASSIGNED" | "STICKY";
  readonly iteration: number;
}

export type AssayErrorCode =
  | "INVALID_PAYLOAD"
  | "UNKNOWN_FLAG"
  | "UNKNOWN_EXPERIMENT"
  | "TYPE_MISMATCH"
  | "EVALUATION_FAILED"
  | "STICKY_STORE_FAILED"
  | "CALLBACK_FAILED";

/** A problem the client reports (once each) instead of throwing into the host application. */
export interface AssayError {
  readonly code: AssayErrorCode;
  readonly message: string;
  /** JSON path of the payload problem, for INVALID_PAYLOAD. */
  readonly path?: string;
  /** The flag or experiment concerned. */
  readonly key?: string;
  readonly cause?: unknown;
}

/** Literal types widened: `getFlag("k", false)` is a `boolean`, not `false`. */
export type Widen<T> = T extends boolean
  ? boolean
  : T extends string
    ? string
    : T extends number
      ? number
      : T;

export interface AssayClientOptions {
  /** The configuration payload (parsed JSON). A malformed one is reported and every evaluation serves the code default. */
  payload: unknown;
  /** Default attributes; each call may pass its own instead (server-side use: one client, many users). */
  attributes?: Attributes;
  stickyStore?: StickyAssignmentStore;
  onExposure?: (exposure: Exposure) => void;
  /** Defaults to `console.warn`. Each distinct problem is reported once. */
  onError?: (error: AssayError) => void;
}

export interface AssayClient {
  /** The flag's value, or `codeDefault` when the flag is unknown, of another type, or the payload is bad. */
  getFlag<T extends JsonValue>(key: string, codeDefault: T, attributes?: Attributes): Widen<T>;
  /** `getFlag` plus the reason (and the variant when served by an experiment). */
  getFlagDetails<T extends JsonValue>(
    key: string,
    codeDefault: T,
    attributes?: Attributes,
  ): FlagEvaluation<Widen<T>>;
  /** True when the boolean flag evaluates to true. */
  isEnabled(key: string, attributes?: Attributes): boolean;
  /** The variant key, or null when not in the experiment. Fires the exposure callback. */
  getVariant(experimentKey: string, attributes?: Attributes): string | null;
  /** The assignment with its reason. Fires the exposure callback when in the experiment. */
  getAssignment(experimentKey: string, attributes?: Attributes): Assignment;
  setAttributes(attributes: Attributes): void;
  /** Replaces the payload (validated and precompiled again). Returns false if it was rejected. */
  setPayload(payload: unknown): boolean;
  /** The payload in use, or null when the last one was rejected. */
  getPayload(): AssayPayload | null;
}

const NO_ATTRIBUTES: Attributes = Object.freeze({});

function identityOf(attributes: Attributes): string | undefined {
  const id = attributes.identity_id;
  if (typeof id === "string" && id !== "") return id;
  if (typeof id === "number" && Number.isFinite(id)) return String(id);
  const anon = attributes.anon_id;
  if (typeof anon === "string" && anon !== "") return anon;
  if (typeof anon === "number" && Number.isFinite(anon)) return String(anon);
  return undefined;
}

function defaultOnError(error: AssayError): void {
  (globalThis as { console?: { warn(...args: unknown[]): void } }).console?.warn(
    `[assay] ${error.code}: ${error.message}`,
  );
}

class Client implements AssayClient {
  private compiled: CompiledPayload | null = null;
  private attributes: Attributes;
  private readonly stickyStore: StickyAssignmentStore | undefined;
  private readonly onExposure: ((exposure: Exposure) => void) | undefined;
  private readonly onError: (error: AssayError) => void;
  private readonly reported = new Set<string>();
  private readonly exposed = new Set<string>();
  // Side outputs of the allocation-free evaluation paths.
  private flagReason: FlagReason = "DEFAULT";
  private assignReason: AssignmentReason = "ASSIGNED";
  private assignIteration = 0;
  private flagVariant = -1;

  constructor(options: AssayClientOptions) {
    this.attributes = options.attributes ?? NO_ATTRIBUTES;
    this.stickyStore = options.stickyStore;
    this.onExposure = options.onExposure;
    this.onError = options.onError ?? defaultOnError;
    this.setPayload(options.payload);
  }

  setPayload(payload: unknown): boolean {
    this.reported.clear();
    const result = validatePayload(payload);
    if (!result.ok) {
      this.compiled = null;
      this.report({
        code: "INVALID_PAYLOAD",
        message: `${result.problem.path}: ${result.problem.message}`,
        path: result.problem.path,
      });
      return false;
    }
    try {
      this.compiled = compilePayload(result.payload);
      return true;
    } catch (cause) {
      this.compiled = null;
      this.report({
        code: "INVALID_PAYLOAD",
        message: `could not compile the payload (${String(cause)})`,
        cause,
      });
      return false;
    }
  }

  getPayload(): AssayPayload | null {
    return this.compiled?.payload ?? null;
  }

  setAttributes(attributes: Attributes): void {
    this.attributes = attributes;
  }

  private report(error: AssayError): void {
    const id = `${error.code}\u0000${error.key ?? ""}\u0000${error.message}`;
    if (this.reported.has(id)) return;
    this.reported.add(id);
    try {
      this.onError(error);
    } catch {
      // An error handler that throws must not break evaluation either.
    }
  }

  private lookupFlag(key: string, codeDefault: JsonValue): CompiledFlag | undefined {
    const compiled = this.compiled;
    if (compiled === null) {
      this.report({ code: "INVALID_PAYLOAD", message: "no valid payload: serving code defaults" });
      return undefined;
    }
    const flag = compiled.flags.get(key);
    if (flag === undefined) {
      this.report({ code: "UNKNOWN_FLAG", message: `unknown flag "${key}": serving the code default`, key });
      return undefined;
    }
    if (flag.jsType !== null && typeof codeDefault !== flag.jsType) {
      this.report({
        code: "TYPE_MISMATCH",
        message: `flag "${key}" is ${flag.def.type} but the code default is ${typeof codeDefault}`,
        key,
      });
      return undefined;
    }
    return flag;
  }

  getFlag<T extends JsonValue>(key: string, codeDefault: T, attributes?: Attributes): Widen<T> {
    const flag = this.lookupFlag(key, codeDefault);
    if (flag === undefined) {
      this.flagReason = "ERROR";
      return codeDefault as Widen<T>;
    }
    try {
      return this.evaluateFlag(flag, attributes ?? this.attributes, true) as Widen<T>;
    } catch (cause) {
      this.flagReason = "ERROR";
      this.report({ code: "EVALUATION_FAILED", message: `flag "${key}": ${String(cause)}`, key, cause });
      return codeDefault as Widen<T>;
    }
  }

  getFlagDetails<T extends JsonValue>(
    key: string,
    codeDefault: T,
    attributes?: Attributes,
  ): FlagEvaluation<Widen<T>> {
    this.flagVariant = -1;
    const value = this.getFlag(key, codeDefault, attributes);
    const reason = this.flagReason;
    if (reason === "EXPERIMENT") {
      const flag = this.compiled!.flags.get(key)!;
      return { flagKey: key, value, reason, variant: flag.experiment!.variantKeys[this.flagVariant]! };
    }
    return { flagKey: key, value, reason };
  }

  isEnabled(key: string, attributes?: Attributes): boolean {
    return this.getFlag(key, false, attributes) === true;
  }

  private evaluateFlag(flag: CompiledFlag, attributes: Attributes, expose: boolean): JsonValue {
    if (!flag.on) {
      this.flagReason = "OFF";
      return flag.defaultValue;
    }
    const prerequisites = flag.prerequisites;
    for (let i = 0; i < prerequisites.length; i++) {
      const p = prerequisites[i]!;
      if (!p.equals(this.evaluateFlag(p.flag, attributes, false))) {
        this.flagReason = "PREREQUISITE_FAILED";
        return flag.defaultValue;
      }
    }
    const overrides = flag.overrides;
    if (overrides !== null) {
      const id = identityOf(attributes);
      if (id !== undefined) {
        const value = overrides.get(id);
        if (value !== undefined) {
          this.flagReason = "OVERRIDE";
          return value;
        }
      }
    }
    const rules = flag.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (rule.match(attributes)) {
        this.flagReason = "TARGETING_MATCH";
        return rule.value;
      }
    }
    const experiment = flag.experiment;
    if (experiment !== null) {
      const index = this.assign(experiment, attributes, expose);
      if (index >= 0) {
        this.flagReason = "EXPERIMENT";
        this.flagVariant = index;
        return experiment.variants[index]!.value!;
      }
    }
    const rollout = flag.rollout;
    if (rollout !== null) {
      const id = identityOf(attributes);
      if (id !== undefined && rollout.hash(id, rollout.seed) % 10000 < rollout.threshold) {
        this.flagReason = "ROLLOUT";
        return rollout.value;
      }
    }
    this.flagReason = "DEFAULT";
    return flag.defaultValue;
  }

  /** The variant index, or -1 with `assignReason` saying why not. */
  private assign(e: CompiledExperiment, attributes: Attributes, expose: boolean): number {
    if (!e.running) {
      this.assignReason = "NOT_RUNNING";
      return -1;
    }
    const id = identityOf(attributes);
    if (id === undefined) {
      this.assignReason = "NO_IDENTITY";
      return -1;
    }
    if (e.targeting !== null && !e.targeting(attributes)) {
      this.assignReason = "TARGETING_MISS";
      return -1;
    }
    const store = this.stickyStore;
    if (store !== undefined) {
      const sticky = this.readSticky(store, id, e);
      if (sticky >= 0) {
        if (expose) this.expose(e, sticky, id);
        return sticky;
      }
    }
    const holdout = e.holdout;
    if (holdout !== null && holdout.hash(id, holdout.seed) % 10000 < holdout.threshold) {
      this.assignReason = "HOLDOUT";
      return -1;
    }
    const layer = e.layer;
    if (layer !== null) {
      const bucket = layer.hash(id, layer.seed) % 10000;
      if (bucket < layer.start || bucket >= layer.end) {
        this.assignReason = "LAYER_EXCLUDED";
        return -1;
      }
    }
    if (e.coverageThreshold < 10000 && e.coverageHash(id, e.seed) % 10000 >= e.coverageThreshold) {
      this.assignReason = "COVERAGE_EXCLUDED";
      return -1;
    }
    const index = chooseVariantIndex(e.variantHash(id, e.seed) % 10000, e.weights);
    this.assignReason = "ASSIGNED";
    this.assignIteration = e.iteration;
    if (store !== undefined) {
      try {
        store.set(id, e.key, { variant: e.variantKeys[index]!, iteration: e.iteration });
      } catch (cause) {
        this.report({
          code: "STICKY_STORE_FAILED",
          message: `sticky store set failed: ${String(cause)}`,
          key: e.key,
          cause,
        });
      }
    }
    if (expose) this.expose(e, index, id);
    return index;
  }

  private readSticky(store: StickyAssignmentStore, id: string, e: CompiledExperiment): number {
    try {
      const sticky = store.get(id, e.key);
      if (sticky === undefined || sticky.iteration < e.minStickyIteration) return -1;
      const index = e.variantKeys.indexOf(sticky.variant);
      if (index < 0) return -1;
      this.assignReason = "STICKY";
      this.assignIteration = sticky.iteration;
      return index;
    } catch (cause) {
      this.report({
        code: "STICKY_STORE_FAILED",
        message: `sticky store get failed: ${String(cause)}`,
        key: e.key,
        cause,
      });
      return -1;
    }
  }

  private expose(e: CompiledExperiment, index: number, identityId: string): void {
    const onExposure = this.onExposure;
    if (onExposure === undefined) return;
    const seen = `${identityId}\u0000${e.key}`;
    if (this.exposed.has(seen)) return;
    this.exposed.add(seen);
    try {
      onExposure({
        experimentKey: e.key,
        experiment: e.def,
        variant: e.variants[index]!,
        identityId,
        reason: this.assignReason === "STICKY" ? "STICKY" : "ASSIGNED",
        iteration: this.assignIteration,
      });
    } catch (cause) {
      this.report({
        code: "CALLBACK_FAILED",
        message: `onExposure threw: ${String(cause)}`,
        key: e.key,
        cause,
      });
    }
  }

  private lookupExperiment(key: string): CompiledExperiment | undefined {
    const compiled = this.compiled;
    if (compiled === null) {
      this.report({ code: "INVALID_PAYLOAD", message: "no valid payload: no experiment assigns" });
      return undefined;
    }
    const e = compiled.experiments.get(key);
    if (e === undefined)
      this.report({ code: "UNKNOWN_EXPERIMENT", message: `unknown experiment "${key}"`, key });
    return e;
  }

  getVariant(experimentKey: string, attributes?: Attributes): string | null {
    const e = this.lookupExperiment(experimentKey);
    if (e === undefined) {
      this.assignReason = "ERROR";
      return null;
    }
    try {
      const index = this.assign(e, attributes ?? this.attributes, true);
      return index < 0 ? null : e.variantKeys[index]!;
    } catch (cause) {
      this.assignReason = "ERROR";
      this.report({
        code: "EVALUATION_FAILED",
        message: `experiment "${experimentKey}": ${String(cause)}`,
        key: experimentKey,
        cause,
      });
      return null;
    }
  }

  getAssignment(experimentKey: string, attributes?: Attributes): Assignment {
    const variant = this.getVariant(experimentKey, attributes);
    const reason = this.assignReason;
    if (variant === null) {
      return { experimentKey, inExperiment: false, variant: null, value: undefined, reason, iteration: null };
    }
    const e = this.compiled!.experiments.get(experimentKey)!;
    const value = e.variants[e.variantKeys.indexOf(variant)]!.value;
    return { experimentKey, inExperiment: true, variant, value, reason, iteration: this.assignIteration };
  }
}

/**
 * Creates a client that evaluates flags and experiments locally from a configuration payload.
 * It never throws into the host: a bad payload or evaluation serves the code default and is reported once.
 * @example
 * const assay = createAssayClient({ payload, attributes: { identity_id: "u-42", country: "DE" }, onExposure: track });
 * if (assay.isEnabled("new-checkout")) renderNewCheckout();
 * const variant = assay.getVariant("pricing-2026"); // "control" | "treatment" | null
 */
export function createAssayClient(options: AssayClientOptions): AssayClient {
  return new Client(options);
}
