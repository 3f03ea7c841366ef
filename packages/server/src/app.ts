import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { z } from "zod";
import { eventBatchSchema } from "./collector/event-schema.js";
import { createTrackingPlanCache, trackingPlanSchema } from "./collector/tracking-plan.js";
import { registerDecisionRoutes } from "./decisions/decision-routes.js";
import { type DecisionService, smtpFromEnv } from "./decisions/decision-service.js";
import { readGuardrailBreaches } from "./decisions/guardrail-breach-status.js";
import { createHotLane } from "./hot-path/hot-lane.js";
import { admitJson, admitStrings } from "./http/admission.js";
import { registerApiKeyRoutes } from "./http/api-key-routes.js";
import { assignInputSchema, parseAssignFast } from "./http/assign-input.js";
import { bodyWithPathKey } from "./http/body-with-path-key.js";
import { dashboardDistDir, registerDashboard } from "./http/dashboard-static.js";
import { registerEnvironmentRoutes } from "./http/environment-routes.js";
import { registerFavicon } from "./http/favicon.js";
import { ForbiddenError, HttpError, isHttpError } from "./http/http-error.js";
import { sendJsonWithEtag } from "./http/json-etag.js";
import { buildOpenApiDocument } from "./http/openapi.js";
import { parseInput } from "./http/parse-input.js";
import { createPrometheusMetrics } from "./http/prometheus-metrics.js";
import { trackRoutes } from "./http/route-catalog.js";
import { createPayloadStreams } from "./http/sdk-stream.js";
import { checkTargetingCondition } from "./http/targeting-condition.js";
import { unassignableExperiment } from "./http/unassignable-experiment.js";
import type { ErasureScope } from "./lifecycle/erase-user.js";
import { createPrivacyGuard } from "./lifecycle/privacy-guard.js";
import { registerRetention } from "./lifecycle/retention-routes.js";
import {
  eraseUserFromWarehouses,
  type WarehouseTarget,
  warehouseTargetsFromEnv,
} from "./lifecycle/warehouse-erasure.js";
import { createNotifier, type Notifier } from "./notifications/notifier.js";
import type { AssignmentRecord } from "./registry/assignment-log.js";
import { listAudit } from "./registry/audit-log.js";
import { createAuthenticator, hasRole, type Principal, requireRole } from "./registry/auth.js";
import { flagSchema, metricDefinitionSchema, segmentSchema } from "./registry/definition-schemas.js";
import {
  getFlag,
  getMetricDefinition,
  getSegment,
  listFlags,
  listMetricDefinitions,
  listSegments,
  putFlag,
  putMetricDefinition,
  putSegment,
} from "./registry/definition-store.js";
import { environmentQuerySchema, getEnvironment, listEnvironments } from "./registry/environment-store.js";
import {
  experimentInputSchema,
  experimentPatchSchema,
  experimentStatuses,
  keySchema,
  transitionSchema,
} from "./registry/experiment-schema.js";
import {
  createExperiment,
  getExperiment,
  listExperiments,
  transitionExperiment,
  updateExperiment,
} from "./registry/experiment-store.js";
import { switchFlag } from "./registry/flag-kill-switch.js";
import { refuseUnreviewedWrite } from "./registry/flag-review.js";
import { createStaleFlagMarker } from "./registry/flag-staleness.js";
import { checkTeamPayload } from "./registry/payload-check.js";
import { requireTeamKey, resolveSdkRequest } from "./registry/sdk-keys.js";
import { deliveredStatuses } from "./registry/sdk-payload.js";
import { segmentAttributesFromEnv } from "./registry/segment-attributes.js";
import { withTeam } from "./registry/team-scope.js";
import { createSnapshotCache } from "./registry/team-snapshot.js";
import { createTeam, listTeams, teamInputSchema } from "./registry/team-store.js";
import { listResults } from "./results/experiment-list-results.js";
import { createPipelineConfigSync } from "./results/pipeline-config.js";
import {
  type SegmentResultsProvider,
  segmentParamsSchema,
  segmentQuerySchema,
} from "./results/segment-results-provider.js";
import { registerRolloutRoutes } from "./rollouts/rollout-routes.js";
import { createRolloutScheduler, type RolloutMetricsSource } from "./rollouts/rollout-scheduler.js";
import type { ServerContext } from "./server-context.js";

