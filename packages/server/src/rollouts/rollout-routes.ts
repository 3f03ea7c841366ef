import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Database } from "../db/database.js";
import { parseInput } from "../http/parse-input.js";
import type { Principal } from "../registry/auth.js";
import { keySchema } from "../registry/experiment-schema.js";
import { withTeam } from "../registry/team-scope.js";
import { rolloutInputSchema, rolloutQuerySchema } from "./rollout-schema.js";
import { cancelRollout, createRollout, getRollout } from "./rollout-store.js";

const keyParams = z.object({ key: keySchema });

/**
 * `POST|GET|DELETE /api/flags/{key}/rollout`: schedule, view and cancel a flag's guarded rollout in one environment
 * (`?environment=` for GET and DELETE, `environment` in the body for POST; default production). Another team's flag
 * is a 404.
 * @example registerRolloutRoutes(app, { db, auth, now: () => new Date() });
 */
export function registerRolloutRoutes(
  app: FastifyInstance,
  deps: { db: Database; auth: (request: FastifyRequest) => Promise<Principal>; now: () => Date },
): void {
  const { db, auth } = deps;
  app.post("/api/flags/:key/rollout", async (request, reply) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const input = parseInput(rolloutInputSchema, request.body);
    const created = await withTeam(db, p.team, (tx) => createRollout(tx, p, key, input, deps.now()));
    reply.status(201);
    return created;
  });
  app.get("/api/flags/:key/rollout", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const { environment } = parseInput(rolloutQuerySchema, request.query);
    return withTeam(db, p.team, (tx) => getRollout(tx, key, environment));
  });
  app.delete("/api/flags/:key/rollout", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const { environment } = parseInput(rolloutQuerySchema, request.query);
    return withTeam(db, p.team, (tx) => cancelRollout(tx, p, key, environment));
  });
}
