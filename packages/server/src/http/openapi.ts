import { decisionConfigSchema } from "@assay/decisions";
import { z } from "zod";
import { eventBatchSchema, exposureEventSchema, productEventSchema } from "../collector/event-schema.js";
import { trackingPlanSchema } from "../collector/tracking-plan.js";
import { notificationEventTypes } from "../notifications/notification-event.js";
import { changeRequestDecisionSchema, changeRequestInputSchema } from "../registry/change-request-store.js";
import {
  flagSchema,
  jsonValueSchema,
  metricDefinitionSchema,
  segmentSchema,
} from "../registry/definition-schemas.js";
import { environmentInputSchema, environmentPatchSchema } from "../registry/environment-store.js";
import {
  experimentInputSchema,
  experimentPatchSchema,
  transitionSchema,
} from "../registry/experiment-schema.js";
import { flagCopyInputSchema } from "../registry/flag-copy.js";
import { sdkKeyRequestSchema } from "../registry/sdk-keys.js";
import { teamInputSchema } from "../registry/team-store.js";
import { rolloutInputSchema, rolloutResponseSchema } from "../rollouts/rollout-schema.js";
import { apiKeyRequestSchema } from "./api-key-request.js";
import { assignInputSchema } from "./assign-input.js";
import {
  analysisInfoSchema,
  apiKeyCreatedSchema,
  apiKeyEntrySchema,
  apiKeyListSchema,
  auditEntrySchema,
  auditListSchema,
  changeRequestApprovalSchema,
  changeRequestListSchema,
  changeRequestResponseSchema,
  cumulativePointSchema,
  cumulativeSeriesSchema,
  decisionResponseSchema,
  environmentListSchema,
  environmentResponseSchema,
  errorResponseSchema,
  experimentListResultsSchema,
  experimentListSchema,
  experimentMetricResponseSchema,
  experimentQualitySchema,
  experimentResponseSchema,
  experimentStatusSchema,
  experimentSummarySchema,
  exposureQualityDaySchema,
  flagCopyResultSchema,
  flagListSchema,
  flagResponseSchema,
  flagStalenessSchema,
  guardrailVerdictStatusSchema,
  methodInferenceSchema,
  powerAnalysisResponseSchema,
  resultRowSchema,
  sdkKeyResponseSchema,
  segmentComparisonSchema,
  segmentResultsSchema,
  segmentsInfoSchema,
  summaryGuardrailsSchema,
  summaryMetricSchema,
  targetingResponseSchema,
  variantResponseSchema,
} from "./response-schemas.js";

/** Every named schema of the document, each from the zod schema the server validates (or answers) with. */
function componentRegistry() {
  const registry = z.registry<{ id: string }>();
  const named: Record<string, z.ZodType> = {
    JsonValue: jsonValueSchema,
    ExperimentInput: experimentInputSchema,
    ExperimentPatch: experimentPatchSchema,
    Transition: transitionSchema,
    MetricDefinition: metricDefinitionSchema,
    Segment: segmentSchema,
    Flag: flagSchema,
    TrackingPlan: trackingPlanSchema,
    TeamInput: teamInputSchema,
    EventBatch: eventBatchSchema,
    ProductEvent: productEventSchema,
    ExposureEvent: exposureEventSchema,
    AssignRequest: assignInputSchema,
    DecisionConfig: decisionConfigSchema,
    ApiKeyRequest: apiKeyRequestSchema,
    Error: errorResponseSchema,
    ExperimentStatus: experimentStatusSchema,
    Variant: variantResponseSchema,
    ExperimentMetric: experimentMetricResponseSchema,
    Targeting: targetingResponseSchema,
    PowerAnalysis: powerAnalysisResponseSchema,
    ResultRow: resultRowSchema,
    ExposureQualityDay: exposureQualityDaySchema,
    ExperimentQuality: experimentQualitySchema,
    ExperimentListResults: experimentListResultsSchema,
    Experiment: experimentResponseSchema,
    ExperimentList: experimentListSchema,
    CumulativePoint: cumulativePointSchema,
    CumulativeSeries: cumulativeSeriesSchema,
    SegmentsInfo: segmentsInfoSchema,
    SegmentComparison: segmentComparisonSchema,
    SegmentResults: segmentResultsSchema,
    Decision: decisionResponseSchema,
    AnalysisInfo: analysisInfoSchema,
    MethodInference: methodInferenceSchema,
    SummaryMetric: summaryMetricSchema,
    GuardrailVerdictStatus: guardrailVerdictStatusSchema,
    SummaryGuardrails: summaryGuardrailsSchema,
    ExperimentSummary: experimentSummarySchema,
    StoredFlag: flagResponseSchema,
    FlagStaleness: flagStalenessSchema,
    RolloutInput: rolloutInputSchema,
    Rollout: rolloutResponseSchema,
    FlagList: flagListSchema,
    AuditEntry: auditEntrySchema,
    AuditList: auditListSchema,
    EnvironmentInput: environmentInputSchema,
    EnvironmentPatch: environmentPatchSchema,
    Environment: environmentResponseSchema,
    EnvironmentList: environmentListSchema,
    SdkKeyRequest: sdkKeyRequestSchema,
    SdkKey: sdkKeyResponseSchema,
    ApiKeyCreated: apiKeyCreatedSchema,
    ApiKey: apiKeyEntrySchema,
    ApiKeyList: apiKeyListSchema,
    FlagCopy: flagCopyInputSchema,
    FlagCopyResult: flagCopyResultSchema,
    ChangeRequestInput: changeRequestInputSchema,
    ChangeRequestDecision: changeRequestDecisionSchema,
    ChangeRequest: changeRequestResponseSchema,
    ChangeRequestList: changeRequestListSchema,
    ChangeRequestApproval: changeRequestApprovalSchema,
  };
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  return registry;
}

