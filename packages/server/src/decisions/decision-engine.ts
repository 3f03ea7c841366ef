import {
  type DecisionConfig,
  type DecisionReason,
  type DecisionStatus,
  evaluate,
  type PolicyEffect,
  type PolicyExperiment,
  plannedPerVariant,
  policyExperimentSchema,
  readPolicyState,
} from "@assay/decisions";
import type { Database, Queryable } from "../db/database.js";
import { ConflictError, HttpError } from "../http/http-error.js";
import type { NotificationEvent, NotificationEventType } from "../notifications/notification-event.js";
import type { Notifier } from "../notifications/notifier.js";
import { appendAudit } from "../registry/audit-log.js";
import { type Principal, requireRole } from "../registry/auth.js";
import type { Experiment } from "../registry/experiment-schema.js";
import { getExperiment, transitionExperiment } from "../registry/experiment-store.js";
import { withTeam } from "../registry/team-scope.js";
import {
  clearGuard,
  type ExperimentGuard,
  finishRun,
  getDecisionConfig,
  getGuard,
  getMonitorState,
  putMonitorState,
  type StoredDecision,
  startRun,
  tripGuard,
} from "./decision-store.js";
import { createSharedRefresh, type ResultsSource } from "./lake-results-source.js";

/** The actor the engine writes into the audit log. */
export const DECISION_ACTOR = "assay-decisions";

export interface DecisionTarget {
  readonly team: string;
  readonly experimentKey: string;
}

export interface DecisionEngineOptions {
  readonly db: Database;
  readonly source: ResultsSource;
  readonly notify?: Notifier;
  /** Injected clock; default `new Date()`. */
  readonly now?: () => Date;
}

/** A decision run that failed: the API answers it with the run id and the reason (never the old decision). */
export class DecisionRunError extends HttpError {
  readonly runId: number;
  constructor(runId: number, reason: string, cause: unknown) {
    super("internal", `decision run ${runId} failed: ${reason}`, { field: "run", cause });
    this.runId = runId;
  }

  override toJSON() {
    const body = super.toJSON();
    return {
      error: { ...body.error, code: "run_failed" as const, run_id: this.runId },
    } as unknown as ReturnType<HttpError["toJSON"]>;
  }
}

export interface DecisionEngine {
  /**
   * One recorded run: the shared pipeline refresh for `dueAt`, then `evaluate` from `@assay/decisions`, the state
   * persisted and the effects carried out; throws a {@link DecisionRunError} if it fails.
   */
  run(target: DecisionTarget, schedule: string, attempt: number, dueAt?: Date): Promise<StoredDecision>;
  /** Alerts that a run failed after its last attempt (the scheduler calls it). */
  reportFailure(target: DecisionTarget, schedule: string, error: unknown, attempts: number): Promise<void>;
  /** The latest decision with the guard state, for `GET /api/experiments/{key}/decision`. */
  current(tx: Queryable, key: string): Promise<DecisionView>;
  /** Clears an active fail-closed guard: a deliberate, audited action (the experiment stays paused). */
  reenable(principal: Principal, key: string, reason: string): Promise<DecisionView>;
  /** Called with a team after the engine changed what its SDK payload serves. */
  onRegistryChange(listener: (team: string) => void): void;
}

/** The public shape of `GET /api/experiments/{key}/decision`. */
export interface DecisionView {
  readonly experiment_key: string;
  readonly experiment_status: string;
  readonly status: DecisionStatus;
  readonly reasons: ReadonlyArray<DecisionReason>;
  readonly evaluated_at: string | null;
  readonly run_id: number | null;
  readonly fail_closed: {
    readonly active: boolean;
    readonly reason: unknown;
    readonly tripped_at: string;
    readonly tripped_by: string;
    readonly cleared_at: string | null;
    readonly cleared_by: string | null;
    readonly clear_reason: string | null;
  } | null;
  readonly details: Readonly<Record<string, unknown>>;
}

const systemPrincipal = (team: string): Principal => ({
  keyId: "system",
  actor: DECISION_ACTOR,
  team,
  role: "admin",
});

function guardJson(g: ExperimentGuard | null): DecisionView["fail_closed"] {
  if (g === null) return null;
  return {
    active: g.active,
    reason: g.reason,
    tripped_at: g.trippedAt,
    tripped_by: g.trippedBy,
    cleared_at: g.clearedAt,
    cleared_by: g.clearedBy,
    clear_reason: g.clearReason,
  };
}

