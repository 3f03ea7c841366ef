import { decisionConfigSchema } from "@assay/decisions";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Database } from "../db/database.js";
import { ConflictError } from "../http/http-error.js";
import { parseInput } from "../http/parse-input.js";
import { notificationEventTypes } from "../notifications/notification-event.js";
import { appendAudit } from "../registry/audit-log.js";
import { type Principal, requireRole } from "../registry/auth.js";
import { keySchema } from "../registry/experiment-schema.js";
import { getExperiment } from "../registry/experiment-store.js";
import { withTeam } from "../registry/team-scope.js";
import type { DecisionService } from "./decision-service.js";
import {
  getDecisionConfig,
  listRoutes,
  listRuns,
  putDecisionConfig,
  replaceRoutes,
} from "./decision-store.js";

const keyParams = z.object({ key: keySchema });

const routeSchema = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,64}$/, "must be a lowercase identifier"),
  events: z.array(z.enum(notificationEventTypes)).min(1),
  channel: z.enum(["webhook", "email"]),
  target: z.string().min(1).max(2000),
  secret: z.string().min(16, "must be at least 16 characters").nullable().default(null),
});

/**
 * The decision routes: `GET /api/experiments/{key}/decision`, `POST .../decision/run`, `GET .../decision/runs`,
 * `GET|PUT .../decision-config`, `POST .../reenable`, `GET|PUT /api/notifications`.
 */
export function registerDecisionRoutes(
  app: FastifyInstance,
  deps: {
    readonly db: Database;
    readonly decisions: DecisionService;
    readonly auth: (request: FastifyRequest) => Promise<Principal>;
  },
): void {
  const { db, decisions } = deps;
  app.get("/api/experiments/:key/decision", async (request) => {
    const p = await deps.auth(request);
    const { key } = parseInput(keyParams, request.params);
    return withTeam(db, p.team, (tx) => decisions.engine.current(tx, key));
  });
  app.post("/api/experiments/:key/decision/run", async (request) => {
    const p = await deps.auth(request);
    requireRole(p, "editor");
    const { key } = parseInput(keyParams, request.params);
    await withTeam(db, p.team, (tx) => getExperiment(tx, key));
    await decisions.runNow(p.team, key);
    return withTeam(db, p.team, (tx) => decisions.engine.current(tx, key));
  });
  app.get("/api/experiments/:key/decision/runs", async (request) => {
    const p = await deps.auth(request);
    const { key } = parseInput(keyParams, request.params);
    return withTeam(db, p.team, async (tx) => {
      await getExperiment(tx, key);
      return { runs: await listRuns(tx, key) };
    });
  });
  app.get("/api/experiments/:key/decision-config", async (request) => {
    const p = await deps.auth(request);
    const { key } = parseInput(keyParams, request.params);
    return withTeam(db, p.team, async (tx) => {
      await getExperiment(tx, key);
      return getDecisionConfig(tx, key);
    });
  });
  app.put("/api/experiments/:key/decision-config", async (request) => {
    const p = await deps.auth(request);
    requireRole(p, "editor");
    const { key } = parseInput(keyParams, request.params);
    const config = parseInput(decisionConfigSchema, request.body);
    return withTeam(db, p.team, async (tx) => {
      const experiment = await getExperiment(tx, key);
      const before = await getDecisionConfig(tx, key);
      // The analysis method is part of the preregistration: fixed once the experiment leaves draft.
      if (experiment.status !== "draft" && before.method !== config.method) {
        throw new ConflictError(
          `the analysis method is preregistered (${before.method}); it cannot change once the experiment is ${experiment.status}`,
          "method",
        );
      }
      await putDecisionConfig(tx, p.team, key, config);
      await appendAudit(tx, p, {
        entityType: "experiment",
        entityKey: key,
        action: "decision:config",
        before,
        after: config,
      });
      return config;
    });
  });
  app.post("/api/experiments/:key/reenable", async (request) => {
    const p = await deps.auth(request);
    const { key } = parseInput(keyParams, request.params);
    const { reason } = parseInput(
      z.object({ reason: z.string().trim().min(3, "say why").max(2000) }),
      request.body,
    );
    return decisions.engine.reenable(p, key, reason);
  });
  app.get("/api/notifications", async (request) => {
    const p = await deps.auth(request);
    requireRole(p, "admin");
    const routes = await withTeam(db, p.team, listRoutes);
    return { routes: routes.map((r) => ({ ...r, secret: r.secret === null ? null : "********" })) };
  });
  app.put("/api/notifications", async (request) => {
    const p = await deps.auth(request);
    requireRole(p, "admin");
    const { routes } = parseInput(z.object({ routes: z.array(routeSchema).max(100) }), request.body);
    await withTeam(db, p.team, async (tx) => {
      await replaceRoutes(tx, p.team, routes);
      await appendAudit(tx, p, {
        entityType: "team",
        entityKey: p.team,
        action: "notifications:update",
        before: null,
        after: routes.map((r) => ({ ...r, secret: r.secret === null ? null : "********" })),
      });
    });
    return { routes: routes.map((r) => ({ ...r, secret: r.secret === null ? null : "********" })) };
  });
}
