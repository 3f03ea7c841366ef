import { decisionConfigSchema } from "@assay/decisions";
import { z } from "zod";
import { eventBatchSchema, exposureEventSchema, productEventSchema } from "../collector/event-schema.js";
import { trackingPlanSchema } from "../collector/tracking-plan.js";
import { notificationEventTypes } from "../notifications/notification-event.js";
import { flagSchema, metricDefinitionSchema, segmentSchema } from "../registry/definition-schemas.js";
import {
  experimentInputSchema,
  experimentPatchSchema,
  transitionSchema,
} from "../registry/experiment-schema.js";
import { teamInputSchema } from "../registry/team-store.js";
import { guardrailVerdictStatuses } from "../results/guardrail-verdicts.js";

const schema = (s: z.ZodType) =>
  z.toJSONSchema(s, { io: "input", unrepresentable: "any", target: "openapi-3.0" });

const errorResponse = {
  description: "Error: `{error: {code, message, field}}`",
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
};

function op(summary: string, body?: string, extra: Record<string, unknown> = {}) {
  return {
    summary,
    security: [{ bearer: [] }],
    ...(body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: `#/components/schemas/${body}` } } },
          },
        }),
    responses: {
      "200": { description: "OK" },
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
        Error: {
          type: "object",
          properties: {
            error: {
              type: "object",
              properties: {
                code: { type: "string" },
                message: { type: "string" },
                field: { type: "string" },
              },
              required: ["code", "message"],
            },
          },
        },
        ExperimentInput: schema(experimentInputSchema),
        ExperimentPatch: schema(experimentPatchSchema),
        Transition: schema(transitionSchema),
        MetricDefinition: schema(metricDefinitionSchema),
        Segment: schema(segmentSchema),
        Flag: schema(flagSchema),
        TrackingPlan: schema(trackingPlanSchema),
        TeamInput: schema(teamInputSchema),
        EventBatch: schema(eventBatchSchema),
        ProductEvent: schema(productEventSchema),
        ExposureEvent: schema(exposureEventSchema),
        AssignRequest: {
          type: "object",
          required: ["user_id"],
          properties: {
            user_id: { type: "string" },
            attributes: { type: "object", additionalProperties: true },
            experiments: { type: "array", items: { type: "string" } },
          },
        },
        DecisionConfig: schema(decisionConfigSchema),
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
        SummaryGuardrails: {
          type: "object",
          description:
            "The summary's `guardrails`: the decision engine's latest stored verdict per guardrail metric (worst treatment) and treatment, and the fail-closed guard",
          required: ["source", "evaluated_at", "results_dt", "fail_closed", "metrics"],
          properties: {
            source: { type: "string", enum: ["decision_engine"] },
            evaluated_at: { type: "string", format: "date-time", nullable: true },
            results_dt: { type: "string", nullable: true },
            fail_closed: {
              type: "object",
              nullable: true,
              properties: {
                active: { type: "boolean" },
                tripped_at: { type: "string", format: "date-time" },
                message: { type: "string", nullable: true },
                cleared_at: { type: "string", format: "date-time", nullable: true },
              },
            },
            metrics: {
              type: "array",
              items: {
                type: "object",
                required: ["metric_key", "direction", "threshold", "status", "variants", "reason"],
                properties: {
                  metric_key: { type: "string" },
                  direction: { type: "string", enum: ["increase", "decrease"] },
                  threshold: { type: "number" },
                  status: { type: "string", enum: [...guardrailVerdictStatuses] },
                  reason: { type: "string", nullable: true },
                  variants: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["variant", "status", "relative_harm", "z", "boundary", "reason"],
                      properties: {
                        variant: { type: "string" },
                        status: { type: "string", enum: [...guardrailVerdictStatuses] },
                        relative_harm: { type: "number", nullable: true },
                        z: { type: "number", nullable: true },
                        boundary: { type: "number", nullable: true },
                        reason: { type: "string" },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        ApiKeyRequest: {
          type: "object",
          required: ["name", "role"],
          properties: {
            name: { type: "string" },
            role: { type: "string", enum: ["viewer", "editor", "reviewer", "admin"] },
          },
        },
      },
    },
    paths: {
      "/": {
        get: {
          summary: "The dashboard (packages/web/dist); 503 with the build command when it is not built",
          responses: { "200": { description: "text/html" }, "503": { description: "text/plain" } },
        },
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
      "/api/keys": { post: op("Create an API key for the caller's team (admin)", "ApiKeyRequest") },
      "/api/experiments": {
        get: op("List the team's experiments", undefined, {
          parameters: [{ name: "status", in: "query", schema: { type: "string" } }],
        }),
        post: op("Register a draft experiment (editor)", "ExperimentInput"),
      },
      "/api/experiments/{key}": {
        get: op("One experiment", undefined, { parameters: keyParam }),
        patch: op("Edit a draft", "ExperimentPatch", { parameters: keyParam }),
      },
      "/api/experiments/{key}/status": {
        post: op("Lifecycle transition (approve needs a reviewer other than the author)", "Transition", {
          parameters: keyParam,
        }),
      },
      "/api/experiments/{key}/audit": {
        get: op("The experiment's audit trail", undefined, { parameters: keyParam }),
      },
      "/api/experiments/{key}/summary": {
        get: op(
          "Results: result rows and metrics in both analysis modes, metric types, alpha, SRM, data quality, daily exposure health, cumulative series with the sequential boundary, the decision, guardrails (per guardrail metric and treatment the decision engine's latest stored verdict: breached | within_threshold | not_evaluated, its reason text, evaluated_at, results_dt, and the fail-closed guard), segment attributes available for drill-down; ETag / If-None-Match → 304",
          undefined,
          {
            parameters: keyParam,
            responses: {
              ...op("").responses,
              "200": {
                description: "The summary (its other fields are described in docs/server.md)",
                content: {
                  "application/json": {
                    schema: {
                      type: "object",
                      properties: { guardrails: { $ref: "#/components/schemas/SummaryGuardrails" } },
                    },
                  },
                },
              },
            },
          },
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
        ),
      },
      "/api/experiments/{key}/decision": {
        get: op(
          "The decision service's latest decision (ship, roll_back, keep_running, inconclusive)",
          undefined,
          {
            parameters: keyParam,
          },
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
      "/api/audit": { get: op("The team's audit log") },
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
      "/api/flags": { get: op("Feature flags") },
      "/api/flags/{key}": {
        get: op("One flag", undefined, { parameters: keyParam }),
        put: op("Create or replace a flag", "Flag", { parameters: keyParam }),
      },
      "/api/flags/{key}/kill": {
        post: op(
          "Turn the flag off atomically; only `enabled` changes (editor, audited as kill)",
          undefined,
          {
            parameters: keyParam,
          },
        ),
      },
      "/api/flags/{key}/restore": {
        post: op("Turn a killed flag back on as it was (editor, audited as restore)", undefined, {
          parameters: keyParam,
        }),
      },
      "/api/tracking-plan": {
        get: op("The current tracking plan"),
        put: op("Publish a new tracking plan version (admin)", "TrackingPlan"),
      },
      "/api/sdk/config": {
        get: op("The SDK payload of an environment (ETag / If-None-Match → 304)", undefined, {
          parameters: [
            { name: "environment", in: "query", schema: { type: "string", default: "production" } },
          ],
        }),
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
