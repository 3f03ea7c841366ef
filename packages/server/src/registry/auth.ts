import { createHash, randomBytes } from "node:crypto";
import type { Queryable } from "../db/database.js";
import { ForbiddenError, HttpError } from "../http/http-error.js";

/** The roles of a team's keys (what `POST /api/keys` can create). */
export const roles = ["viewer", "editor", "reviewer", "admin"] as const;
/**
 * A team role, or `owner`: the platform owner (the key printed at first start) is an admin of its own team and also
 * creates teams (`POST /api/teams`) and erases a user across all teams.
 */
export type Role = (typeof roles)[number] | "owner";

/** An SDK key's binding: it reads only this environment's payload, redacted for `client` keys. */
export interface SdkKeyBinding {
  readonly environment: string;
  readonly kind: "server" | "client";
}

/**
 * Who is calling: the key's name (the actor in the audit log), its team and role; `sdk` when it is an SDK key
 * (`POST /api/environments/{key}/sdk-keys`), which reaches only the SDK routes.
 */
export interface Principal {
  readonly keyId: string;
  readonly actor: string;
  readonly team: string;
  readonly role: Role;
  readonly sdk?: SdkKeyBinding;
}

const rank: Record<Role, number> = { viewer: 0, editor: 1, reviewer: 2, admin: 3, owner: 4 };

/** Roles are cumulative: a reviewer may also edit, an admin may do everything within its team. */
export function hasRole(principal: Principal, needed: Role): boolean {
  return rank[principal.role] >= rank[needed];
}

export function requireRole(principal: Principal, needed: Role): void {
  if (!hasRole(principal, needed)) {
    throw new ForbiddenError(`this action needs the ${needed} role; the key has ${principal.role}`);
  }
}

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/**
 * Creates an API key for a team; the secret is returned once and only its hash is stored.
 * @example const { secret } = await createApiKey(db, { team: "growth", role: "editor", name: "ana" });
 */
export async function createApiKey(
  db: Queryable,
  input: { team: string; role: Role; name: string; sdk?: SdkKeyBinding; createdBy?: string },
): Promise<{ keyId: string; secret: string }> {
  const keyId = randomBytes(6).toString("hex");
  // SDK keys say what they are, so one pasted into a browser is recognisable: assay_client_… / assay_server_….
  const prefix = input.sdk === undefined ? "assay" : `assay_${input.sdk.kind}`;
  const secret = `${prefix}_${keyId}_${randomBytes(18).toString("base64url")}`;
  await db.query(
    "insert into api_key (key_id, key_hash, owner_team, role, name, environment, sdk_kind, created_by) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    [
      keyId,
      hashSecret(secret),
      input.team,
      input.role,
      input.name,
      input.sdk?.environment ?? null,
      input.sdk?.kind ?? null,
      input.createdBy ?? null,
    ],
  );
  return { keyId, secret };
}

/** Resolves a request's `Authorization` header to its principal (401 when missing, unknown or revoked). */
export interface Authenticator {
  (authorization: string | undefined): Promise<Principal>;
  /** Drops a key from the cache at once (this server revoked it). */
  forget(keyId: string): void;
}

/**
 * Resolves bearer secrets to principals, caching hits. A cached key is looked up again after `recheckMs`, so a key
 * revoked through another server sharing the registry stops working within that time (this server's own
 * revocations `forget` it at once); an embedded registry has no other writer (`recheckMs` Infinity).
 * @example const authenticate = createAuthenticator(db, { recheckMs: 1000 }); const p = await authenticate(header);
 */
export function createAuthenticator(db: Queryable, options: { recheckMs?: number } = {}): Authenticator {
  const recheckMs = options.recheckMs ?? Number.POSITIVE_INFINITY;
  // Keyed by the header itself, so a known key costs one map lookup (no hashing) per request.
  const byHeader = new Map<string, { principal: Principal; checkedAt: number }>();
  const authenticate = async (authorization: string | undefined): Promise<Principal> => {
    const known = authorization === undefined ? undefined : byHeader.get(authorization);
    if (known !== undefined && Date.now() - known.checkedAt < recheckMs) return known.principal;
    const secret = authorization?.startsWith("Bearer ") ? authorization.slice(7).trim() : undefined;
    if (authorization === undefined || secret === undefined || secret === "") {
      throw new HttpError("unauthorized", "missing API key: send Authorization: Bearer <key>", {
        field: "authorization",
      });
    }
    const { rows } = await db.query<{
      key_id: string;
      owner_team: string;
      role: Role;
      name: string;
      environment: string | null;
      sdk_kind: SdkKeyBinding["kind"] | null;
      revoked: boolean;
    }>(
      "select key_id, owner_team, role, name, environment, sdk_kind, revoked_at is not null as revoked from api_key where key_hash = $1",
      [hashSecret(secret)],
    );
    const row = rows[0];
    if (row === undefined || row.revoked) {
      byHeader.delete(authorization);
      throw new HttpError("unauthorized", row === undefined ? "unknown API key" : "revoked API key", {
        field: "authorization",
      });
    }
    const principal: Principal = {
      keyId: row.key_id,
      actor: row.name,
      team: row.owner_team,
      role: row.role,
      ...(row.sdk_kind === null || row.environment === null
        ? {}
        : { sdk: { environment: row.environment, kind: row.sdk_kind } }),
    };
    if (byHeader.size > 10_000) byHeader.clear();
    byHeader.set(authorization, { principal, checkedAt: Date.now() });
    return principal;
  };
  return Object.assign(authenticate, {
    forget(keyId: string) {
      for (const [header, entry] of byHeader) if (entry.principal.keyId === keyId) byHeader.delete(header);
    },
  });
}
