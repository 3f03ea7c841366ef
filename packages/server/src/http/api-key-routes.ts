import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Queryable } from "../db/database.js";
import { createTeamApiKey, listApiKeys, revokeApiKey } from "../registry/api-key-store.js";
import type { Principal } from "../registry/auth.js";
import { apiKeyRequestSchema } from "./api-key-request.js";
import { parseInput } from "./parse-input.js";

export interface ApiKeyRouteDeps {
  readonly auth: (request: FastifyRequest) => Promise<Principal>;
  readonly inTeam: <T>(p: Principal, fn: (tx: Queryable) => Promise<T>) => Promise<T>;
  /** After a revocation commits: forget the key in the authenticator's cache and close its SDK streams. */
  readonly revoked: (keyId: string) => void;
}

const keyIdParams = z.object({ id: z.string().regex(/^[0-9a-f]{12}$/, "must be a key id (12 hex digits)") });

/**
 * `POST|GET /api/keys`, `DELETE /api/keys/{id}`: a team admin creates, lists and revokes the team's keys (team and
 * SDK keys; secrets are shown once at creation and never listed). Every change is audited in the team.
 * @example registerApiKeyRoutes(app, { auth, inTeam, revoked: (id) => authenticate.forget(id) });
 */
export function registerApiKeyRoutes(app: FastifyInstance, deps: ApiKeyRouteDeps): void {
  const { auth, inTeam } = deps;
  app.post("/api/keys", async (request, reply) => {
    const p = await auth(request);
    const body = parseInput(apiKeyRequestSchema, request.body);
    const created = await inTeam(p, (tx) => createTeamApiKey(tx, p, body));
    reply.status(201);
    return created;
  });
  app.get("/api/keys", async (request) => {
    const p = await auth(request);
    return { keys: await inTeam(p, (tx) => listApiKeys(tx, p)) };
  });
  app.delete("/api/keys/:id", async (request) => {
    const p = await auth(request);
    const { id } = parseInput(keyIdParams, request.params);
    const revoked = await inTeam(p, (tx) => revokeApiKey(tx, p, id));
    deps.revoked(id);
    return revoked;
  });
}
