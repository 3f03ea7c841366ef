import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Database, Queryable } from "../db/database.js";
import type { Principal } from "../registry/auth.js";
import {
  approveChangeRequest,
  changeRequestDecisionSchema,
  changeRequestInputSchema,
  changeRequestStatuses,
  getChangeRequest,
  listChangeRequests,
  proposeFlagChange,
  rejectChangeRequest,
} from "../registry/change-request-store.js";
import {
  createEnvironment,
  deleteEnvironment,
  environmentInputSchema,
  environmentPatchSchema,
  environmentQuerySchema,
  getEnvironment,
  listEnvironments,
  updateEnvironment,
} from "../registry/environment-store.js";
import { keySchema } from "../registry/experiment-schema.js";
import { copyFlagEnvironment, flagCopyInputSchema } from "../registry/flag-copy.js";
import { createSdkKey, sdkKeyRequestSchema } from "../registry/sdk-keys.js";
import { BadRequestError } from "./http-error.js";
import { parseInput } from "./parse-input.js";
import { checkTargetingCondition } from "./targeting-condition.js";

type InTeam = <T>(p: Principal, fn: (tx: Queryable) => Promise<T>) => Promise<T>;

export interface EnvironmentRouteDeps {
  readonly db: Database;
  readonly auth: (request: FastifyRequest) => Promise<Principal>;
  readonly inTeam: InTeam;
  /** A registry write that commits only if the team's SDK payloads still validate. */
  readonly writeInTeam: InTeam;
  /** Drops the team's snapshot after a write, so SDKs see it at their next poll. */
  readonly changed: (p: Principal) => void;
}

const keyParams = z.object({ key: keySchema });
const idParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive("must be a change request id")
    .max(2 ** 53),
});
const changeRequestQuery = z.object({
  status: z.enum(changeRequestStatuses).optional(),
  environment: keySchema.optional(),
  flag_key: keySchema.optional(),
});

/**
 * Environments (`/api/environments`), their SDK keys, copying a flag between environments and change requests
 * (`/api/flags/{key}/change-requests`, `/api/change-requests`). docs/server.md "Environments and reviewed changes".
 * @example registerEnvironmentRoutes(app, { db, auth, inTeam, writeInTeam, changed });
 */
export function registerEnvironmentRoutes(app: FastifyInstance, deps: EnvironmentRouteDeps): void {
  const { auth, inTeam, writeInTeam, changed } = deps;

  app.get("/api/environments", async (request) => {
    const p = await auth(request);
    return { environments: await inTeam(p, listEnvironments) };
  });
  app.post("/api/environments", async (request, reply) => {
    const p = await auth(request);
    const input = parseInput(environmentInputSchema, request.body);
    const created = await writeInTeam(p, (tx) => createEnvironment(tx, p, input));
    changed(p);
    reply.status(201);
    return created;
  });
  app.patch("/api/environments/:key", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const patch = parseInput(environmentPatchSchema, request.body);
    return inTeam(p, (tx) => updateEnvironment(tx, p, key, patch));
  });
  app.delete("/api/environments/:key", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    await writeInTeam(p, (tx) => deleteEnvironment(tx, p, key));
    changed(p);
    return { deleted: key };
  });
  app.post("/api/environments/:key/sdk-keys", async (request, reply) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const body = parseInput(sdkKeyRequestSchema, request.body);
    const created = await createSdkKey(deps.db, p, key, body);
    reply.status(201);
    return created;
  });

  app.post("/api/flags/:key/copy", async (request) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const input = parseInput(flagCopyInputSchema, request.body);
    const result = await writeInTeam(p, (tx) => copyFlagEnvironment(tx, p, key, input));
    if (result.applied) changed(p);
    return result;
  });

  app.post("/api/flags/:key/change-requests", async (request, reply) => {
    const p = await auth(request);
    const { key } = parseInput(keyParams, request.params);
    const { environment } = parseInput(environmentQuerySchema, request.query);
    const input = parseInput(changeRequestInputSchema, request.body);
    if (input.flag.key !== key)
      throw new BadRequestError(
        "flag.key",
        `the body's key "${input.flag.key}" differs from the URL's "${key}"`,
      );
    checkTargetingCondition(input.flag.targeting.condition, "flag.targeting.condition");
    const created = await inTeam(p, async (tx) => {
      await getEnvironment(tx, environment);
      return proposeFlagChange(tx, p, environment, input);
    });
    reply.status(201);
    return created;
  });
  app.get("/api/change-requests", async (request) => {
    const p = await auth(request);
    const q = parseInput(changeRequestQuery, request.query);
    const filter = {
      ...(q.status === undefined ? {} : { status: q.status }),
      ...(q.environment === undefined ? {} : { environment: q.environment }),
      ...(q.flag_key === undefined ? {} : { flagKey: q.flag_key }),
    };
    return { change_requests: await inTeam(p, (tx) => listChangeRequests(tx, filter)) };
  });
  app.get("/api/change-requests/:id", async (request) => {
    const p = await auth(request);
    const { id } = parseInput(idParams, request.params);
    return inTeam(p, (tx) => getChangeRequest(tx, id));
  });
  app.post("/api/change-requests/:id/approve", async (request) => {
    const p = await auth(request);
    const { id } = parseInput(idParams, request.params);
    const { note } = parseInput(changeRequestDecisionSchema, request.body ?? {});
    const result = await writeInTeam(p, (tx) => approveChangeRequest(tx, p, id, note));
    changed(p);
    return result;
  });
  app.post("/api/change-requests/:id/reject", async (request) => {
    const p = await auth(request);
    const { id } = parseInput(idParams, request.params);
    const { note } = parseInput(changeRequestDecisionSchema, request.body ?? {});
    return inTeam(p, (tx) => rejectChangeRequest(tx, p, id, note));
  });
}
