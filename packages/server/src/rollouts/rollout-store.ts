import type { Queryable } from "../db/database.js";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "../http/http-error.js";
import { appendAudit } from "../registry/audit-log.js";
import { hasRole, type Principal, requireRole } from "../registry/auth.js";
import { getFlag } from "../registry/definition-store.js";
import { requireKnownEnvironment } from "../registry/environment-store.js";
import type { Rollout, RolloutInput, RolloutStopReason } from "./rollout-schema.js";

interface RolloutRow {
  flag_key: string;
  environment: string;
  steps: Rollout["steps"];
  guardrails: Rollout["guardrails"];
  alpha: number;
  status: Rollout["status"];
  current_step: number;
  before_state: Record<string, unknown> | null;
  stop_reason: RolloutStopReason | null;
  history: Array<Record<string, unknown>>;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const active = (status: Rollout["status"]) => status === "scheduled" || status === "running";

function rolloutOf(r: RolloutRow): Rollout {
  const next = active(r.status) ? r.steps[r.current_step + 1] : undefined;
  return {
    flag_key: r.flag_key,
    environment: r.environment,
    steps: r.steps,
    guardrails: r.guardrails,
    alpha: Number(r.alpha),
    status: r.status,
    current_step: r.current_step,
    next_at: next?.at ?? null,
    before_state: r.before_state,
    stop_reason: r.stop_reason,
    history: r.history,
    created_by: r.created_by,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

/** The flag's rollout schedule in one environment (404 when there is none, or the flag is another team's). */
export async function getRollout(tx: Queryable, flagKey: string, environment: string): Promise<Rollout> {
  const { rows } = await tx.query<RolloutRow>(
    "select * from flag_rollout where flag_key = $1 and environment = $2",
    [flagKey, environment],
  );
  if (rows[0] === undefined) throw new NotFoundError(`rollout of flag '${flagKey}' in ${environment}`, "key");
  return rolloutOf(rows[0]);
}

/** The rollout row locked for an update (null when none). */
export async function lockRollout(tx: Queryable, flagKey: string, environment: string) {
  const { rows } = await tx.query<RolloutRow>(
    "select * from flag_rollout where flag_key = $1 and environment = $2 for update",
    [flagKey, environment],
  );
  return rows[0] === undefined ? null : rolloutOf(rows[0]);
}

/**
 * Schedules a flag's ramp (editor; reviewer in an environment that requires review; audited as `rollout_create`). Every step must lie after `now`; a schedule still
 * active is a 409 (cancel it first); a finished one is replaced.
 * @example await withTeam(db, p.team, (tx) => createRollout(tx, p, "new_checkout", input, new Date()));
 */
export async function createRollout(
  tx: Queryable,
  principal: Principal,
  flagKey: string,
  input: RolloutInput,
  now: Date,
): Promise<Rollout> {
  requireRole(principal, "editor");
  await getFlag(tx, flagKey, input.environment);
  const environment = await requireKnownEnvironment(tx, input.environment);
  // Its steps change the flag without a change request each, so where changes are reviewed a reviewer schedules it.
  if (environment.requires_review && !hasRole(principal, "reviewer"))
    throw new ForbiddenError(
      `${input.environment} requires review: a rollout schedule there needs the reviewer role (the key has ${principal.role})`,
      "environment",
    );
  input.steps.forEach((step, i) => {
    if (Date.parse(step.at) <= now.getTime())
      throw new BadRequestError(`steps[${i}].at`, `must be in the future (now is ${now.toISOString()})`);
  });
  const existing = await lockRollout(tx, flagKey, input.environment);
  if (existing !== null && active(existing.status))
    throw new ConflictError(
      `flag '${flagKey}' already has a ${existing.status} rollout in ${input.environment}: cancel it first (DELETE /api/flags/${flagKey}/rollout)`,
      "key",
    );
  if (existing !== null)
    await tx.query("delete from flag_rollout where flag_key = $1 and environment = $2", [
      flagKey,
      input.environment,
    ]);
  const steps = input.steps.map((s) => ({ percentage: s.percentage, at: new Date(s.at).toISOString() }));
  await tx.query(
    `insert into flag_rollout (flag_key, environment, steps, guardrails, alpha, status, created_by)
     values ($1, $2, $3, $4, $5, 'scheduled', $6)`,
    [
      flagKey,
      input.environment,
      JSON.stringify(steps),
      JSON.stringify(input.guardrails),
      input.alpha,
      principal.actor,
    ],
  );
  const created = await getRollout(tx, flagKey, input.environment);
  await appendAudit(tx, principal, {
    entityType: "flag",
    entityKey: flagKey,
    action: "rollout_create",
    before: existing,
    after: created,
  });
  return created;
}

/**
 * Cancels an active schedule (editor, audited as `rollout_cancel`): no further step; the flag keeps the step it
 * reached. A finished schedule is a 409.
 */
export async function cancelRollout(
  tx: Queryable,
  principal: Principal,
  flagKey: string,
  environment: string,
): Promise<Rollout> {
  requireRole(principal, "editor");
  const before = await lockRollout(tx, flagKey, environment);
  if (before === null) throw new NotFoundError(`rollout of flag '${flagKey}' in ${environment}`, "key");
  if (!active(before.status))
    throw new ConflictError(`the rollout of flag '${flagKey}' is already ${before.status}`, "key");
  await tx.query(
    "update flag_rollout set status = 'cancelled', updated_at = now() where flag_key = $1 and environment = $2",
    [flagKey, environment],
  );
  const after = await getRollout(tx, flagKey, environment);
  await appendAudit(tx, principal, {
    entityType: "flag",
    entityKey: flagKey,
    action: "rollout_cancel",
    before,
    after,
  });
  return after;
}

/** Writes the scheduler's progress on a locked rollout. */
export async function saveRolloutProgress(
  tx: Queryable,
  flagKey: string,
  environment: string,
  change: {
    status: Rollout["status"];
    currentStep: number;
    beforeState: Record<string, unknown> | null;
    stopReason: RolloutStopReason | null;
    history: ReadonlyArray<Record<string, unknown>>;
  },
): Promise<void> {
  await tx.query(
    `update flag_rollout set status = $3, current_step = $4, before_state = $5, stop_reason = $6, history = $7,
       updated_at = now() where flag_key = $1 and environment = $2`,
    [
      flagKey,
      environment,
      change.status,
      change.currentStep,
      change.beforeState === null ? null : JSON.stringify(change.beforeState),
      change.stopReason === null ? null : JSON.stringify(change.stopReason),
      JSON.stringify(change.history),
    ],
  );
}

/** Active rollouts of every team (the server's own connection, not a team's role). */
export async function listActiveRollouts(
  db: Queryable,
): Promise<Array<{ team: string; flagKey: string; environment: string }>> {
  const { rows } = await db.query<{ owner_team: string; flag_key: string; environment: string }>(
    "select owner_team, flag_key, environment from flag_rollout where status in ('scheduled', 'running') order by owner_team, flag_key, environment",
  );
  return rows.map((r) => ({ team: r.owner_team, flagKey: r.flag_key, environment: r.environment }));
}
