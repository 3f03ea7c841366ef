import type { Queryable } from "../db/database.js";
import type { Principal } from "./auth.js";

export interface AuditEntry {
  readonly auditId: number;
  readonly at: string;
  readonly actor: string;
  readonly ownerTeam: string;
  readonly entityType: string;
  readonly entityKey: string;
  readonly action: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** Appends one change to the audit log, inside the caller's transaction. */
export async function appendAudit(
  tx: Queryable,
  principal: Principal,
  change: { entityType: string; entityKey: string; action: string; before: unknown; after: unknown },
): Promise<void> {
  await tx.query(
    "insert into audit_log (actor, owner_team, entity_type, entity_key, action, before, after) values ($1, $2, $3, $4, $5, $6, $7)",
    [
      principal.actor,
      principal.team,
      change.entityType,
      change.entityKey,
      change.action,
      change.before === undefined ? null : JSON.stringify(change.before),
      change.after === undefined ? null : JSON.stringify(change.after),
    ],
  );
}

/** The team's audit entries, newest first, optionally for one entity. */
export async function listAudit(
  tx: Queryable,
  filter: { entityType?: string; entityKey?: string; limit?: number },
): Promise<AuditEntry[]> {
  const { rows } = await tx.query<{
    audit_id: number | string;
    at: Date;
    actor: string;
    owner_team: string;
    entity_type: string;
    entity_key: string;
    action: string;
    before: unknown;
    after: unknown;
  }>(
    `select audit_id, at, actor, owner_team, entity_type, entity_key, action, before, after from audit_log
     where ($1::text is null or entity_type = $1) and ($2::text is null or entity_key = $2)
     order by audit_id desc limit $3`,
    [filter.entityType ?? null, filter.entityKey ?? null, filter.limit ?? 100],
  );
  return rows.map((r) => ({
    auditId: Number(r.audit_id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    ownerTeam: r.owner_team,
    entityType: r.entity_type,
    entityKey: r.entity_key,
    action: r.action,
    before: r.before,
    after: r.after,
  }));
}
