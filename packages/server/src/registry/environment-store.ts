import { z } from "zod";
import type { Queryable } from "../db/database.js";
import { BadRequestError, ConflictError, NotFoundError } from "../http/http-error.js";
import { appendAudit } from "./audit-log.js";
import { type Principal, requireRole } from "./auth.js";
import { keySchema } from "./experiment-schema.js";

/** The environments every team has; they cannot be deleted. */
export const defaultEnvironments = ["development", "staging", "production"] as const;
/** Where a flag write, an SDK payload or an experiment goes when no environment is named. */
export const defaultEnvironment = "production";

/** A team's environment. */
export interface Environment {
  readonly key: string;
  readonly name: string;
  /** Flag changes here go through change requests (`POST /api/flags/{key}/change-requests`). */
  readonly requires_review: boolean;
  /** One of the three every team has (cannot be deleted). */
  readonly builtin: boolean;
}

/** The body of `POST /api/environments`. */
export const environmentInputSchema = z.object({
  key: keySchema,
  name: z.string().trim().min(1, "is required").max(200).optional(),
  requires_review: z.boolean().default(false),
  /** Start every flag as a copy of its state in this environment (default: every flag off). */
  copy_from: keySchema.optional(),
});
export type EnvironmentInput = z.output<typeof environmentInputSchema>;

/** The body of `PATCH /api/environments/{key}`. */
export const environmentPatchSchema = z.object({
  name: z.string().trim().min(1, "is required").max(200).optional(),
  requires_review: z.boolean().optional(),
});
export type EnvironmentPatch = z.output<typeof environmentPatchSchema>;

/** The `?environment=` of flag and SDK routes (default production). */
export const environmentQuerySchema = z.object({ environment: keySchema.default(defaultEnvironment) });

const builtin = new Set<string>(defaultEnvironments);

interface EnvironmentRow {
  environment_key: string;
  name: string;
  requires_review: boolean;
  position: number;
}

/**
 * The team's environments (row-level security scopes the read): the three defaults, then those the team added.
 * @example await listEnvironments(tx) // [{ key: "development", ... }, { key: "staging", ... }, { key: "production", ... }]
 */
export async function listEnvironments(tx: Queryable): Promise<Environment[]> {
  const { rows } = await tx.query<EnvironmentRow>(
    "select environment_key, name, requires_review, position from environment order by position, environment_key",
  );
  const stored = new Map(rows.map((r) => [r.environment_key, r]));
  const defaults = defaultEnvironments.map((key): Environment => {
    const row = stored.get(key);
    return { key, name: row?.name ?? key, requires_review: row?.requires_review ?? false, builtin: true };
  });
  const added = rows
    .filter((r) => !builtin.has(r.environment_key))
    .map(
      (r): Environment => ({
        key: r.environment_key,
        name: r.name,
        requires_review: r.requires_review,
        builtin: false,
      }),
    );
  return [...defaults, ...added];
}

/** One of the team's environments; an unknown one (or another team's) is a 404 naming `field`. */
export async function getEnvironment(
  tx: Queryable,
  key: string,
  field = "environment",
): Promise<Environment> {
  const found = (await listEnvironments(tx)).find((e) => e.key === key);
  if (found === undefined) throw new NotFoundError(`environment '${key}'`, field);
  return found;
}

/** One of the team's environments, named in a request body: an unknown one is a 400 naming `field`. */
export async function requireKnownEnvironment(
  tx: Queryable,
  key: string,
  field = "environment",
): Promise<Environment> {
  const all = await listEnvironments(tx);
  const found = all.find((e) => e.key === key);
  if (found === undefined)
    throw new BadRequestError(
      field,
      `unknown environment '${key}' (the team has ${all.map((e) => e.key).join(", ")})`,
    );
  return found;
}

