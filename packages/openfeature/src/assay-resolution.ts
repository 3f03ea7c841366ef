import type { AssayClient, Attributes, Exposure, FlagReason, JsonValue } from "@assay/sdk";
import {
  type EvaluationContext,
  type FlagMetadata,
  FlagNotFoundError,
  type FlagValueType,
  GeneralError,
  ProviderNotReadyError,
  type ResolutionDetails,
  StandardResolutionReasons,
  TypeMismatchError,
} from "@openfeature/core";

/** Assay's flag reasons as OpenFeature resolution reasons (Assay's own reason stays in `flagMetadata.assayReason`). */
export const OPENFEATURE_REASONS: Readonly<Record<FlagReason, string>> = {
  OFF: StandardResolutionReasons.DISABLED,
  TARGETING_MATCH: StandardResolutionReasons.TARGETING_MATCH,
  OVERRIDE: StandardResolutionReasons.TARGETING_MATCH,
  ROLLOUT: StandardResolutionReasons.SPLIT,
  EXPERIMENT: StandardResolutionReasons.SPLIT,
  PREREQUISITE_FAILED: StandardResolutionReasons.DEFAULT,
  DEFAULT: StandardResolutionReasons.DEFAULT,
  ERROR: StandardResolutionReasons.ERROR,
};

const ASSAY_TYPE: Readonly<Record<FlagValueType, string>> = {
  boolean: "boolean",
  string: "string",
  number: "number",
  object: "json",
};

/**
 * The OpenFeature evaluation context as Assay attributes: `targetingKey` is the `identity_id` unless the context
 * names one itself; every other attribute passes through.
 *
 * @example
 * toAssayAttributes({ targetingKey: "user-1", country: "DE" }); // { identity_id: "user-1", country: "DE" }
 */
export function toAssayAttributes(context: EvaluationContext): Attributes {
  const { targetingKey, ...rest } = context;
  if (rest.identity_id === undefined && targetingKey !== undefined && targetingKey !== "") {
    return { ...rest, identity_id: targetingKey };
  }
  return rest;
}

/**
 * Resolves flags with an AssayClient for either OpenFeature SDK, and carries each exposure the evaluation fired to
 * the provider's exposure hook (an OpenFeature `after` hook: exposures are reported only for evaluations that
 * completed, through the OpenFeature lifecycle).
 */
export interface AssayResolution {
  resolve<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    type: FlagValueType,
    context: EvaluationContext,
  ): ResolutionDetails<T>;
  /** Collects the exposures fired while resolving; pass to the AssayClient's `onExposure`. */
  readonly collectExposure: (exposure: Exposure) => void;
  /** Hands each exposure to `onExposure` in the `after` stage of its evaluation. */
  readonly exposureHook: ExposureHook;
}

/** An OpenFeature hook (server or web) with only the `after` stage. */
export interface ExposureHook {
  after(hookContext: unknown, details: { readonly flagMetadata: Readonly<FlagMetadata> }): void;
}

/** The flagMetadata key that links a resolution to the exposure it fired (a number, private to the provider). */
const EXPOSURE_TOKEN = "assayExposure";
const MAX_PENDING = 10_000;

/**
 * Creates the shared resolution logic of the server and web providers.
 *
 * @example
 * const resolution = createAssayResolution(() => client, (e) => events.exposureHandler(e));
 * resolution.resolve("new-checkout", false, "boolean", { targetingKey: "user-1" });
 */
export function createAssayResolution(
  getClient: () => AssayClient,
  onExposure: ((exposure: Exposure) => void) | undefined,
): AssayResolution {
  const pending = new Map<number, Exposure>();
  let fired: Exposure | undefined;
  let nextToken = 1;

  return {
    collectExposure: (exposure) => {
      fired = exposure;
    },
    exposureHook: {
      after: (_hookContext, details) => {
        const token = details.flagMetadata[EXPOSURE_TOKEN];
        if (typeof token !== "number") return;
        const exposure = pending.get(token);
        pending.delete(token);
        if (exposure && onExposure) onExposure(exposure);
      },
    },
    resolve<T extends JsonValue>(
      flagKey: string,
      defaultValue: T,
      type: FlagValueType,
      context: EvaluationContext,
    ): ResolutionDetails<T> {
      const client = getClient();
      const payload = client.getPayload();
      if (payload === null) throw new ProviderNotReadyError("Assay has no valid payload yet");
      const flag = payload.flags.find((f) => f.key === flagKey);
      if (flag === undefined) throw new FlagNotFoundError(`flag "${flagKey}" is not in the Assay payload`);
      if (flag.type !== ASSAY_TYPE[type]) {
        throw new TypeMismatchError(`flag "${flagKey}" is a ${flag.type} flag, not ${type}`);
      }
      fired = undefined;
      const evaluation = client.getFlagDetails(flagKey, defaultValue, toAssayAttributes(context));
      const exposure = fired as Exposure | undefined;
      fired = undefined;
      if (evaluation.reason === "ERROR") throw new GeneralError(`Assay could not evaluate flag "${flagKey}"`);
      const flagMetadata: FlagMetadata = {
        assayReason: evaluation.reason,
        flagType: flag.type,
        payloadGeneratedAt: payload.generatedAt,
      };
      if (flag.experimentKey) flagMetadata.experimentKey = flag.experimentKey;
      if (exposure && onExposure) {
        if (pending.size >= MAX_PENDING) pending.clear();
        const token = nextToken++;
        pending.set(token, exposure);
        flagMetadata[EXPOSURE_TOKEN] = token;
      }
      const details: ResolutionDetails<T> = {
        value: evaluation.value as T,
        reason: OPENFEATURE_REASONS[evaluation.reason],
        flagMetadata,
      };
      if (evaluation.variant !== undefined) details.variant = evaluation.variant;
      return details;
    },
  };
}

/** The keys whose flags differ between two payloads' flag lists (added, removed or changed). */
export function changedFlagKeys(
  before: ReadonlyArray<{ key: string }> | undefined,
  after: ReadonlyArray<{ key: string }> | undefined,
): string[] {
  const old = new Map((before ?? []).map((f) => [f.key, JSON.stringify(f)]));
  const keys = new Set<string>();
  for (const f of after ?? []) {
    if (old.get(f.key) !== JSON.stringify(f)) keys.add(f.key);
    old.delete(f.key);
  }
  for (const key of old.keys()) keys.add(key);
  return [...keys];
}
