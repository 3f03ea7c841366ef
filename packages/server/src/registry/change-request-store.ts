import { z } from "zod";
import type { Queryable } from "../db/database.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../http/http-error.js";
import { appendAudit } from "./audit-log.js";
import { type Principal, requireRole } from "./auth.js";
import { type FlagDefinition, flagSchema } from "./definition-schemas.js";
import { checkFlag, flagDefinitionOf, getFlag, type StoredFlag, writeFlag } from "./definition-store.js";
import { environmentFlagFields, sharedFlagFields } from "./flag-review.js";

/** The body of `POST /api/flags/{key}/change-requests`: the flag's full new state in the environment. */
export const changeRequestInputSchema = z.object({
  flag: flagSchema,
  comment: z.string().max(2000).default(""),
});
export type ChangeRequestInput = z.output<typeof changeRequestInputSchema>;

/** The body of `POST /api/change-requests/{id}/approve|reject`. */
export const changeRequestDecisionSchema = z.object({ note: z.string().max(2000).default("") });

export const changeRequestStatuses = ["open", "applied", "rejected"] as const;
export type ChangeRequestStatus = (typeof changeRequestStatuses)[number];

/** A flag's state in one environment as a change request stores and compares it. */
export type FlagState = FlagDefinition & { killed: boolean };

/** One changed field: `{field: "rollout_percentage", before: 10, after: 50}`. */
export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ChangeRequest {
  readonly id: number;
  readonly flag_key: string;
  readonly environment: string;
  readonly status: ChangeRequestStatus;
  readonly comment: string;
  readonly proposed_by: string;
  readonly proposed_at: string;
  /** The flag's state when proposed. */
  readonly base: FlagState;
  /** The full new state. */
  readonly proposed: FlagState;
  /** base → proposed, field by field. */
  readonly diff: ReadonlyArray<FieldChange>;
  /** Open, and the flag has changed since it was proposed: it cannot be applied (propose again). */
  readonly stale: boolean;
  readonly decided_by: string | null;
  readonly decided_at: string | null;
  readonly decision_note: string | null;
}

/** JSON with object keys sorted: jsonb does not keep key order, so states are compared in this form. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value ?? null);
}

/** The state a change request compares: the definition in the environment plus whether it is killed. */
export function flagStateOf(flag: StoredFlag): FlagState {
  return { ...flagDefinitionOf(flag), killed: flag.killed };
}

const diffFields = ["name", "description", ...environmentFlagFields, ...sharedFlagFields] as const;

/**
 * The fields that differ between two states, in a fixed order (the environment's own fields first).
 * @example diffFlagStates(base, proposed) // [{ field: "rollout_percentage", before: 10, after: 50 }]
 */
export function diffFlagStates(before: FlagState, after: FlagState): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of diffFields) {
    const b = before[field] ?? null;
    const a = after[field] ?? null;
    if (canonical(b) !== canonical(a)) out.push({ field, before: b, after: a });
  }
  if (before.killed !== after.killed)
    out.push({ field: "killed", before: before.killed, after: after.killed });
  return out;
}

interface ChangeRequestRow {
  change_request_id: number | string;
  flag_key: string;
  environment_key: string;
  status: ChangeRequestStatus;
  comment: string;
  proposed_by: string;
  proposed_key_id: string;
  proposed_at: Date;
  base: FlagState;
  proposed: FlagState;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
}

async function toChangeRequest(tx: Queryable, r: ChangeRequestRow): Promise<ChangeRequest> {
  const stale =
    r.status === "open" &&
    canonical(flagStateOf(await getFlag(tx, r.flag_key, r.environment_key))) !== canonical(r.base);
  return {
    id: Number(r.change_request_id),
    flag_key: r.flag_key,
    environment: r.environment_key,
    status: r.status,
    comment: r.comment,
    proposed_by: r.proposed_by,
    proposed_at: new Date(r.proposed_at).toISOString(),
    base: r.base,
    proposed: r.proposed,
    diff: diffFlagStates(r.base, r.proposed),
    stale,
    decided_by: r.decided_by,
    decided_at: r.decided_at === null ? null : new Date(r.decided_at).toISOString(),
    decision_note: r.decision_note,
  };
}

/** The team's change requests, newest first, optionally filtered. */
export async function listChangeRequests(
  tx: Queryable,
  filter: { status?: ChangeRequestStatus; environment?: string; flagKey?: string },
): Promise<ChangeRequest[]> {
  const { rows } = await tx.query<ChangeRequestRow>(
    `select * from flag_change_request
     where ($1::text is null or status = $1) and ($2::text is null or environment_key = $2)
       and ($3::text is null or flag_key = $3)
     order by change_request_id desc limit 200`,
    [filter.status ?? null, filter.environment ?? null, filter.flagKey ?? null],
  );
  const out: ChangeRequest[] = [];
  for (const row of rows) out.push(await toChangeRequest(tx, row));
  return out;
}

