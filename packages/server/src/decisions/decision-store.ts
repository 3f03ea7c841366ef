import {
  type DecisionConfig,
  type DecisionReason,
  type DecisionStatus,
  decisionConfigSchema,
  defaultDecisionConfig,
} from "@assay/decisions";
import type { Queryable } from "../db/database.js";
import type { NotificationEventType } from "../notifications/notification-event.js";

export interface StoredDecision {
  readonly status: DecisionStatus;
  readonly reasons: ReadonlyArray<DecisionReason>;
  readonly experimentKey: string;
  readonly evaluatedAt: string;
  readonly runId: number | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface DecisionRun {
  readonly runId: number;
  readonly experimentKey: string;
  readonly schedule: string;
  readonly attempt: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly status: "running" | "succeeded" | "failed";
  readonly inputs: unknown;
  readonly outcome: unknown;
  readonly error: string | null;
}

export interface ExperimentGuard {
  readonly experimentKey: string;
  readonly active: boolean;
  readonly reason: unknown;
  readonly trippedAt: string;
  readonly trippedBy: string;
  readonly clearedAt: string | null;
  readonly clearedBy: string | null;
  readonly clearReason: string | null;
}

export interface NotificationRoute {
  readonly id: string;
  readonly events: ReadonlyArray<NotificationEventType>;
  readonly channel: "webhook" | "email";
  /** URL for a webhook, comma-separated addresses for e-mail. */
  readonly target: string;
  /** HMAC secret of a webhook. */
  readonly secret: string | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function getDecisionConfig(tx: Queryable, key: string): Promise<DecisionConfig> {
  const { rows } = await tx.query<{ config: unknown }>(
    "select config from decision_config where experiment_key = $1",
    [key],
  );
  return rows[0] === undefined ? defaultDecisionConfig : decisionConfigSchema.parse(rows[0].config);
}

export async function putDecisionConfig(
  tx: Queryable,
  team: string,
  key: string,
  config: DecisionConfig,
): Promise<void> {
  await tx.query(
    `insert into decision_config (experiment_key, owner_team, config) values ($1, $2, $3)
     on conflict (experiment_key) do update set config = excluded.config, updated_at = now()`,
    [key, team, JSON.stringify(config)],
  );
}

export async function getMonitorState(
  tx: Queryable,
  key: string,
): Promise<{ state: unknown; decision: StoredDecision | null }> {
  const { rows } = await tx.query<{ state: unknown; decision: StoredDecision | null }>(
    "select state, decision from decision_state where experiment_key = $1",
    [key],
  );
  // The state is the policy's own (`readPolicyState` of @assay/decisions reads it, old versions included).
  return { state: rows[0]?.state ?? null, decision: rows[0]?.decision ?? null };
}

export async function putMonitorState(
  tx: Queryable,
  team: string,
  key: string,
  state: unknown,
  decision: StoredDecision,
): Promise<void> {
  await tx.query(
    `insert into decision_state (experiment_key, owner_team, state, decision) values ($1, $2, $3, $4)
     on conflict (experiment_key) do update set state = excluded.state, decision = excluded.decision, updated_at = now()`,
    [key, team, JSON.stringify(state), JSON.stringify(decision)],
  );
}

export async function startRun(
  tx: Queryable,
  run: {
    team: string;
    experimentKey: string;
    schedule: string;
    attempt: number;
    startedAt: Date;
    inputs: unknown;
  },
): Promise<number> {
  const { rows } = await tx.query<{ run_id: string | number }>(
    `insert into decision_run (experiment_key, owner_team, schedule, attempt, started_at, status, inputs)
     values ($1, $2, $3, $4, $5, 'running', $6) returning run_id`,
    [run.experimentKey, run.team, run.schedule, run.attempt, run.startedAt, JSON.stringify(run.inputs)],
  );
  return Number(rows[0]?.run_id);
}

export async function finishRun(
  tx: Queryable,
  runId: number,
  result: {
    finishedAt: Date;
    durationMs: number;
    status: "succeeded" | "failed";
    outcome?: unknown;
    error?: string;
  },
): Promise<void> {
  await tx.query(
    "update decision_run set finished_at = $2, duration_ms = $3, status = $4, outcome = $5, error = $6 where run_id = $1",
    [
      runId,
      result.finishedAt,
      Math.round(result.durationMs),
      result.status,
      result.outcome === undefined ? null : JSON.stringify(result.outcome),
      result.error ?? null,
    ],
  );
}

export async function listRuns(tx: Queryable, key: string, limit = 50): Promise<DecisionRun[]> {
  const { rows } = await tx.query<{
    run_id: string | number;
    experiment_key: string;
    schedule: string;
    attempt: number;
    started_at: Date;
    finished_at: Date | null;
    duration_ms: number | null;
    status: DecisionRun["status"];
    inputs: unknown;
    outcome: unknown;
    error: string | null;
  }>("select * from decision_run where experiment_key = $1 order by run_id desc limit $2", [key, limit]);
  return rows.map((r) => ({
    runId: Number(r.run_id),
    experimentKey: r.experiment_key,
    schedule: r.schedule,
    attempt: r.attempt,
    startedAt: iso(r.started_at) ?? "",
    finishedAt: iso(r.finished_at),
    durationMs: r.duration_ms,
    status: r.status,
    inputs: r.inputs,
    outcome: r.outcome,
    error: r.error,
  }));
}

export async function getGuard(tx: Queryable, key: string): Promise<ExperimentGuard | null> {
  const { rows } = await tx.query<{
    experiment_key: string;
    active: boolean;
    reason: unknown;
    tripped_at: Date;
    tripped_by: string;
    cleared_at: Date | null;
    cleared_by: string | null;
    clear_reason: string | null;
  }>("select * from experiment_guard where experiment_key = $1", [key]);
  const r = rows[0];
  if (r === undefined) return null;
  return {
    experimentKey: r.experiment_key,
    active: r.active,
    reason: r.reason,
    trippedAt: iso(r.tripped_at) ?? "",
    trippedBy: r.tripped_by,
    clearedAt: iso(r.cleared_at),
    clearedBy: r.cleared_by,
    clearReason: r.clear_reason,
  };
}

/** Keys of the team's experiments whose fail-closed guard is active (row-level security scopes the team). */
export async function listActiveGuards(tx: Queryable): Promise<Set<string>> {
  const { rows } = await tx.query<{ experiment_key: string }>(
    "select experiment_key from experiment_guard where active",
  );
  return new Set(rows.map((r) => r.experiment_key));
}

export async function tripGuard(
  tx: Queryable,
  team: string,
  key: string,
  actor: string,
  reason: unknown,
): Promise<void> {
  await tx.query(
    `insert into experiment_guard (experiment_key, owner_team, active, reason, tripped_by) values ($1, $2, true, $3, $4)
     on conflict (experiment_key) do update set active = true, reason = excluded.reason, tripped_at = now(),
       tripped_by = excluded.tripped_by, cleared_at = null, cleared_by = null, clear_reason = null`,
    [key, team, JSON.stringify(reason), actor],
  );
}

export async function clearGuard(tx: Queryable, key: string, actor: string, reason: string): Promise<void> {
  await tx.query(
    "update experiment_guard set active = false, cleared_at = now(), cleared_by = $2, clear_reason = $3 where experiment_key = $1",
    [key, actor, reason],
  );
}

export async function listRoutes(tx: Queryable): Promise<NotificationRoute[]> {
  const { rows } = await tx.query<{
    route_id: string;
    events: NotificationEventType[];
    channel: "webhook" | "email";
    target: string;
    secret: string | null;
  }>("select route_id, events, channel, target, secret from notification_route order by route_id");
  return rows.map((r) => ({
    id: r.route_id,
    events: r.events,
    channel: r.channel,
    target: r.target,
    secret: r.secret,
  }));
}

export async function replaceRoutes(
  tx: Queryable,
  team: string,
  routes: ReadonlyArray<NotificationRoute>,
): Promise<void> {
  await tx.query("delete from notification_route where owner_team = $1", [team]);
  for (const r of routes) {
    await tx.query(
      "insert into notification_route (owner_team, route_id, events, channel, target, secret) values ($1, $2, $3, $4, $5, $6)",
      [team, r.id, [...r.events], r.channel, r.target, r.secret],
    );
  }
}
