import { z } from "zod";
import type { Queryable } from "../db/database.js";
import { BadRequestError } from "../http/http-error.js";
import { appendAudit } from "./audit-log.js";
import { type Principal, requireRole } from "./auth.js";
import { type ChangeRequest, proposeFlagChange } from "./change-request-store.js";
import { flagDefinitionOf, getFlag, type StoredFlag, writeFlagState } from "./definition-store.js";
import { requireKnownEnvironment } from "./environment-store.js";
import { keySchema } from "./experiment-schema.js";

/** The body of `POST /api/flags/{key}/copy`. */
export const flagCopyInputSchema = z.object({ from: keySchema, to: keySchema });
export type FlagCopyInput = z.output<typeof flagCopyInputSchema>;

/**
 * Copies a flag's configuration in one environment (enabled, kill state, rollout, targeting, overrides) to another,
 * in one transaction, audited as `copy`. Into an environment that requires review it is proposed instead (a change
 * request another editor approves): `applied: false`.
 * @example await copyFlagEnvironment(tx, ana, "new_checkout", { from: "staging", to: "production" });
 */
export async function copyFlagEnvironment(
  tx: Queryable,
  principal: Principal,
  key: string,
  input: FlagCopyInput,
): Promise<{ applied: boolean; flag: StoredFlag; change_request: ChangeRequest | null }> {
  requireRole(principal, "editor");
  if (input.from === input.to) throw new BadRequestError("to", "must differ from `from`");
  await requireKnownEnvironment(tx, input.from, "from");
  const target = await requireKnownEnvironment(tx, input.to, "to");
  await tx.query("select 1 from feature_flag where flag_key = $1 for update", [key]);
  const source = await getFlag(tx, key, input.from);
  const before = await getFlag(tx, key, input.to);
  if (target.requires_review) {
    const proposed = {
      ...flagDefinitionOf(before),
      enabled: source.enabled,
      rollout_percentage: source.rollout_percentage,
      targeting: source.targeting,
      overrides: source.overrides,
    };
    const changeRequest = await proposeFlagChange(tx, principal, input.to, {
      flag: proposed,
      comment: `copy of ${input.from}`,
    });
    return { applied: false, flag: before, change_request: changeRequest };
  }
  await writeFlagState(tx, principal.team, key, input.to, source);
  const after = await getFlag(tx, key, input.to);
  await appendAudit(tx, principal, {
    entityType: "flag",
    entityKey: key,
    action: "copy",
    before,
    after: { ...after, copied_from: input.from },
  });
  return { applied: true, flag: after, change_request: null };
}