/** Computes an experiment's results summary (the pipeline over the lake); injected by `startServer`. */
export type SummaryProvider = (experimentKey: string, principal: Principal) => Promise<unknown>;

export interface AppOptions {
  readonly context: ServerContext;
  readonly summary?: SummaryProvider;
  /** Per-segment results (`GET /api/experiments/{key}/segments/{attribute}`); injected by `startServer`. */
  readonly segmentResults?: SegmentResultsProvider;
  /** Erases a user's rows from derived outputs (the results store); called by DSAR after the lake. */
  readonly eraseDerived?: (userId: string) => Promise<number>;
  /** Warehouses DSAR erases users from (default: `ASSAY_WAREHOUSE_URLS`). */
  readonly warehouses?: ReadonlyArray<WarehouseTarget>;
  /** Seconds SDKs wait between polls (advertised in `X-Assay-Poll-Interval`). Default 30. */
  readonly pollIntervalSeconds?: number;
  /** Open `GET /api/sdk/stream` connections one API key may hold; default `ASSAY_SDK_STREAM_MAX_PER_KEY` or 10,000. */
  readonly streamMaxPerKey?: number;
  /** Keep-alive comment interval of SDK streams (ms); default 15,000. */
  readonly streamKeepAliveMs?: number;
  readonly logger?: boolean;
  readonly bodyLimitBytes?: number;
  /** The decision engine and scheduler (routes under `/api/experiments/{key}/decision`). */
  readonly decisions?: DecisionService;
  /** Rewrite `<lake>/assay.yaml` from the registry after each registry change (default true). */
  readonly pipelineConfig?: boolean;
  /** The built dashboard served at `/`; default `dashboardDistDir()`, `null` = none. */
  readonly dashboardDir?: string | null;
  /**
   * The guarded-rollout scheduler (`/api/flags/{key}/rollout`): its clock, guardrail numbers, notifier and tick
   * interval (default `ASSAY_ROLLOUT_TICK_MS` or 30 s; 0 = no timer, ticks are driven by the caller, as in tests).
   */
  readonly rollouts?: {
    readonly now?: () => Date;
    readonly metrics?: RolloutMetricsSource;
    readonly notify?: Notifier;
    readonly intervalMs?: number;
  };
  /** User attributes recorded at first assignments for segment drill-downs (default `ASSAY_SEGMENT_ATTRIBUTES`). */
  readonly segmentAttributes?: ReadonlyArray<string>;
}

const keyParams = z.object({ key: keySchema });
const flagListQuerySchema = environmentQuerySchema.extend({ stale_after_days: z.string().optional() });
// No default: a team key without it reads production; an SDK key reads its own environment.
const sdkConfigQuerySchema = z.object({
  environment: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,63}$/, "must be an environment key (lowercase, starting with a letter)")
    .optional(),
});