async function findRow(tx: Queryable, id: number, lock: boolean): Promise<ChangeRequestRow> {
  const { rows } = await tx.query<ChangeRequestRow>(
    `select * from flag_change_request where change_request_id = $1${lock ? " for update" : ""}`,
    [id],
  );
  // Another team's change request is invisible (row-level security): the same 404 as one that does not exist.
  if (rows[0] === undefined) throw new NotFoundError(`change request ${id}`, "id");
  return rows[0];
}

export async function getChangeRequest(tx: Queryable, id: number): Promise<ChangeRequest> {
  return toChangeRequest(tx, await findRow(tx, id, false));
}

/**
 * Proposes a flag's full new state in an environment (editor, audited as `propose`): stored with the state it was
 * proposed against, applied only when another editor approves it.
 * @example await proposeFlagChange(tx, ana, "production", { flag, comment: "ramp to 50 %" });
 */
export async function proposeFlagChange(
  tx: Queryable,
  principal: Principal,
  environment: string,
  input: ChangeRequestInput,
): Promise<ChangeRequest> {
  requireRole(principal, "editor");
  const current = await getFlag(tx, input.flag.key, environment);
  await checkFlag(tx, input.flag);
  const base = flagStateOf(current);
  const proposed: FlagState = { ...input.flag, name: input.flag.name ?? input.flag.key, killed: false };
  if (diffFlagStates(base, proposed).length === 0)
    throw new ConflictError("the proposed state is the flag's current state: nothing to review", "flag");
  const { rows } = await tx.query<{ change_request_id: number | string }>(
    `insert into flag_change_request (owner_team, flag_key, environment_key, comment, proposed_by, proposed_key_id,
       base, proposed)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning change_request_id`,
    [
      principal.team,
      input.flag.key,
      environment,
      input.comment,
      principal.actor,
      principal.keyId,
      JSON.stringify(base),
      JSON.stringify(proposed),
    ],
  );
  const created = await getChangeRequest(tx, Number(rows[0]!.change_request_id));
  await appendAudit(tx, principal, {
    entityType: "change_request",
    entityKey: String(created.id),
    action: "propose",
    before: null,
    after: created,
  });
  return created;
}

/**
 * Approves an open change request and applies it in the same transaction (editor, not its proposer: 403). A change
 * request whose flag changed since it was proposed is stale: 409, nothing applied. Audited twice: the change
 * request's `approve` and the flag's `apply_change_request` (before and after in the environment).
 */
export async function approveChangeRequest(
  tx: Queryable,
  principal: Principal,
  id: number,
  note: string,
): Promise<{ change_request: ChangeRequest; flag: StoredFlag }> {
  requireRole(principal, "editor");
  const row = await findRow(tx, id, true);
  if (row.status !== "open") throw new ConflictError(`change request ${id} is ${row.status}`, "status");
  if (row.proposed_key_id === principal.keyId || row.proposed_by === principal.actor)
    throw new ForbiddenError(
      `change request ${id} was proposed by ${row.proposed_by}: another editor must approve it`,
      "approved_by",
    );
  // Row lock on the flag: a concurrent write waits, so the staleness check holds until commit.
  await tx.query("select 1 from feature_flag where flag_key = $1 for update", [row.flag_key]);
  const before = await getFlag(tx, row.flag_key, row.environment_key);
  if (canonical(flagStateOf(before)) !== canonical(row.base))
    throw new ConflictError(
      `flag '${row.flag_key}' changed in ${row.environment_key} since change request ${id} was proposed: it cannot be applied blindly (reject it and propose again)`,
      "base",
    );
  const { killed: _killed, ...definition } = row.proposed;
  await writeFlag(tx, principal.team, flagSchema.parse(definition), row.environment_key);
  await tx.query(
    "update flag_change_request set status = 'applied', decided_by = $2, decided_at = now(), decision_note = $3 where change_request_id = $1",
    [id, principal.actor, note],
  );
  const after = await getFlag(tx, row.flag_key, row.environment_key);
  const decided = await getChangeRequest(tx, id);
  await appendAudit(tx, principal, {
    entityType: "change_request",
    entityKey: String(id),
    action: "approve",
    before: { status: "open" },
    after: decided,
  });
  await appendAudit(tx, principal, {
    entityType: "flag",
    entityKey: row.flag_key,
    action: "apply_change_request",
    before,
    after: { ...after, change_request_id: id, proposed_by: row.proposed_by },
  });
  return { change_request: decided, flag: after };
}

/** Rejects an open change request (editor, its proposer included: withdrawing), audited as `reject`. */
export async function rejectChangeRequest(
  tx: Queryable,
  principal: Principal,
  id: number,
  note: string,
): Promise<ChangeRequest> {
  requireRole(principal, "editor");
  const row = await findRow(tx, id, true);
  if (row.status !== "open") throw new ConflictError(`change request ${id} is ${row.status}`, "status");
  await tx.query(
    "update flag_change_request set status = 'rejected', decided_by = $2, decided_at = now(), decision_note = $3 where change_request_id = $1",
    [id, principal.actor, note],
  );
  const decided = await getChangeRequest(tx, id);
  await appendAudit(tx, principal, {
    entityType: "change_request",
    entityKey: String(id),
    action: "reject",
    before: { status: "open" },
    after: decided,
  });
  return decided;
}
