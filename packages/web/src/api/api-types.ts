/**
 * JSON shapes of the public API, derived from the generated `openapi-types.ts` (`npm run api-types`: the server's
 * OpenAPI document, itself generated from the routes' zod schemas). Only names live here, no shapes.
 */
import type { components } from "./openapi-types.js";

type Schemas = components["schemas"];

export type ExperimentStatus = Schemas["ExperimentStatus"];
export type Variant = Schemas["Variant"];
export type ExperimentMetric = Schemas["ExperimentMetric"];
export type MetricRole = ExperimentMetric["role"];
export type MetricDirection = ExperimentMetric["direction"];
export type Targeting = Schemas["Targeting"];
export type PowerAnalysis = Schemas["PowerAnalysis"];
export type Experiment = Schemas["Experiment"];
export type ExperimentListResults = Schemas["ExperimentListResults"];
/** What the create form sends (`POST /api/experiments`). */
export type ExperimentInput = Schemas["ExperimentInput"];
export type ResultRow = Schemas["ResultRow"];
export type AnalysisMode = ResultRow["analysis_mode"];
export type ExposureQualityDay = Schemas["ExposureQualityDay"];
export type ExperimentQuality = Schemas["ExperimentQuality"];
export type CumulativePoint = Schemas["CumulativePoint"];
export type CumulativeSeries = Schemas["CumulativeSeries"];
export type SegmentsInfo = Schemas["SegmentsInfo"];
export type SegmentComparison = Schemas["SegmentComparison"];
export type SegmentResults = Schemas["SegmentResults"];
export type ServerDecision = Schemas["Decision"];
export type AnalysisInfo = Schemas["AnalysisInfo"];
export type MethodInference = Schemas["MethodInference"];
export type SummaryMetric = Schemas["SummaryMetric"];
export type GuardrailVerdictStatus = Schemas["GuardrailVerdictStatus"];
export type SummaryGuardrails = Schemas["SummaryGuardrails"];
export type ExperimentSummary = Schemas["ExperimentSummary"];
export type Flag = Schemas["StoredFlag"];
export type FlagDependency = Flag["dependencies"][number];
/** What `PUT /api/flags/{key}` and a change request send: a flag as written to one environment. */
export type FlagInput = Schemas["Flag"];
export type Environment = Schemas["Environment"];
export type ChangeRequest = Schemas["ChangeRequest"];
export type ChangeRequestStatus = ChangeRequest["status"];
export type FlagCopyResult = Schemas["FlagCopyResult"];
/** A flag's guarded rollout in one environment (`GET /api/flags/{key}/rollout`). */
export type Rollout = Schemas["Rollout"];
export type ChangeRequestApproval = Schemas["ChangeRequestApproval"];
export type AuditEntry = Schemas["AuditEntry"];
/** A key of the team as `GET /api/keys` lists it (never its secret). */
export type ApiKey = Schemas["ApiKey"];
export type ApiKeyRequest = Schemas["ApiKeyRequest"];
export type ApiKeyCreated = Schemas["ApiKeyCreated"];
export type SdkKeyRequest = Schemas["SdkKeyRequest"];
/** An SDK key just created: its secret is shown once. */
export type SdkKeyCreated = Schemas["SdkKey"];
export type ApiErrorBody = Schemas["Error"];

/** The lifecycle in order (the list's filter); the type check keeps it equal to the API's enum. */
export const experimentStatuses = [
  "draft",
  "submitted",
  "approved",
  "running",
  "paused",
  "completed",
  "archived",
] as const satisfies ReadonlyArray<ExperimentStatus>;
type MissingStatus = Exclude<ExperimentStatus, (typeof experimentStatuses)[number]>;
const allStatusesListed: MissingStatus extends never ? true : false = true;
void allStatusesListed;
