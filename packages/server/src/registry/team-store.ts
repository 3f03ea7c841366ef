import { z } from "zod";
import type { Database, Queryable } from "../db/database.js";
import { ConflictError } from "../http/http-error.js";
import { appendAudit } from "./audit-log.js";
import { createApiKey, type Principal, requireRole } from "./auth.js";
import { keySchema } from "./experiment-schema.js";

/** The body of `POST /api/teams`. */
export const teamInputSchema = z.object({
  key: keySchema,
  name: z.string().trim().min(1, "is required").max(200),
});
export type TeamInput = z.output<typeof teamInputSchema>;

/**
 * Creates a team and its first admin key (the secret is returned once); only the platform owner may. Audited in the
 * new team. A team that exists (created here, or known through its keys) is a 409.
 * @example const { team, admin_key } = await createTeam(db, owner, { key: "payments", name: "Payments" });
 */
export async function createTeam(
  db: Database,
  principal: Principal,
  input: TeamInput,
): Promise<{ team: string; name: string; admin_key: string }> {
  requireRole(principal, "owner");
  return db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(7392)");
    const { rows } = await tx.query<{ n: number }>(
      "select (select count(*) from team where team_key = $1) + (select count(*) from api_key where owner_team = $1) as n",
      [input.key],
    );
    if (Number(rows[0]?.n ?? 0) > 0) throw new ConflictError(`team '${input.key}' already exists`, "key");
    await tx.query("insert into team (team_key, name, created_by) values ($1, $2, $3)", [
      input.key,
      input.name,
      principal.actor,
    ]);
    const { secret, keyId } = await createApiKey(tx, {
      team: input.key,
      role: "admin",
      name: `${input.key}-admin`,
    });
    await appendAudit(
      tx,
      { ...principal, team: input.key },
      {
        entityType: "team",
        entityKey: input.key,
        action: "create",
        before: null,
        after: { name: input.name, admin_key_id: keyId },
      },
    );
    return { team: input.key, name: input.name, admin_key: secret };
  });
}

/** Every team: created by the owner or known through its keys. */
export async function listTeams(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ team: string }>(
    "select team_key as team from team union select distinct owner_team from api_key order by 1",
  );
  return rows.map((r) => r.team);
}
