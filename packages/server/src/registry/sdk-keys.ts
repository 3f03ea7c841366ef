import { z } from "zod";
import type { Database } from "../db/database.js";
import { ForbiddenError } from "../http/http-error.js";
import { appendAudit } from "./audit-log.js";
import { createApiKey, type Principal, requireRole } from "./auth.js";
import { defaultEnvironment, getEnvironment } from "./environment-store.js";
import type { SdkKeyKind } from "./sdk-payload.js";
import { withTeam } from "./team-scope.js";

/** The body of `POST /api/environments/{key}/sdk-keys`. */
export const sdkKeyRequestSchema = z.object({
  kind: z.enum(["server", "client"]),
  name: z.string().trim().min(1, "is required").max(200),
});
export type SdkKeyRequest = z.output<typeof sdkKeyRequestSchema>;

/**
 * Creates an SDK key of the caller's team bound to one environment (admin, audited; the secret is returned once).
 * A `server` key reads that environment's full payload and may assign and send events; a `client` key reads its
 * redacted payload and may send events; neither reaches any other route.
 * @example const { secret } = await createSdkKey(db, admin, "staging", { kind: "client", name: "web-staging" });
 */
export async function createSdkKey(
  db: Database,
  principal: Principal,
  environment: string,
  input: SdkKeyRequest,
): Promise<{ key_id: string; secret: string; environment: string; kind: SdkKeyKind; name: string }> {
  requireTeamKey(principal);
  requireRole(principal, "admin");
  return withTeam(db, principal.team, async (tx) => {
    await getEnvironment(tx, environment, "key");
    const { keyId, secret } = await createApiKey(tx, {
      team: principal.team,
      role: "viewer",
      name: input.name,
      sdk: { environment, kind: input.kind },
      createdBy: principal.actor,
    });
    const created = { key_id: keyId, environment, kind: input.kind, name: input.name };
    await appendAudit(tx, principal, {
      entityType: "sdk_key",
      entityKey: keyId,
      action: "create",
      before: null,
      after: created,
    });
    return { ...created, secret };
  });
}

/** Refuses SDK keys (403) on every route that is not an SDK route: they read one payload, nothing else. */
export function requireTeamKey(principal: Principal): void {
  if (principal.sdk !== undefined)
    throw new ForbiddenError(
      `an SDK key (${principal.sdk.kind}, environment '${principal.sdk.environment}') reaches only the SDK routes`,
      "authorization",
    );
}

/**
 * The environment and payload kind an SDK request reads: an SDK key's own environment (asking for another is a
 * 403) and kind; a team API key's `?environment=` (default production) with the full (`server`) payload.
 * @example resolveSdkRequest(principal, query.environment) // { environment: "staging", keyKind: "client" }
 */
export function resolveSdkRequest(
  principal: Principal,
  requested: string | undefined,
): { environment: string; keyKind: SdkKeyKind } {
  const sdk = principal.sdk;
  if (sdk === undefined) return { environment: requested ?? defaultEnvironment, keyKind: "server" };
  if (requested !== undefined && requested !== sdk.environment)
    throw new ForbiddenError(
      `this SDK key reads only environment '${sdk.environment}', not '${requested}'`,
      "environment",
    );
  return { environment: sdk.environment, keyKind: sdk.kind };
}
