import type { AssayError, Exposure, StickyAssignmentStore } from "@assay/sdk";
import type { EvaluationContext } from "@openfeature/core";

/** What both Assay OpenFeature providers take. Give `payload`, `loadPayload`, or both (payload first, then loaded). */
export interface AssayProviderOptions {
  /** A payload to evaluate right away (e.g. from `GET /api/sdk/config`, or bootstrapped into the page). */
  payload?: unknown;
  /**
   * Fetches the payload when OpenFeature initialises the provider (the provider is NOT_READY until it resolves, and
   * in ERROR if it rejects or the payload is invalid). The web provider calls it again on each context change.
   */
  loadPayload?: (context: EvaluationContext) => Promise<unknown>;
  stickyStore?: StickyAssignmentStore;
  /** Called once per identity × experiment, from the provider's `after` hook, e.g. `events.exposureHandler`. */
  onExposure?: (exposure: Exposure) => void;
  /** Assay's own problem reports (defaults to `console.warn`). */
  onError?: (error: AssayError) => void;
}