/**
 * The registry's experiment as the decision policy reads it: variants and weights, the metrics contract with
 * each metric's kind from the pipeline config, the plan, the lifecycle status and the decision config.
 * @example policyExperimentOf(experiment, config, new Map([["conversion", "mean"]]));
 */
export function policyExperimentOf(
  experiment: Experiment,
  config: DecisionConfig,
  kinds: ReadonlyMap<string, "mean" | "ratio">,
): PolicyExperiment {
  const status =
    experiment.status === "running" ? "running" : experiment.status === "paused" ? "paused" : "completed";
  return policyExperimentSchema.parse({
    variants: experiment.variants.map((v) => ({ key: v.key, weight: v.allocation, control: v.is_control })),
    metrics: experiment.metrics.map((m) => ({
      key: m.metric_key,
      role: m.role,
      kind: kinds.get(m.metric_key) ?? "mean",
      direction: m.direction,
      ...(m.role === "guardrail" ? { threshold: m.threshold ?? 0 } : {}),
    })),
    planned_per_variant: plannedPerVariant(experiment),
    start_at: experiment.start_at,
    end_at: experiment.end_at,
    status,
    power_analysis:
      experiment.power_analysis === null
        ? null
        : {
            baseline_rate: experiment.power_analysis.baseline_rate,
            alpha: experiment.power_analysis.alpha,
            power: experiment.power_analysis.power,
          },
    decision_config: config,
  });
}

const notificationOf: Record<Extract<PolicyEffect, { type: "notify" }>["event"], NotificationEventType> = {
  srm_alert: "srm_alert",
  power_warning: "power_warning",
  decision_changed: "decision_changed",
};

/**
 * The decision engine as the server runs it: a thin runner around `evaluate` of `@assay/decisions`. It reads
 * the snapshot (one pipeline refresh shared by every run of a tick), calls the policy with the stored state,
 * persists the decision and the next state, and carries out the effects (trip the fail-closed guard, notify).
 * @example const engine = createDecisionEngine({ db, source: createLakeResultsSource({ lakeDir }), notify });
 */
