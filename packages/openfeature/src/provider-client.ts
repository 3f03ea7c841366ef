import { type AssayClient, type AssayError, createAssayClient, type Exposure } from "@assay/sdk";
import type { AssayProviderOptions } from "./provider-options.js";

/**
 * The AssayClient behind a provider: starts from `options.payload`, or from no payload (not reported as a problem:
 * the provider loads one in `initialize`), and hands exposures to the resolution that fired them.
 *
 * @example
 * const client = createProviderClient({ payload }, (exposure) => resolution.collectExposure(exposure));
 */
export function createProviderClient(
  options: AssayProviderOptions,
  collectExposure: (exposure: Exposure) => void,
): AssayClient {
  const report = options.onError ?? ((e: AssayError) => console.warn(`[assay] ${e.code}: ${e.message}`));
  let starting = options.payload === undefined;
  const client = createAssayClient({
    payload: options.payload ?? null,
    onExposure: collectExposure,
    onError: (error) => {
      if (!(starting && error.code === "INVALID_PAYLOAD")) report(error);
    },
    ...(options.stickyStore ? { stickyStore: options.stickyStore } : {}),
  });
  starting = false;
  return client;
}