/** The components' schemas: one `z.toJSONSchema` over the registry, shared parts as `#/components/schemas/<id>`. */
function componentSchemas(): Record<string, Record<string, unknown>> {
  const { schemas } = z.toJSONSchema(componentRegistry(), {
    io: "input",
    unrepresentable: "any",
    target: "openapi-3.0",
    uri: (id) => `#/components/schemas/${id}`,
    override: (ctx) => {
      // Any JSON value: the empty schema (its recursive zod form makes a type that refers to itself).
      if (ctx.zodSchema === jsonValueSchema) {
        for (const k of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[k];
        ctx.jsonSchema.description = "Any JSON value: string, number, boolean, null, array or object";
      }
      // The collector takes each item as it is and answers per item (accepted / rejected with its field), so the
      // batch's schema accepts anything in `events`; the document names what an item should be.
      if (ctx.zodSchema === eventBatchSchema.shape.events.element) {
        ctx.jsonSchema.anyOf = [
          { $ref: "#/components/schemas/ProductEvent" },
          { $ref: "#/components/schemas/ExposureEvent" },
        ];
      }
    },
  });
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, json] of Object.entries(schemas)) {
    const { $id: _id, ...rest } = json as Record<string, unknown>;
    out[id] = rest;
  }
  return out;
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

const errorResponse = {
  description: "Error: `{error: {code, message, field}}`",
  content: { "application/json": { schema: ref("Error") } },
};

/** An operation: summary, optional request body component, optional 200 response component, extra fields. */
function op(summary: string, body?: string, extra: Record<string, unknown> = {}, returns?: string) {
  return {
    summary,
    security: [{ bearer: [] }],
    ...(body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref(body) } },
          },
        }),
    responses: {
      "200":
        returns === undefined
          ? { description: "OK" }
          : { description: "OK", content: { "application/json": { schema: ref(returns) } } },
      "400": errorResponse,
      "401": errorResponse,
      "403": errorResponse,
      "404": errorResponse,
      "409": errorResponse,
    },
    ...extra,
  };
}

const keyParam = [{ name: "key", in: "path", required: true, schema: { type: "string" } }];
const environmentParam = {
  name: "environment",
  in: "query",
  schema: { type: "string", default: "production" },
};
const idParam = [{ name: "id", in: "path", required: true, schema: { type: "integer" } }];
const envParam = [{ name: "environment", in: "query", schema: { type: "string", default: "production" } }];

