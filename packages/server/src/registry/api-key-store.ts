import type { Queryable } from "../db/database.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../http/http-error.js";
import { appendAudit } from "./audit-log.js";
import { createApiKey, type Principal, type Role, requireRole } from "./auth.js";
import type { SdkKeyKind } from "./sdk-payload.js";

/** One key of a team as `GET /api/keys` lists it: never its secret or hash. */
export interface ApiKeyEntry {
  readonly key_id: string;
  readonly name: string;
  readonly role: Role;
  /** `team` for a team API key; `server` / `client` for an SDK key bound to `environment`. */
  readonly kind: "team" | SdkKeyKind;
  readonly environment: string | null;
  readonly created_at: string;
  readonly created_by: string | null;
  readonly revoked_at: string | null;
  readonly revoked_by: string | null;
}

interface KeyRow {
  key_id: string;
  name: string;
  role: Role;
  environment: string | null;
  sdk_kind: SdkKeyKind | null;
  created_at: Date | string;
  created_by: string | null;
  revoked_at: Date | string | null;
  revoked_by: string | null;
}

const columns = "key_id, name, role, environment, sdk_kind, created_at, created_by, revoked_at, revoked_by";
const iso = (value: Date | string) => new Date(value).toISOString();

function toEntry(row: KeyRow): ApiKeyEntry {
  return {
    key_id: row.key_id,
    name: row.name,
    role: row.role,
    kind: row.sdk_kind ?? "team",
    environment: row.environment,
    created_at: iso(row.created_at),
    created_by: row.created_by,
    revoked_at: row.revoked_at === null ? null : iso(row.revoked_at),
    revoked_by: row.revoked_by,
  };
}

/**
 * Creates a team API key of the caller's team (admin; audited as `api_key` `create`, without the secret). The
 * owner role is never created this way: there is one owner per platform.
 * @example const { secret } = await createTeamApiKey(tx, admin, { name: "ci", role: "editor" });
 */
export async function createTeamApiKey(
  tx: Queryable,
  principal: Principal,
  input: { name: string; role: Exclude<Role, "owner"> },
): Promise<{ key_id: string; secret: string; team: string; role: Role; name: string }> {
  requireRole(principal, "admin");
  const { keyId, secret } = await createApiKey(tx, {
    team: principal.team,
    ...input,
    createdBy: principal.actor,
  });
  const created = { key_id: keyId, team: principal.team, role: input.role, name: input.name };
  await appendAudit(tx, principal, {
    entityType: "api_key",
    entityKey: keyId,
    action: "create",
    before: null,
    after: created,
  });
  return { ...created, secret };
}

/**
 * The caller's team's keys, team and SDK keys alike, oldest first (admin): who holds access, since when, and which
 * keys are revoked.
 * @example const keys = await listApiKeys(tx, admin); // [{ key_id, name, role, kind: "team", revoked_at: null, … }]
 */
export async function listApiKeys(tx: Queryable, principal: Principal): Promise<ApiKeyEntry[]> {
  requireRole(principal, "admin");
  const { rows } = await tx.query<KeyRow>(
    `select ${columns} from api_key where owner_team = $1 order by created_at, key_id`,
    [principal.team],
  );
  return rows.map(toEntry);
}

/**
 * Revokes one of the caller's team's keys (admin; audited as `revoke`). From then on the key answers 401 and its
 * SDK streams are closed. Another team's key is a 404; the calling key itself and the platform owner's key (unless
 * the owner revokes it) are refused, so an admin cannot lock the team or the platform out by accident.
 * @example await revokeApiKey(tx, admin, "3f2a9c0d1e4b"); // { key_id, revoked_at: "2026-12-06T…", … }
 */
export async function revokeApiKey(tx: Queryable, principal: Principal, keyId: string): Promise<ApiKeyEntry> {
  requireRole(principal, "admin");
  const { rows } = await tx.query<KeyRow>(
    `select ${columns} from api_key where key_id = $1 and owner_team = $2 for update`,
    [keyId, principal.team],
  );
  const row = rows[0];
  if (row === undefined) throw new NotFoundError(`API key '${keyId}'`, "key_id");
  if (row.revoked_at !== null) throw new ConflictError(`API key '${keyId}' is already revoked`, "key_id");
  if (keyId === principal.keyId)
    throw new ConflictError("a key cannot revoke itself: revoke it with another admin key", "key_id");
  if (row.role === "owner" && principal.role !== "owner")
    throw new ForbiddenError("only the platform owner may revoke the owner key", "key_id");
  const { rows: updated } = await tx.query<KeyRow>(
    `update api_key set revoked_at = now(), revoked_by = $1 where key_id = $2 returning ${columns}`,
    [principal.actor, keyId],
  );
  const before = toEntry(row);
  const after = toEntry(updated[0]!);
  await appendAudit(tx, principal, {
    entityType: "api_key",
    entityKey: keyId,
    action: "revoke",
    before,
    after,
  });
  return after;
}
