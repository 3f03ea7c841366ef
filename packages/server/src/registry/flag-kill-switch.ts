import type { Queryable } from "../db/database.js";
import { ConflictError, NotFoundError } from "../http/http-error.js";
import { appendAudit } from "./audit-log.js";
import { type Principal, requireRole } from "./auth.js";
import { getFlag, writeFlagState } from "./definition-store.js";
import { defaultEnvironment } from "./environment-store.js";

/**
 * Turns a flag off (`kill`) or back on (`restore`) in one statement inside the caller's transaction, and
 * audits it as that action with the flag before and after. Only `enabled` changes: rollout, targeting and
 * values stay as they were, so a restore serves exactly what was served before the kill. Killing an
 * already killed flag changes nothing and audits nothing. Only a killed flag can be restored: one created or
 * saved disabled is refused (409), so "restore" never switches on a flag nobody turned on. Per environment, and
 * never reviewed (an environment's change-request requirement does not apply: a kill must be instant).
 * @example await withTeam(db, p.team, (tx) => switchFlag(tx, p, "new_checkout", "kill", "production"));
 */
export async function switchFlag(
  tx: Queryable,
  principal: Principal,
  key: string,
  action: "kill" | "restore",
  environment: string = defaultEnvironment,
) {
  requireRole(principal, "editor");
  const enabled = action === "restore";
  // Row lock first: a concurrent PUT or switch of the same flag waits, so `before` is what this switch changed.
  const locked = await tx.query("select 1 from feature_flag where flag_key = $1 for update", [key]);
  if (locked.rows.length === 0) throw new NotFoundError(`flag '${key}'`, "key");
  const before = await getFlag(tx, key, environment);
  if (before.enabled === enabled) return { flag: before, changed: false };
  if (action === "restore" && !before.killed) {
    throw new ConflictError(
      `flag '${key}' was not killed in ${environment}, it is off as saved: nothing to restore (turn it on with PUT /api/flags/${key}?environment=${environment} and enabled: true)`,
      "enabled",
    );
  }
  await writeFlagState(tx, principal.team, key, environment, {
    ...before,
    enabled,
    killed: action === "kill",
  });
  const after = await getFlag(tx, key, environment);
  await appendAudit(tx, principal, { entityType: "flag", entityKey: key, action, before, after });
  return { flag: after, changed: true };
}
