export {
  type AssayClient,
  type AssayClientOptions,
  type AssayError,
  type AssayErrorCode,
  type Assignment,
  type AssignmentReason,
  createAssayClient,
  type Exposure,
  type FlagEvaluation,
  type FlagReason,
  type Widen,
} from "./assay-client.js";
export {
  BUCKET_COUNT,
  chooseVariant,
  chooseVariantIndex,
  getBucket,
  type VariantWeight,
} from "./bucketing.js";
export { compileCondition, evaluateCondition, type Predicate } from "./condition.js";
export { checkCondition } from "./condition-check.js";
export {
  type AssayEvent,
  createEventClient,
  type EventClient,
  type EventClientError,
  type EventClientOptions,
} from "./event-client.js";
export { PayloadError, type PayloadProblem } from "./payload-problem.js";
export {
  createPayloadSync,
  createSseParser,
  type FetchLike,
  type PayloadSync,
  type PayloadSyncError,
  type PayloadSyncMode,
  type PayloadSyncOptions,
  type PayloadSyncState,
} from "./payload-sync.js";
export type {
  AssayPayload,
  AttributeCondition,
  Attributes,
  Condition,
  ConditionOperator,
  Experiment,
  ExperimentStatus,
  ExperimentVariant,
  Flag,
  FlagOverride,
  FlagPrerequisite,
  FlagRollout,
  FlagRule,
  FlagType,
  Holdout,
  JsonValue,
  Layer,
  LayerAllocation,
  Segment,
  Targeting,
} from "./payload-types.js";
export { PAYLOAD_FORMAT_VERSION } from "./payload-types.js";
export { compareSemver, parseSemver, type SemanticVersion } from "./semver.js";
export {
  type CookieJar,
  createCookieStickyStore,
  createLocalStorageStickyStore,
  createMemoryStickyStore,
  type KeyValueStorage,
  type StickyAssignment,
  type StickyAssignmentStore,
} from "./sticky-store.js";
export { isValueOfType, type PayloadValidation, validatePayload } from "./validate-payload.js";
export { createSuffixHasher, hashJoined, xxhash32, xxhash32Bytes } from "./xxhash32.js";
