import type { AssayClient, JsonValue } from "@assay/sdk";
import {
  type EvaluationContext,
  type Hook,
  OpenFeatureEventEmitter,
  type JsonValue as OpenFeatureJson,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
} from "@openfeature/web-sdk";
import { changedFlagKeys, createAssayResolution } from "./assay-resolution.js";
import { createProviderClient } from "./provider-client.js";
import type { AssayProviderOptions } from "./provider-options.js";

/** An OpenFeature web provider backed by a local Assay client. */
export interface AssayWebProvider extends Provider {
  readonly hooks: Hook[];
  readonly events: OpenFeatureEventEmitter;
  readonly client: AssayClient;
  /** Applies a new payload (polling, the stream); emits PROVIDER_CONFIGURATION_CHANGED. False if rejected. */
  setPayload(payload: unknown): boolean;
}

/**
 * Creates a provider for `@openfeature/web-sdk` (browsers): evaluation is synchronous and local. On a context change
 * (`OpenFeature.setContext`) the provider re-evaluates with the new context and, when it has `loadPayload`, fetches
 * the payload again for it first (the SDK reports RECONCILING meanwhile); flags whose configuration changed are
 * announced with PROVIDER_CONFIGURATION_CHANGED.
 *
 * @example
 * import { OpenFeature } from "@openfeature/web-sdk";
 * import { createAssayWebProvider } from "@assay/openfeature/web";
 * await OpenFeature.setContext({ targetingKey: user.id, country: "DE" });
 * await OpenFeature.setProviderAndWait(createAssayWebProvider({ payload: window.__ASSAY__ }));
 * OpenFeature.getClient().getBooleanValue("new-checkout", false);
 */
export function createAssayWebProvider(options: AssayProviderOptions = {}): AssayWebProvider {
  const client = createProviderClient(options, (exposure) => resolution.collectExposure(exposure));
  const resolution = createAssayResolution(() => client, options.onExposure);
  const events = new OpenFeatureEventEmitter();
  const { loadPayload } = options;

  function setPayload(payload: unknown): boolean {
    const before = client.getPayload()?.flags;
    if (!client.setPayload(payload)) return false;
    const flagsChanged = changedFlagKeys(before, client.getPayload()?.flags);
    if (flagsChanged.length > 0) events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
    return true;
  }

  function resolve<T extends JsonValue>(
    key: string,
    fallback: T,
    type: "boolean" | "string" | "number" | "object",
    context: EvaluationContext,
  ): ResolutionDetails<T> {
    return resolution.resolve(key, fallback, type, context);
  }

  const provider: AssayWebProvider = {
    metadata: { name: "assay" },
    runsOn: "client",
    hooks: [resolution.exposureHook],
    events,
    client,
    setPayload,
    async initialize(context) {
      if (loadPayload) {
        if (!client.setPayload(await loadPayload(context ?? {}))) {
          throw new Error("Assay rejected the loaded payload (see onError)");
        }
      } else if (client.getPayload() === null) {
        throw new Error("Assay provider has no valid payload: pass `payload` or `loadPayload`");
      }
    },
    async onContextChange(_oldContext, newContext) {
      if (loadPayload) setPayload(await loadPayload(newContext));
    },
    resolveBooleanEvaluation: (key, fallback, context) => resolve(key, fallback, "boolean", context),
    resolveStringEvaluation: (key, fallback, context) => resolve(key, fallback, "string", context),
    resolveNumberEvaluation: (key, fallback, context) => resolve(key, fallback, "number", context),
    resolveObjectEvaluation: <T extends OpenFeatureJson>(
      key: string,
      fallback: T,
      context: EvaluationContext,
    ) => resolve(key, fallback as JsonValue, "object", context) as ResolutionDetails<T>,
  };
  return provider;
}