/**
 * The Fastify application over an opened server context (registry, event log, lake).
 * @example
 * const app = await createApp({ context });
 * const res = await app.inject({ method: "GET", url: "/health" });
 */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const { context } = options;
  const { db, collector } = context;
  const pollInterval = options.pollIntervalSeconds ?? 30;
  const bodyLimit = options.bodyLimitBytes ?? 16 * 1024 * 1024;
  // POST /api/assign and /api/events are served by the hot lane (node:http, same handlers) and skip Fastify's hooks.
  const hotLane = createHotLane({ bodyLimit });
  const app = Fastify({ logger: options.logger ?? false, bodyLimit, serverFactory: hotLane.serverFactory });
  trackRoutes(app);
  // A shared registry may revoke a key through another server: a cached key is looked up again each second.
  const authenticate = createAuthenticator(db, {
    recheckMs: db.dialect === "pglite" ? Number.POSITIVE_INFINITY : 1000,
  });
  // An embedded registry has no other writer, so its snapshots change only through this server.
  const snapshots = createSnapshotCache(db, db.dialect === "pglite" ? Number.POSITIVE_INFINITY : 1000);
  const plans = createTrackingPlanCache(db, db.dialect === "pglite" ? Number.POSITIVE_INFINITY : 1000);
  const { assignments } = context;
  const metrics = createPrometheusMetrics();
  const privacy = await createPrivacyGuard(context);
  const warehouses = options.warehouses ?? warehouseTargetsFromEnv(process.env);
  const segmentAttributes = options.segmentAttributes ?? segmentAttributesFromEnv(process.env);
  const startedAt = Date.now();
  // Registry routes take team keys only: an SDK key reaches GET /api/sdk/config, /api/assign and /api/events.
  const auth = async (request: FastifyRequest): Promise<Principal> => {
    const p = await authenticate(request.headers.authorization);
    requireTeamKey(p);
    return p;
  };
  const inTeam = <T>(p: Principal, fn: Parameters<typeof withTeam<T>>[2]) => withTeam(db, p.team, fn);
  // A registry write commits only if the team's whole SDK payload still passes the SDK's own validatePayload.
  const writeInTeam = <T>(p: Principal, fn: Parameters<typeof withTeam<T>>[2]) =>
    withTeam(db, p.team, async (tx) => {
      const result = await fn(tx);
      await checkTeamPayload(tx);
      return result;
    });
  // Streams re-read the team's payloads after each change and push those that differ (GET /api/sdk/stream).
  const streams = createPayloadStreams({
    payloadOf: async (team, { environment, keyKind }) =>
      (await snapshots.get(team)).payload(environment, keyKind),
    maxPerKey: options.streamMaxPerKey ?? Number(process.env.ASSAY_SDK_STREAM_MAX_PER_KEY ?? 10_000),
    ...(options.streamKeepAliveMs === undefined ? {} : { keepAliveMs: options.streamKeepAliveMs }),
    // Another server's writes to a shared registry show in the snapshot within its TTL: look again as often.
    recheckMs: db.dialect === "pglite" ? 0 : 1000,
    onError: (error) => app.log.error(error),
  });
  const teamChanged = (team: string) => {
    snapshots.invalidate(team);
    streams.changed(team);
  };
  const changed = (p: Principal) => teamChanged(p.team);
  const syncConfig =
    options.pipelineConfig === false
      ? async () => {}
      : createPipelineConfigSync(db, context.lake.dir, (error) => app.log.error(error));

  app.setErrorHandler((error, request, reply) => {
    if (isHttpError(error)) return reply.status(error.status).send(error.toJSON());
    const fastifyError = error as { statusCode?: number; message: string; code?: string };
    if (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500) {
      const http = new HttpError(
        fastifyError.statusCode === 413 ? "payload_too_large" : "bad_request",
        fastifyError.message,
        {
          field: "body",
        },
      );
      return reply.status(fastifyError.statusCode).send(http.toJSON());
    }
    // A value the registry's column cannot hold (SQLSTATE class 22: out of range, bad encoding) is the caller's
    // error: a 400, never a 500, even where a schema missed a bound.
    const sqlState = fastifyError.code;
    if (typeof sqlState === "string" && /^22[0-9A-Z]{3}$/.test(sqlState)) {
      request.log.warn(error);
      return reply.status(400).send(
        new HttpError("bad_request", `body: a value the registry cannot store (${fastifyError.message})`, {
          field: "body",
        }).toJSON(),
      );
    }
    request.log.error(error);
    return reply.status(500).send(new HttpError("internal", "internal error").toJSON());
  });
  // Input admission (http/admission.ts): the JSON body is parsed here (a `__proto__` key is then a named 400, not
  // "not valid JSON") and checked once; headers, path parameters and the query string before every handler.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit }, (_request, text, done) => {
    const source = typeof text === "string" ? text : text.toString("utf8");
    if (source.trim() === "")
      return done(
        new HttpError("bad_request", "body: must not be empty with content-type application/json", {
          field: "body",
        }),
      );
    let body: unknown;
    try {
      body = JSON.parse(source);
    } catch (error) {
      return done(new HttpError("bad_request", "body: is not valid JSON", { field: "body", cause: error }));
    }
    try {
      admitJson(body);
    } catch (error) {
      return done(error as Error);
    }
    done(null, body);
  });
  app.addHook("preValidation", async (request) => {
    admitStrings(request.headers, "headers");
    admitStrings(request.params, "params");
    admitStrings(request.query, "query");
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(new HttpError("not_found", `no route ${request.method} ${request.url}`).toJSON());
  });
  app.addHook("onResponse", async (request, reply) => {
    metrics.observeRequest(
      request.routeOptions.url ?? "unmatched",
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });

  app.get("/health", async () => {
    await db.query("select 1");
    return {
      status: "ok",
      database: db.dialect,
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
    };
  });
  app.get("/metrics", async (_request, reply) => {
    reply.type("text/plain; version=0.0.4");
    return metrics.render({
      assay_events_accepted_total: {
        type: "counter",
        help: "Events acknowledged durable.",
        value: collector.counters.accepted,
      },
      assay_events_duplicate_total: {
        type: "counter",
        help: "Events dropped as duplicates of an event_id.",
        value: collector.counters.duplicates,
      },
      assay_events_rejected_total: {
        type: "counter",
        help: "Events rejected by validation.",
        value: collector.counters.rejected,
      },
      assay_wal_fsyncs_total: {
        type: "counter",
        help: "Group commits (one fdatasync each).",
        value: context.log.stats.flushes,
      },
      assay_assignments_first_total: {
        type: "counter",
        help: "First assignments logged.",
        value: assignments.counters.first,
      },
      assay_assignments_repeat_total: {
        type: "counter",
        help: "Assignments of pairs already logged.",
        value: assignments.counters.repeat,
      },
    });
  });
  app.get("/api/openapi.json", async () => buildOpenApiDocument());

  // --- API keys -------------------------------------------------------------------------------
  registerApiKeyRoutes(app, {
    auth,
    inTeam,
    revoked: (keyId) => {
      authenticate.forget(keyId);
      streams.closeKey(keyId);
    },
  });

  // --- Experiments ----------------------------------------------------------------------------
  app.get("/api/experiments", async (request) => {
    const p = await auth(request);
    const { status } = parseInput(z.object({ status: z.enum(experimentStatuses).optional() }), request.query);
    const { experiments, guardrails } = await inTeam(p, async (tx) => {
      const list = await listExperiments(tx, status);
      return {
        experiments: list,
        guardrails: await readGuardrailBreaches(
          tx,
          list.map((e) => e.key),
        ),
      };
    });
    // The primary result and badges of each, from one read of the latest results partition; the guardrail
    // badge is the decision engine's latest verdict. A lake that cannot be read (a foreign or damaged
    // partition) leaves the results out; the list still answers.
    const results = await listResults(context.lake.dir, experiments, guardrails).catch((error: unknown) => {
      request.log.warn({ err: error }, "experiment list: cannot read results from the lake");
      return new Map<string, never>();
    });
    return { experiments: experiments.map((e) => ({ ...e, results: results.get(e.key) ?? null })) };
  });
  app.post("/api/experiments", async (request, reply) => {
    const p = await auth(request);
    const input = parseInput(experimentInputSchema, request.body);
    checkTargetingCondition(input.targeting.condition, "targeting.condition");
    const created = await writeInTeam(p, (tx) => createExperiment(tx, p, input));
    changed(p);
    await syncConfig();
    reply.status(201);
    return created;
  });
  app.get("/api/experiments/:key", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    return inTeam(p, (tx) => getExperiment(tx, key));
  });
  app.patch("/api/experiments/:key", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const patch = parseInput(experimentPatchSchema, request.body);
    checkTargetingCondition(patch.targeting?.condition, "targeting.condition");
    const updated = await writeInTeam(p, (tx) => updateExperiment(tx, p, key, patch));
    changed(p);
    await syncConfig();
    return updated;
  });
  app.post("/api/experiments/:key/status", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const { status } = parseInput(transitionSchema, request.body);
    const updated = await writeInTeam(p, (tx) => transitionExperiment(tx, p, key, status));
    if (!deliveredStatuses.has(status)) assignments.forgetExperiment(key);
    changed(p);
    await syncConfig();
    return updated;
  });
  app.get("/api/experiments/:key/audit", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    return inTeam(p, async (tx) => {
      await getExperiment(tx, key);
      return { entries: await listAudit(tx, { entityType: "experiment", entityKey: key }) };
    });
  });
  app.get("/api/experiments/:key/summary", async (request, reply) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    await inTeam(p, (tx) => getExperiment(tx, key));
    if (options.summary === undefined)
      throw new HttpError("not_found", "results are not configured on this server");
    return sendJsonWithEtag(request, reply, await options.summary(key, p));
  });
  app.get("/api/experiments/:key/segments/:attribute", async (request, reply) => {
    const p = await auth(request);
    const { key, attribute } = parseInput(segmentParamsSchema, request.params);
    const query = parseInput(segmentQuerySchema, request.query);
    await inTeam(p, (tx) => getExperiment(tx, key));
    if (options.segmentResults === undefined)
      throw new HttpError("not_found", "results are not configured on this server");
    return sendJsonWithEtag(request, reply, await options.segmentResults(key, attribute, query, p));
  });
  app.get("/api/audit", async (request) => {
    const p = await auth(request);
    const q = parseInput(
      z.object({
        entity_type: z.string().optional(),
        entity_key: z.string().optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      request.query,
    );
    const filter = {
      limit: q.limit,
      ...(q.entity_type === undefined ? {} : { entityType: q.entity_type }),
      ...(q.entity_key === undefined ? {} : { entityKey: q.entity_key }),
    };
    return { entries: await inTeam(p, (tx) => listAudit(tx, filter)) };
  });

  // --- Metric definitions, segments, flags -----------------------------------------------------
  app.get("/api/metrics", async (request) => {
    const p = await auth(request);
    return { metrics: await inTeam(p, listMetricDefinitions) };
  });
  app.get("/api/metrics/:key", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    return inTeam(p, (tx) => getMetricDefinition(tx, key));
  });
  app.put("/api/metrics/:key", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const metric = parseInput(metricDefinitionSchema, bodyWithPathKey(request.body, key));
    const saved = await inTeam(p, (tx) => putMetricDefinition(tx, p, metric));
    await syncConfig();
    return saved;
  });
  app.get("/api/segments", async (request) => {
    const p = await auth(request);
    return { segments: await inTeam(p, listSegments) };
  });
  app.get("/api/segments/:key", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    return inTeam(p, (tx) => getSegment(tx, key));
  });
  app.put("/api/segments/:key", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const segment = parseInput(segmentSchema, bodyWithPathKey(request.body, key));
    checkTargetingCondition(segment.condition, "condition");
    const saved = await writeInTeam(p, (tx) => putSegment(tx, p, segment));
    changed(p);
    return saved;
  });
  const markStaleFlags = createStaleFlagMarker(context.lake);
  app.get("/api/flags", async (request) => {
    const p = await auth(request);
    const { environment, ...rest } = parseInput(flagListQuerySchema, request.query);
    const flags = await inTeam(p, async (tx) => {
      await getEnvironment(tx, environment);
      return listFlags(tx, environment);
    });
    return { environment, flags: await markStaleFlags(flags, rest, p.team) };
  });
  app.get("/api/flags/:key", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const { environment } = parseInput(environmentQuerySchema, request.query);
    return inTeam(p, async (tx) => {
      await getEnvironment(tx, environment);
      return getFlag(tx, key, environment);
    });
  });
  app.put("/api/flags/:key", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const { environment } = parseInput(environmentQuerySchema, request.query);
    const flag = parseInput(flagSchema, bodyWithPathKey(request.body, key));
    checkTargetingCondition(flag.targeting.condition, "targeting.condition");
    const saved = await writeInTeam(p, async (tx) => {
      const environments = await listEnvironments(tx);
      await getEnvironment(tx, environment);
      const stored = await getFlag(tx, key, environment).catch((error: unknown) => {
        if (isHttpError(error) && error.status === 404) return null;
        throw error;
      });
      // Environments that require review take changes through change requests (the kill switch excepted).
      refuseUnreviewedWrite(stored, flag, environment, environments);
      return putFlag(tx, p, flag, environment);
    });
    changed(p);
    return saved;
  });

  for (const action of ["kill", "restore"] as const) {
    app.post(`/api/flags/:key/${action}`, async (request) => {
      const p = await auth(request);
      const { key } = parseInput(keyParams, request.params);
      const { environment } = parseInput(environmentQuerySchema, request.query);
      const { flag, changed: didChange } = await writeInTeam(p, async (tx) => {
        await getEnvironment(tx, environment);
        return switchFlag(tx, p, key, action, environment);
      });
      if (didChange) changed(p);
      return flag;
    });
  }
  registerEnvironmentRoutes(app, { db, auth, inTeam, writeInTeam, changed });

  // --- Tracking plan --------------------------------------------------------------------------
  app.get("/api/tracking-plan", async (request) => {
    const p = await auth(request);
    return plans.get(p.team);
  });
  app.put("/api/tracking-plan", async (request) => {
    const p = await auth(request);
    requireRole(p, "admin");
    const plan = parseInput(trackingPlanSchema, request.body);
    return plans.publish(p.team, plan, p.actor);
  });

  // --- Delivery and assignment ----------------------------------------------------------------
  app.get("/api/sdk/config", async (request, reply) => {
    const p = await authenticate(request.headers.authorization);
    const query = parseInput(sdkConfigQuerySchema, request.query);
    // An SDK key reads its own environment (its kind decides what the payload holds); a team key picks one.
    const { environment, keyKind } = resolveSdkRequest(p, query.environment);
    const { body, etag, lastModified } = (await snapshots.get(p.team)).payload(environment, keyKind);
    reply.header("etag", etag);
    reply.header("last-modified", lastModified);
    // Clients revalidate on every poll (cheap 304s), so a change reaches them within one poll interval.
    reply.header("cache-control", "private, no-cache");
    reply.header("x-assay-poll-interval", String(pollInterval));
    reply.header("vary", "authorization");
    const match = request.headers["if-none-match"];
    if (match?.split(",").some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
      return reply.status(304).send();
    }
    reply.type("application/json");
    return body;
  });
  // Server-Sent Events: the payload now (unless `Last-Event-ID` is its ETag), then each change as it commits.
  // Authenticated like /api/sdk/config: an SDK key streams its own environment's payload (of its kind).
  app.get("/api/sdk/stream", async (request, reply) => {
    const p = await authenticate(request.headers.authorization);
    const query = parseInput(sdkConfigQuerySchema, request.query);
    const { environment, keyKind } = resolveSdkRequest(p, query.environment);
    const last = request.headers["last-event-id"];
    await streams.open(
      () => {
        reply.hijack();
        return reply.raw;
      },
      { team: p.team, keyId: p.keyId },
      { environment, keyKind },
      typeof last === "string" ? last.trim() : undefined,
    );
  });
  // Streams never end on their own: close them first, or `app.close()` would wait for them.
  app.addHook("preClose", async () => streams.closeAll());
  const assign = async (authorization: string | undefined, raw: unknown) => {
    const p = await authenticate(authorization);
    // A client key is public: it reads its payload and sends events, it does not assign on the server.
    if (p.sdk?.kind === "client")
      throw new ForbiddenError(
        "a client SDK key cannot assign on the server; use a server key",
        "authorization",
      );
    const body = parseAssignFast(raw) ?? parseInput(assignInputSchema, raw);
    const snapshot = await snapshots.get(p.team);
    const attributes = { ...body.attributes, identity_id: body.user_id };
    // A server SDK key assigns in its environment; a team key in production.
    const scoped = p.sdk === undefined ? snapshot : snapshot.clientFor(p.sdk.environment);
    const keys = body.experiments ?? scoped.experimentKeys;
    const decided = keys.map((key) => scoped.client.getAssignment(key, attributes));
    const toLog: AssignmentRecord[] = [];
    const logIndex: number[] = [];
    // An erased (tombstoned) user is still assigned, so the product renders, but nothing about them is stored.
    const erased = privacy.tombstones.has(p.team, body.user_id);
    decided.forEach((a, i) => {
      if (erased || !a.inExperiment || a.variant === null) return;
      toLog.push({ experimentKey: keys[i]!, userId: body.user_id, variant: a.variant, team: p.team });
      logIndex.push(i);
    });
    const first = new Array<boolean>(keys.length).fill(false);
    if (toLog.length > 0) {
      // Allowlisted attributes ride along with the first assignments' log append (nothing is written for repeats).
      const logged = await assignments.record(
        toLog,
        segmentAttributes.length === 0
          ? undefined
          : { userId: body.user_id, attributes: body.attributes, allowlist: segmentAttributes, team: p.team },
      );
      logged.forEach((f, j) => {
        first[logIndex[j]!] = f;
      });
    }
    return {
      user_id: body.user_id,
      assignments: decided.map((a, i) => {
        const key = keys[i]!;
        // A key the payload lacks: say which experiment and why, instead of the SDK's bare "ERROR".
        const unassignable =
          a.reason === "ERROR" && !scoped.experimentKeys.includes(key)
            ? unassignableExperiment(key, p.team, snapshot.experiments)
            : undefined;
        return {
          experiment_key: key,
          in_experiment: a.inExperiment,
          variant: a.variant,
          value: a.value ?? null,
          reason: unassignable?.reason ?? a.reason,
          ...(unassignable === undefined ? {} : { message: unassignable.message }),
          first_assignment: first[i]!,
        };
      }),
    };
  };
  app.post("/api/assign", (request) => assign(request.headers.authorization, request.body));
  hotLane.route("/api/assign", assign);

  // --- Collector ------------------------------------------------------------------------------
  const ingestEvents = async (authorization: string | undefined, raw: unknown) => {
    const p = await authenticate(authorization);
    const { events } = parseInput(eventBatchSchema, raw);
    const [plan, snapshot] = await Promise.all([plans.get(p.team), snapshots.get(p.team)]);
    return privacy.ingest(
      events,
      (kept) =>
        collector.ingest(kept, plan, snapshot.variantsByExperiment, snapshot.runningExperiments, p.team),
      p.team,
    );
  };
  app.post("/api/events", (request) => ingestEvents(request.headers.authorization, request.body));
  hotLane.route("/api/events", ingestEvents);
  app.delete("/api/users/:id", async (request) => {
    const p = await auth(request);
    requireRole(p, "admin");
    const { id } = parseInput(z.object({ id: z.string().min(1).max(256) }), request.params);
    // A team admin erases within the team; the platform owner across all teams (docs/server.md, "Tenancy").
    const everywhere = hasRole(p, "owner");
    const ownExperiments = everywhere
      ? []
      : (
          await db.query<{ experiment_key: string }>(
            "select experiment_key from experiment_registry where owner_team = $1",
            [p.team],
          )
        ).rows.map((r) => r.experiment_key);
    const otherExperiments = everywhere
      ? []
      : (
          await db.query<{ experiment_key: string }>(
            "select experiment_key from experiment_registry where owner_team <> $1",
            [p.team],
          )
        ).rows.map((r) => r.experiment_key);
    const scope: ErasureScope = everywhere
      ? { kind: "all" }
      : { kind: "team", team: p.team, otherExperiments };
    // Tombstone first (later events for the user are dropped), then compact what was acknowledged and erase it
    // from raw, silver and gold.
    const erasure = await privacy.erase(id, p.actor, scope);
    const lakeRows = Object.values(erasure.rows).reduce((a, b) => a + b, 0);
    // The results store and the warehouses hold rows without a team: a team erasure reaches them only when the user
    // has no row of another team (`exclusive`), like the lake's shared tables.
    const derivedRows = erasure.exclusive ? ((await options.eraseDerived?.(id)) ?? 0) : 0;
    assignments.forgetUser(id, everywhere ? undefined : ownExperiments);
    const warehouseErasures = erasure.exclusive ? await eraseUserFromWarehouses(warehouses, id) : [];
    const warehouseRows = warehouseErasures.reduce((sum, w) => sum + w.rows, 0);
    const warehouseFailures = warehouseErasures.filter((w) => w.error !== undefined);
    const teams = everywhere ? await listTeams(db) : [p.team];
    const record = JSON.stringify({
      scope: everywhere ? "all_teams" : "team",
      shared_data_erased: erasure.exclusive,
      lake_rows: lakeRows,
      lake_rows_by_area: erasure.rows,
      reports_scrubbed: erasure.reportsScrubbed,
      derived_rows: derivedRows,
      warehouse_rows: warehouseRows,
      warehouses: warehouseErasures,
    });
    // Audited in every team the erasure touched (the owner's: all of them).
    await db.transaction(async (tx) => {
      for (const team of teams)
        await tx.query(
          "insert into audit_log (actor, owner_team, entity_type, entity_key, action, before, after) values ($1, $2, 'user', $3, 'dsar_erase', null, $4)",
          [p.actor, team, id, record],
        );
    });
    // Everything else is erased and audited; a warehouse that failed makes the request fail, and a retry is safe.
    if (warehouseFailures.length > 0)
      throw new HttpError(
        "internal",
        `user erased everywhere except ${warehouseFailures.map((w) => `${w.target}: ${w.error}`).join("; ")} (retry the DELETE)`,
      );
    return {
      user_id: id,
      scope: everywhere ? "all_teams" : "team",
      teams,
      removed: {
        lake_rows: lakeRows,
        lake_rows_by_area: erasure.rows,
        reports_scrubbed: erasure.reportsScrubbed,
        derived_rows: derivedRows,
        warehouse_rows: warehouseRows,
        warehouses: warehouseErasures,
      },
      tombstoned: true,
    };
  });
  // --- Teams (platform owner) ----------------------------------------------------------------
  app.post("/api/teams", async (request, reply) => {
    const p = await auth(request);
    requireRole(p, "owner");
    const created = await createTeam(db, p, parseInput(teamInputSchema, request.body));
    reply.status(201);
    return created;
  });
  registerRetention(app, { db, lake: context.lake, auth });

  // --- Guarded rollouts -----------------------------------------------------------------------
  const rolloutNow = options.rollouts?.now ?? (() => new Date());
  const rolloutScheduler = createRolloutScheduler({
    db,
    now: rolloutNow,
    ...(options.rollouts?.metrics === undefined ? {} : { metrics: options.rollouts.metrics }),
    notify: options.rollouts?.notify ?? createNotifier({ db, ...smtpFromEnv() }),
    onFlagChange: teamChanged,
    onError: (error) => app.log.error(error),
  });
  registerRolloutRoutes(app, { db, auth, now: rolloutNow });
  const rolloutInterval = options.rollouts?.intervalMs ?? Number(process.env.ASSAY_ROLLOUT_TICK_MS ?? 30_000);
  if (rolloutInterval > 0) rolloutScheduler.start(rolloutInterval);
  app.addHook("preClose", async () => rolloutScheduler.stop());
  app.post("/api/admin/compact", async (request) => {
    const p = await auth(request);
    requireRole(p, "admin");
    return context.compact();
  });

  if (options.decisions !== undefined) {
    options.decisions.engine.onRegistryChange(teamChanged);
    registerDecisionRoutes(app, { db, decisions: options.decisions, auth });
  }

  const dashboardDir = options.dashboardDir === undefined ? dashboardDistDir() : options.dashboardDir;
  registerFavicon(app);
  if (dashboardDir !== null) await registerDashboard(app, dashboardDir);

  hotLane.attach(app, metrics.observeRequest);
  await app.ready();
  return app;
}