export function createDecisionEngine(options: DecisionEngineOptions): DecisionEngine {
  const { db, source } = options;
  const now = options.now ?? (() => new Date());
  const shared = createSharedRefresh(source);
  const listeners: Array<(team: string) => void> = [];
  const notify = async (
    team: string,
    key: string,
    type: NotificationEventType,
    summary: string,
    details: Record<string, unknown>,
  ) => {
    if (options.notify === undefined) return;
    const event: NotificationEvent = {
      type,
      team,
      experimentKey: key,
      summary,
      details,
      at: now().toISOString(),
    };
    await options.notify(event);
  };

  const failClosed = async (
    target: DecisionTarget,
    effect: Extract<PolicyEffect, { type: "fail_closed" }>,
    runId: number,
    details: Readonly<Record<string, unknown>>,
  ) => {
    const { team, experimentKey: key } = target;
    const system = systemPrincipal(team);
    const guardrails = (Array.isArray(details.guardrails) ? details.guardrails : []).filter(
      (g: { breached?: boolean }) => g.breached === true,
    );
    const reason = {
      rule: "guardrail_breach",
      run_id: runId,
      guardrails,
      reasons: effect.reasons.map(({ code, metric, variant, values }) => ({ code, metric, variant, values })),
      message: effect.summary,
    };
    await withTeam(db, team, async (tx) => {
      await tripGuard(tx, team, key, DECISION_ACTOR, reason);
      await transitionExperiment(tx, system, key, "paused");
      await appendAudit(tx, system, {
        entityType: "experiment",
        entityKey: key,
        action: "decision:fail_closed",
        before: { treatments: "enabled" },
        after: { treatments: "disabled", served: "control", ...reason },
      });
    });
    for (const l of listeners) l(team);
    await notify(
      team,
      key,
      "guardrail_breach",
      `${key} failed closed: ${reason.message}. Everyone now gets control; the experiment is paused.`,
      reason,
    );
  };

  const view = async (tx: Queryable, key: string): Promise<DecisionView> => {
    const experiment = await getExperiment(tx, key);
    const { decision } = await getMonitorState(tx, key);
    const guard = await getGuard(tx, key);
    return {
      experiment_key: key,
      experiment_status: experiment.status,
      status: decision?.status ?? "keep_running",
      reasons: decision?.reasons ?? [
        {
          kind: "primary",
          severity: "ok",
          code: "no_results",
          values: {},
          message: "not evaluated yet",
        },
      ],
      evaluated_at: decision?.evaluatedAt ?? null,
      run_id: decision?.runId ?? null,
      fail_closed: guardJson(guard),
      details: decision?.details ?? {},
    };
  };

  return {
    async run(target, schedule, attempt, dueAt) {
      const started = now();
      const t0 = performance.now();
      const { team, experimentKey: key } = target;
      const runId = await withTeam(db, team, (tx) =>
        startRun(tx, { team, experimentKey: key, schedule, attempt, startedAt: started, inputs: {} }),
      );
      try {
        const refresh = await shared.ensure(dueAt ?? started, schedule === "manual");
        const { experiment, config, stored, guard } = await withTeam(db, team, async (tx) => ({
          experiment: await getExperiment(tx, key),
          config: await getDecisionConfig(tx, key),
          stored: await getMonitorState(tx, key),
          guard: await getGuard(tx, key),
        }));
        const data = await source.read(key, config.analysis_mode, now());
        const policyExperiment = policyExperimentOf(experiment, config, data?.kinds ?? new Map());
        // The guard table is the authority (a deliberate re-enable clears it there).
        const previous = readPolicyState(stored.state);
        const state = {
          ...previous,
          guard: {
            active: guard?.active === true,
            trippedAt: guard?.active === true ? guard.trippedAt : null,
          },
        };
        const result = evaluate(policyExperiment, data?.snapshot ?? null, state);
        const decision: StoredDecision = {
          status: result.decision.status,
          reasons: result.decision.reasons,
          experimentKey: key,
          evaluatedAt: now().toISOString(),
          runId,
          details:
            data === null
              ? {}
              : { results_dt: data.dt, analysis_mode: config.analysis_mode, ...result.decision.details },
        };
        await withTeam(db, team, async (tx) => {
          await putMonitorState(tx, team, key, result.state, decision);
          await tx.query("update decision_run set inputs = $2 where run_id = $1", [
            runId,
            JSON.stringify(refresh.inputs),
          ]);
        });
        let tripped = false;
        for (const effect of result.effects) {
          if (effect.type === "fail_closed") {
            tripped = true;
            await failClosed(target, effect, runId, decision.details);
          } else {
            await notify(team, key, notificationOf[effect.event], `${key}: ${effect.summary}`, {
              ...effect.details,
            });
          }
        }
        await withTeam(db, team, (tx) =>
          finishRun(tx, runId, {
            finishedAt: now(),
            durationMs: performance.now() - t0,
            status: "succeeded",
            outcome: { status: decision.status, fail_closed: tripped },
          }),
        );
        return decision;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await withTeam(db, team, (tx) =>
          finishRun(tx, runId, {
            finishedAt: now(),
            durationMs: performance.now() - t0,
            status: "failed",
            error: message,
          }),
        );
        throw new DecisionRunError(runId, message, error);
      }
    },
    async reportFailure(target, schedule, error, attempts) {
      const message = error instanceof Error ? error.message : String(error);
      await notify(
        target.team,
        target.experimentKey,
        "run_failed",
        `${target.experimentKey}: ${schedule} decision run failed after ${attempts} attempt(s): ${message}`,
        { schedule, attempts, error: message },
      );
    },
    current: view,
    async reenable(principal, key, reason) {
      requireRole(principal, "editor");
      const result = await withTeam(db, principal.team, async (tx) => {
        const guard = await getGuard(tx, key);
        await getExperiment(tx, key);
        if (guard === null || !guard.active) {
          throw new ConflictError(`experiment '${key}' has no active fail-closed guard`, "fail_closed");
        }
        await clearGuard(tx, key, principal.actor, reason);
        await appendAudit(tx, principal, {
          entityType: "experiment",
          entityKey: key,
          action: "decision:reenable",
          before: { treatments: "disabled", reason: guard.reason },
          after: { treatments: "enabled", reason },
        });
        return view(tx, key);
      });
      for (const l of listeners) l(principal.team);
      await notify(
        principal.team,
        key,
        "reenabled",
        `${key}: treatments re-enabled by ${principal.actor}: ${reason}`,
        {
          reason,
          actor: principal.actor,
        },
      );
      return result;
    },
    onRegistryChange(listener) {
      listeners.push(listener);
    },
  };
}