/** The OpenAPI 3 description of the HTTP API, request bodies generated from the zod schemas the server validates with. */
export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.0.3",
    info: {
      title: "Assay API",
      version: "0.1.0",
      description: "Experiment registry, flag delivery, assignment, event collection and results.",
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API key scoped to one team with a role." },
      },
      schemas: {
        ...componentSchemas(),
        Reenable: {
          type: "object",
          required: ["reason"],
          properties: { reason: { type: "string", minLength: 3 } },
        },
        NotificationRoutes: {
          type: "object",
          required: ["routes"],
          properties: {
            routes: {
              type: "array",
              items: {
                type: "object",
                required: ["id", "events", "channel", "target"],
                properties: {
                  id: { type: "string" },
                  events: { type: "array", items: { type: "string", enum: [...notificationEventTypes] } },
                  channel: { type: "string", enum: ["webhook", "email"] },
                  target: { type: "string" },
                  secret: { type: "string", nullable: true },
                },
              },
            },
          },
        },
        // Its route's zod schemas live with the decision service (packages/server/src/decisions).
      },
    },
    paths: {
      "/": {
        get: {
          summary: "The dashboard (packages/web/dist); 503 with the build command when it is not built",
          responses: { "200": { description: "text/html" }, "503": { description: "text/plain" } },
        },
      },
      "/favicon.ico": {
        get: {
          summary: "The dashboard's icon (SVG)",
          responses: { "200": { description: "image/svg+xml" } },
        },
      },
      "/favicon.svg": {
        get: { summary: "The dashboard's icon", responses: { "200": { description: "image/svg+xml" } } },
      },
      "/api/openapi.json": {
        get: { summary: "This document", responses: { "200": { description: "OpenAPI 3" } } },
      },
      "/health": {
        get: { summary: "Liveness and database check", responses: { "200": { description: "OK" } } },
      },
      "/metrics": {
        get: { summary: "Prometheus metrics", responses: { "200": { description: "text/plain" } } },
      },
      "/api/keys": {
        get: op(
          "The team's keys, team and SDK keys, without secrets: role, environment, who created and revoked them (admin)",
          undefined,
          {},
          "ApiKeyList",
        ),
        post: op(
          "Create an API key for the caller's team → 201, the secret shown once (admin, audited)",
          "ApiKeyRequest",
          {},
          "ApiKeyCreated",
        ),
      },
      "/api/keys/{id}": {
        delete: op(
          "Revoke a key of the team: 401 from then on, its SDK streams closed; not the calling key, not the owner's (admin, audited)",
          undefined,
          { parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }] },
          "ApiKey",
        ),
      },
      "/api/experiments": {
        get: op(
          "List the team's experiments, each with its latest results",
          undefined,
          { parameters: [{ name: "status", in: "query", schema: ref("ExperimentStatus") }] },
          "ExperimentList",
        ),
        post: op("Register a draft experiment (editor)", "ExperimentInput"),
      },
      "/api/experiments/{key}": {
        get: op("One experiment", undefined, { parameters: keyParam }, "Experiment"),
        patch: op("Edit a draft", "ExperimentPatch", { parameters: keyParam }),
      },
      "/api/experiments/{key}/status": {
        post: op("Lifecycle transition (approve needs a reviewer other than the author)", "Transition", {
          parameters: keyParam,
        }),
      },
      "/api/experiments/{key}/audit": {
        get: op("The experiment's audit trail", undefined, { parameters: keyParam }, "AuditList"),
      },
      "/api/experiments/{key}/summary": {
        get: op(
          "Results: result rows and metrics in both analysis modes, metric types, alpha, SRM, data quality, daily exposure health, cumulative series with the sequential boundary, the decision, guardrails (per guardrail metric and treatment the decision engine's latest stored verdict: breached | within_threshold | not_evaluated, its reason text, evaluated_at, results_dt, and the fail-closed guard), segment attributes available for drill-down; ETag / If-None-Match → 304",
          undefined,
          {
            parameters: keyParam,
          },
          "ExperimentSummary",
        ),
      },
      "/api/experiments/{key}/segments/{attribute}": {
        get: op(
          "Exploratory drill-down by a segment attribute (one listed in the summary's segments.attributes): per metric and segment value, each treatment against control (n per variant, lift, interval, p-value and the Holm-adjusted p-value across the attribute's values); ETag / If-None-Match → 304",
          undefined,
          {
            parameters: [
              ...keyParam,
              { name: "attribute", in: "path", required: true, schema: { type: "string" } },
              {
                name: "mode",
                in: "query",
                schema: { type: "string", enum: ["itt", "exposed"], default: "itt" },
              },
              {
                name: "cuped",
                in: "query",
                schema: { type: "string", enum: ["true", "false"], default: "false" },
              },
            ],
          },
          "SegmentResults",
        ),
      },
      "/api/experiments/{key}/decision": {
        get: op(
          "The decision service's latest decision (ship, roll_back, keep_running, inconclusive)",
          undefined,
          { parameters: keyParam },
          "Decision",
        ),
      },
      "/api/experiments/{key}/decision/run": {
        post: op("Run the decision now, after any run in flight (editor)", undefined, {
          parameters: keyParam,
        }),
      },
      "/api/experiments/{key}/decision/runs": {
        get: op("Recorded decision runs, newest first", undefined, { parameters: keyParam }),
      },
      "/api/experiments/{key}/decision-config": {
        get: op("Schedules, sequential design, SRM and retry settings", undefined, { parameters: keyParam }),
        put: op("Replace the decision settings (editor, audited)", "DecisionConfig", {
          parameters: keyParam,
        }),
      },
      "/api/experiments/{key}/reenable": {
        post: op("Clear a fail-closed guard deliberately (editor, audited)", "Reenable", {
          parameters: keyParam,
        }),
      },
      "/api/notifications": {
        get: op("The team's notification routes; secrets are never returned (admin)"),
        put: op("Replace the team's notification routes (admin, audited)", "NotificationRoutes"),
      },
      "/api/admin/retention": {
        get: op("The retention policy and the last runs (admin)"),
        post: op("Run the retention job now (admin)"),
      },
      "/api/audit": { get: op("The team's audit log", undefined, {}, "AuditList") },
      "/api/metrics": { get: op("Metric definitions") },
      "/api/metrics/{key}": {
        get: op("One metric", undefined, { parameters: keyParam }),
        put: op("Create or replace a metric", "MetricDefinition", { parameters: keyParam }),
      },
      "/api/segments": { get: op("Segments") },
      "/api/segments/{key}": {
        get: op("One segment", undefined, { parameters: keyParam }),
        put: op("Create or replace a segment", "Segment", { parameters: keyParam }),
      },
      "/api/flags": {
        get: op(
          "Feature flags as they stand in one environment, each marked `stale` when not evaluated (or else not changed) for `stale_after_days`",
          undefined,
          {
            parameters: [
              {
                name: "stale_after_days",
                in: "query",
                description:
                  "Days without evaluation or change after which a flag is stale (default ASSAY_STALE_FLAG_DAYS or 30)",
                schema: { type: "integer", minimum: 0, default: 30 },
              },
              ...envParam,
            ],
          },
          "FlagList",
        ),
      },
      "/api/flags/{key}": {
        get: op(
          "One flag in one environment",
          undefined,
          { parameters: [...keyParam, ...envParam] },
          "StoredFlag",
        ),
        put: op(
          "Create or replace a flag and its state in one environment (409 where the environment requires review)",
          "Flag",
          { parameters: [...keyParam, ...envParam] },
          "StoredFlag",
        ),
      },
      "/api/flags/{key}/kill": {
        post: op(
          "Turn the flag off in one environment atomically; only `enabled` changes (editor, never reviewed, audited as kill)",
          undefined,
          { parameters: [...keyParam, ...envParam] },
          "StoredFlag",
        ),
      },
      "/api/flags/{key}/restore": {
        post: op(
          "Turn a killed flag back on as it was in one environment (editor, audited as restore)",
          undefined,
          { parameters: [...keyParam, ...envParam] },
          "StoredFlag",
        ),
      },
      "/api/flags/{key}/copy": {
        post: op(
          "Copy a flag's state from one environment to another (editor, audited as copy; proposed as a change request when the target requires review)",
          "FlagCopy",
          { parameters: keyParam },
          "FlagCopyResult",
        ),
      },
      "/api/flags/{key}/change-requests": {
        post: op(
          "Propose a flag's full new state in one environment (editor, audited as propose) → 201",
          "ChangeRequestInput",
          { parameters: [...keyParam, ...envParam] },
          "ChangeRequest",
        ),
      },
      "/api/change-requests": {
        get: op(
          "The team's change requests, newest first",
          undefined,
          {
            parameters: [
              {
                name: "status",
                in: "query",
                schema: { type: "string", enum: ["open", "applied", "rejected"] },
              },
              { name: "environment", in: "query", schema: { type: "string" } },
              { name: "flag_key", in: "query", schema: { type: "string" } },
            ],
          },
          "ChangeRequestList",
        ),
      },
      "/api/change-requests/{id}": {
        get: op("One change request with its diff", undefined, { parameters: idParam }, "ChangeRequest"),
      },
      "/api/change-requests/{id}/approve": {
        post: op(
          "Approve and apply a change request atomically (editor other than its proposer; 409 when stale)",
          "ChangeRequestDecision",
          { parameters: idParam },
          "ChangeRequestApproval",
        ),
      },
      "/api/change-requests/{id}/reject": {
        post: op(
          "Reject an open change request (editor)",
          "ChangeRequestDecision",
          { parameters: idParam },
          "ChangeRequest",
        ),
      },
      "/api/environments": {
        get: op(
          "The team's environments (development, staging, production and added ones)",
          undefined,
          {},
          "EnvironmentList",
        ),
        post: op("Add an environment (admin, audited) → 201", "EnvironmentInput", {}, "Environment"),
      },
      "/api/environments/{key}": {
        patch: op(
          "Rename an environment or require review for its flag changes (admin, audited)",
          "EnvironmentPatch",
          { parameters: keyParam },
          "Environment",
        ),
        delete: op("Delete an added environment and its flag states (admin, audited)", undefined, {
          parameters: keyParam,
        }),
      },
      "/api/flags/{key}/rollout": {
        get: op(
          "The flag's guarded rollout in an environment: steps, current step, stop reason",
          undefined,
          { parameters: [...keyParam, environmentParam] },
          "Rollout",
        ),
        post: op(
          "Schedule a guarded rollout (editor, audited): increasing percentages at increasing future times, watched by guardrails",
          "RolloutInput",
          { parameters: keyParam },
          "Rollout",
        ),
        delete: op(
          "Cancel the active rollout; the flag keeps the step it reached (editor, audited)",
          undefined,
          { parameters: [...keyParam, environmentParam] },
          "Rollout",
        ),
      },
      "/api/environments/{key}/sdk-keys": {
        post: op(
          "Create an SDK key bound to the environment: server (full payload, assign, events) or client (redacted payload, events) → 201 (admin)",
          "SdkKeyRequest",
          { parameters: keyParam },
          "SdkKey",
        ),
      },
      "/api/tracking-plan": {
        get: op("The current tracking plan"),
        put: op("Publish a new tracking plan version (admin)", "TrackingPlan"),
      },
      "/api/sdk/config": {
        get: op(
          "The SDK payload of an environment (ETag / If-None-Match → 304): an SDK key's own (client keys: redacted), a team key's `?environment=` (default production)",
          undefined,
          { parameters: [{ name: "environment", in: "query", schema: { type: "string" } }] },
        ),
      },
      "/api/sdk/stream": {
        get: {
          ...op(
            "Server-Sent Events of the SDK payload: `event: payload` (id = its ETag, data = the payload) now unless `Last-Event-ID` is its ETag, then at each change; `: keep-alive` comments; 429 past the key's stream limit",
            undefined,
            {
              parameters: [
                environmentParam,
                { name: "Last-Event-ID", in: "header", schema: { type: "string" } },
              ],
            },
          ),
          responses: {
            "200": {
              description: "text/event-stream",
              content: { "text/event-stream": { schema: { type: "string" } } },
            },
            "400": errorResponse,
            "401": errorResponse,
            "429": errorResponse,
          },
        },
      },
      "/api/assign": {
        post: op("Server-side assignment; first assignments are logged exactly once", "AssignRequest"),
      },
      "/api/events": {
        post: op("Collect a batch of events and exposures; acknowledged once durable", "EventBatch"),
      },
      "/api/users/{id}": {
        delete: op(
          "Erase a user's traces: within the caller's team (admin) or across all teams (owner); DSAR, audited",
          undefined,
          {
            parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          },
        ),
      },
      "/api/admin/compact": { post: op("Move the event log into the lake now (admin)") },
      "/api/teams": {
        post: op("Create a team and its first admin key → `{team, admin_key}` (platform owner)", "TeamInput"),
      },
    },
  };
}