/** Adds an environment to the caller's team (admin, audited); `copy_from` starts its flags as copies. */
export async function createEnvironment(
  tx: Queryable,
  principal: Principal,
  input: EnvironmentInput,
): Promise<Environment> {
  requireRole(principal, "admin");
  const existing = await listEnvironments(tx);
  if (existing.some((e) => e.key === input.key))
    throw new ConflictError(`environment '${input.key}' already exists`, "key");
  if (input.copy_from !== undefined && !existing.some((e) => e.key === input.copy_from))
    throw new BadRequestError("copy_from", `unknown environment '${input.copy_from}'`);
  await tx.query(
    `insert into environment (owner_team, environment_key, name, requires_review, position, created_by)
     values ($1, $2, $3, $4, $5, $6)`,
    [
      principal.team,
      input.key,
      input.name ?? input.key,
      input.requires_review,
      100 + existing.length,
      principal.actor,
    ],
  );
  if (input.copy_from !== undefined) {
    await tx.query(
      `insert into flag_environment (flag_key, environment_key, owner_team, enabled, killed, rollout_percentage,
         targeting, overrides)
       select flag_key, $2, owner_team, enabled, killed, rollout_percentage, targeting, overrides
       from flag_environment where environment_key = $1`,
      [input.copy_from, input.key],
    );
  }
  const created = await getEnvironment(tx, input.key, "key");
  await appendAudit(tx, principal, {
    entityType: "environment",
    entityKey: input.key,
    action: "create",
    before: null,
    after: { ...created, copy_from: input.copy_from ?? null },
  });
  return created;
}

/** Renames an environment or turns its review requirement on or off (admin, audited). */
export async function updateEnvironment(
  tx: Queryable,
  principal: Principal,
  key: string,
  patch: EnvironmentPatch,
): Promise<Environment> {
  requireRole(principal, "admin");
  const before = await getEnvironment(tx, key, "key");
  const name = patch.name ?? before.name;
  const requiresReview = patch.requires_review ?? before.requires_review;
  const position = defaultEnvironments.indexOf(key as (typeof defaultEnvironments)[number]);
  await tx.query(
    `insert into environment (owner_team, environment_key, name, requires_review, position, created_by)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (owner_team, environment_key) do update
       set name = excluded.name, requires_review = excluded.requires_review, updated_at = now()`,
    [principal.team, key, name, requiresReview, position === -1 ? 100 : position, principal.actor],
  );
  const after = await getEnvironment(tx, key, "key");
  await appendAudit(tx, principal, {
    entityType: "environment",
    entityKey: key,
    action: "update",
    before,
    after,
  });
  return after;
}

/**
 * Deletes an environment the team added (admin, audited) with its flag states; its open change requests are rejected
 * and its SDK keys answer 404 from then on. The three defaults cannot be deleted, nor one an experiment runs in (409).
 */
export async function deleteEnvironment(tx: Queryable, principal: Principal, key: string): Promise<void> {
  requireRole(principal, "admin");
  const before = await getEnvironment(tx, key, "key");
  if (before.builtin) throw new ConflictError(`environment '${key}' is one of the defaults and stays`, "key");
  const used = await tx.query<{ experiment_key: string }>(
    "select experiment_key from experiment_registry where environment = $1 order by 1 limit 1",
    [key],
  );
  if (used.rows[0] !== undefined)
    throw new ConflictError(
      `experiment '${used.rows[0].experiment_key}' runs in environment '${key}'; move or archive it first`,
      "key",
    );
  await tx.query("delete from flag_environment where environment_key = $1", [key]);
  await tx.query(
    "update flag_change_request set status = 'rejected', decided_by = $2, decided_at = now(), decision_note = 'environment deleted' where environment_key = $1 and status = 'open'",
    [key, principal.actor],
  );
  await tx.query("delete from environment where environment_key = $1", [key]);
  await appendAudit(tx, principal, {
    entityType: "environment",
    entityKey: key,
    action: "delete",
    before,
    after: null,
  });
}
