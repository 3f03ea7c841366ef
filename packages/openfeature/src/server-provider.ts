import type { AssayClient, JsonValue } from "@assay/sdk";
import {
  type EvaluationContext,
  type Hook,
  OpenFeatureEventEmitter,
  type JsonValue as OpenFeatureJson,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
} from "@openfeature/server-sdk";
import { changedFlagKeys, createAssayResolution } from "./assay-resolution.js";
import { createProviderClient } from "./provider-client.js";
import type { AssayProviderOptions } from "./provider-options.js";

/** An OpenFeature server provider backed by a local Assay client. */
export interface AssayServerProvider extends Provider {
  readonly hooks: Hook[];
  readonly events: OpenFeatureEventEmitter;
  /** The Assay client evaluating the flags (to read experiments with `getVariant`, for instance). */
  readonly client: AssayClient;
  /** Applies a new payload (e.g. from polling or the stream); emits PROVIDER_CONFIGURATION_CHANGED. False if rejected. */
  setPayload(payload: unknown): boolean;
}

/**
 * Creates a provider for `@openfeature/server-sdk`: flags are evaluated in-process from the Assay payload, per call
 * with the invocation's evaluation context (`targetingKey` → `identity_id`).
 *
 * @example
 * import { OpenFeature } from "@openfeature/server-sdk";
 * import { createAssayServerProvider } from "@assay/openfeature/server";
 * await OpenFeature.setProviderAndWait(createAssayServerProvider({
 *   loadPayload: async () => (await fetch(url, { headers: { authorization: `Bearer ${key}` } })).json(),
 *   onExposure: events.exposureHandler,
 * }));
 * const enabled = await OpenFeature.getClient().getBooleanValue("new-checkout", false, { targetingKey: user.id });
 */
export function createAssayServerProvider(options: AssayProviderOptions = {}): AssayServerProvider {
  const client = createProviderClient(options, (exposure) => resolution.collectExposure(exposure));
  const resolution = createAssayResolution(() => client, options.onExposure);
  const events = new OpenFeatureEventEmitter();

  function setPayload(payload: unknown): boolean {
    const before = client.getPayload()?.flags;
    if (!client.setPayload(payload)) return false;
    const flagsChanged = changedFlagKeys(before, client.getPayload()?.flags);
    events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
    return true;
  }

  function resolve<T extends JsonValue>(
    key: string,
    fallback: T,
    type: "boolean" | "string" | "number" | "object",
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(resolution.resolve(key, fallback, type, context));
  }

  const provider: AssayServerProvider = {
    metadata: { name: "assay" },
    runsOn: "server",
    hooks: [resolution.exposureHook],
    events,
    client,
    setPayload,
    resolveBooleanEvaluation: (key, fallback, context) => resolve(key, fallback, "boolean", context),
    resolveStringEvaluation: (key, fallback, context) => resolve(key, fallback, "string", context),
    resolveNumberEvaluation: (key, fallback, context) => resolve(key, fallback, "number", context),
    resolveObjectEvaluation: <T extends OpenFeatureJson>(
      key: string,
      fallback: T,
      context: EvaluationContext,
    ) => resolve(key, fallback as JsonValue, "object", context) as Promise<ResolutionDetails<T>>,
  };
  const { loadPayload } = options;
  if (loadPayload) {
    (provider as { initialize?: Provider["initialize"] }).initialize = async (context) => {
      const payload = await loadPayload(context ?? {});
      if (!client.setPayload(payload)) throw new Error("Assay rejected the loaded payload (see onError)");
    };
  } else if (client.getPayload() === null) {
    (provider as { initialize?: Provider["initialize"] }).initialize = async () => {
      throw new Error("Assay provider has no valid payload: pass `payload` or `loadPayload`");
    };
  }
  return provider;
}
