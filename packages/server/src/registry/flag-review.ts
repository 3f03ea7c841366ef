import type { Queryable } from "../db/database.js";
import { ConflictError } from "../http/http-error.js";
import type { FlagDefinition } from "./definition-schemas.js";
import type { StoredFlag } from "./definition-store.js";
import type { Environment } from "./environment-store.js";

/** The fields of a flag shared by every environment: changing one changes what every environment serves. */
export const sharedFlagFields = [
  "type",
  "default_value",
  "variation_value",
  "dependencies",
  "experiment_key",
] as const;

/** The fields of a flag's state in one environment. */
export const environmentFlagFields = ["enabled", "rollout_percentage", "targeting", "overrides"] as const;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Refuses (409, naming the field) a direct write that would change what an environment requiring review serves: any
 * change of an existing flag in such an environment, a new flag created on in one, and a change of a shared field
 * (type, values, dependencies, linked experiment) while any environment requires review. Such changes go through a
 * change request; name and description are free. Pure: the caller passes the flag as stored (or null) and the team's
 * environments.
 * @example refuseUnreviewedWrite(stored, input, "production", environments) // throws when production is reviewed
 */
export function refuseUnreviewedWrite(
  stored: StoredFlag | null,
  input: FlagDefinition,
  environment: string,
  environments: ReadonlyArray<Environment>,
): void {
  const target = environments.find((e) => e.key === environment);
  const proposeHint = `propose it with POST /api/flags/${input.key}/change-requests?environment=${environment}`;
  if (target?.requires_review === true) {
    if (stored === null && !input.enabled) return;
    const changed =
      stored === null
        ? "enabled"
        : (environmentFlagFields.find((f) => !same(stored[f], input[f])) ??
          sharedFlagFields.find((f) => !same(stored[f], input[f])));
    if (changed === undefined) return;
    throw new ConflictError(
      `environment '${environment}' requires review for flag changes: ${proposeHint}`,
      changed,
    );
  }
  if (stored === null) return;
  const reviewed = environments.filter((e) => e.requires_review).map((e) => e.key);
  if (reviewed.length === 0) return;
  const shared = sharedFlagFields.find((f) => !same(stored[f], input[f]));
  if (shared === undefined) return;
  throw new ConflictError(
    `${shared} is shared by every environment and ${reviewed.join(", ")} requires review: propose it with POST /api/flags/${input.key}/change-requests?environment=${reviewed[0]}`,
    shared,
  );
}

/** Whether an environment requires review (a read inside the caller's transaction). */
export async function requiresReview(tx: Queryable, environment: string): Promise<boolean> {
  const { rows } = await tx.query<{ requires_review: boolean }>(
    "select requires_review from environment where environment_key = $1",
    [environment],
  );
  return rows[0]?.requires_review === true;
}
