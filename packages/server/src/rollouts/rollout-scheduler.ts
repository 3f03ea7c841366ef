import { type ArmStats, compareToControl, evaluateGuardrails } from "@assay/decisions";
import type { Database, Queryable } from "../db/database.js";
import type { NotificationEvent } from "../notifications/notification-event.js";
import { appendAudit } from "../registry/audit-log.js";
import type { Principal } from "../registry/auth.js";
import { getFlag, type StoredFlag, writeFlagState } from "../registry/definition-store.js";
import { withTeam } from "../registry/team-scope.js";
import type { Rollout, RolloutStopReason } from "./rollout-schema.js";
import { listActiveRollouts, lockRollout, saveRolloutProgress } from "./rollout-store.js";

/** The actor of the scheduler's changes in the audit log. */
export const ROLLOUT_ACTOR = "assay-rollouts";

/** A guardrail metric's two arms: identities served the flag's default (`control`) and its variation (`treatment`). */
export interface RolloutArms {
  readonly control: ArmStats;
  readonly treatment: ArmStats;
}

/**
 * Where a rollout's guardrail numbers come from: per metric key, the cumulative arms since the rollout's first step
 * (a metric without data yet is left out: "not testable", which never trips).
 */
export type RolloutMetricsSource = (
  rollout: {
    readonly team: string;
    readonly flagKey: string;
    readonly environment: string;
    readonly since: Date;
  },
  metricKeys: ReadonlyArray<string>,
) => Promise<ReadonlyMap<string, RolloutArms>>;

export interface RolloutSchedulerOptions {
  readonly db: Database;
  readonly now: () => Date;
  readonly metrics?: RolloutMetricsSource;
  readonly notify?: (event: NotificationEvent) => Promise<unknown>;
  /** A team's flags changed (the SDK payload must be rebuilt and streamed). */
  readonly onFlagChange?: (team: string) => void;
  /** Units (both arms) at which the guardrails' always-valid test is tightest; default 20,000. */
  readonly tuningUnits?: number;
  readonly onError?: (error: unknown) => void;
}

export interface RolloutTickResult {
  readonly team: string;
  readonly flagKey: string;
  readonly environment: string;
  readonly outcome: "advanced" | "completed" | "stopped";
  readonly rollout: Rollout;
}

export interface RolloutScheduler {
  /** Advances every due rollout of every team once (what the timer calls). */
  tick(): Promise<RolloutTickResult[]>;
  /** Ticks every `intervalMs` (default 30 s) until `stop`. */
  start(intervalMs?: number): void;
  stop(): Promise<void>;
}

interface FlagState {
  enabled: boolean;
  rollout_percentage: number;
  killed: boolean;
}

const system = (team: string): Principal => ({ keyId: "", actor: ROLLOUT_ACTOR, team, role: "admin" });

/**
 * The guarded-rollout scheduler: at each step's time it first judges the guardrails with the decision policy's
 * always-valid guardrail rule (`evaluateGuardrails` of @assay/decisions, served vs. not served) and then either
 * raises the flag's rollout percentage to the step's, or — on a breach — stops the ramp, restores the flag as it
 * was before the first step, audits why (reason code and numbers) and notifies (`rollout_stopped`). A flag killed
 * meanwhile stops the ramp too (the kill wins; nothing is restored). Every change is one transaction per rollout.
 * @example const rollouts = createRolloutScheduler({ db, now: () => new Date(), notify }); rollouts.start();
 */
export function createRolloutScheduler(options: RolloutSchedulerOptions): RolloutScheduler {
  const { db } = options;
  const tuning = options.tuningUnits ?? 20_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<unknown> = Promise.resolve();

  /** The guardrails' numbers, read before the step's transaction (the source may read the registry itself). */
  const readArms = async (team: string, rollout: Rollout, now: Date) => {
    if (rollout.guardrails.length === 0 || options.metrics === undefined || rollout.current_step < 0)
      return null;
    const first = rollout.history.find((h) => h.step === 0);
    const since = typeof first?.at === "string" ? new Date(first.at) : now;
    return options.metrics(
      { team, flagKey: rollout.flag_key, environment: rollout.environment, since },
      rollout.guardrails.map((g) => g.metric_key),
    );
  };
  const guardrailBreach = (
    rollout: Rollout,
    arms: ReadonlyMap<string, RolloutArms> | null,
  ): { breach: RolloutStopReason | null; checked: unknown[] } => {
    if (arms === null) return { breach: null, checked: [] };
    const { verdicts, reasons } = evaluateGuardrails(
      rollout.guardrails.map((g) => ({
        metricKey: g.metric_key,
        direction: g.direction,
        threshold: g.threshold,
      })),
      (metricKey) => {
        const a = arms.get(metricKey);
        return a === undefined
          ? []
          : compareToControl({ control: a.control, treatment: a.treatment }, "control", ["treatment"]);
      },
      rollout.alpha,
      tuning,
    );
    const checked = reasons.map((r) => ({ code: r.code, metric: r.metric, values: r.values }));
    const breached = verdicts.findIndex((v) => v.breached);
    if (breached < 0) return { breach: null, checked };
    const v = verdicts[breached]!;
    const r = reasons[breached]!;
    return {
      breach: {
        code: "guardrail_breach",
        metric: v.metricKey,
        variant: v.variant,
        message: `guardrail ${v.metricKey} breached: ${(v.relativeHarm * 100).toFixed(1)} % worse than not served (tolerated ${(v.threshold * 100).toFixed(1)} %, always-valid p = ${v.pValue.toPrecision(3)})`,
        values: { ...r.values, control_value: v.controlValue, treatment_value: v.treatmentValue },
      },
      checked,
    };
  };

  const advance = async (
    team: string,
    flagKey: string,
    environment: string,
  ): Promise<{ result: RolloutTickResult; event?: NotificationEvent } | null> => {
    const now = options.now();
    const due = (r: Rollout | null): r is Rollout => {
      if (r === null || (r.status !== "scheduled" && r.status !== "running")) return false;
      const next = r.steps[r.current_step + 1];
      return next !== undefined && Date.parse(next.at) <= now.getTime();
    };
    // Read first, outside any transaction: the metrics source may open its own (one PGlite connection would wait on
    // itself), and a slow read must not hold the flag's row lock.
    const peek = await withTeam(db, team, (tx) => lockRollout(tx, flagKey, environment));
    if (!due(peek)) return null;
    const arms = await readArms(team, peek, now);
    return withTeam(db, team, async (tx: Queryable) => {
      const rollout = await lockRollout(tx, flagKey, environment);
      // Changed meanwhile (cancelled, or another server applied the step): judged again at the next tick.
      if (!due(rollout) || rollout.current_step !== peek.current_step) return null;
      const next = rollout.steps[rollout.current_step + 1]!;
      const history = [...rollout.history];
      // The flag's row locked, as the kill switch and PUT lock it; then its state in this environment.
      const locked = await tx.query("select 1 from feature_flag where flag_key = $1 for update", [flagKey]);
      const stored: StoredFlag | undefined =
        locked.rows.length === 0 ? undefined : await getFlag(tx, flagKey, environment);
      const flag: FlagState | undefined =
        stored === undefined
          ? undefined
          : { enabled: stored.enabled, rollout_percentage: stored.rollout_percentage, killed: stored.killed };
      const stop = async (reason: RolloutStopReason, restore: FlagState | null) => {
        if (restore !== null && stored !== undefined)
          await writeFlagState(tx, team, flagKey, environment, { ...stored, ...restore });
        history.push({ step: rollout.current_step, at: now.toISOString(), stopped: reason.code });
        await saveRolloutProgress(tx, flagKey, environment, {
          status: "stopped",
          currentStep: rollout.current_step,
          beforeState: rollout.before_state,
          stopReason: reason,
          history,
        });
        const after = await lockRollout(tx, flagKey, environment);
        await appendAudit(tx, system(team), {
          entityType: "flag",
          entityKey: flagKey,
          action: "rollout_stopped",
          before: { rollout, flag },
          after: { rollout: after, flag_restored_to: restore, reason },
        });
        const event: NotificationEvent = {
          type: "rollout_stopped",
          team,
          experimentKey: flagKey,
          summary: `Rollout of flag ${flagKey} (${environment}) stopped at ${rollout.steps[rollout.current_step]?.percentage ?? 0} %: ${reason.message}`,
          details: { flag_key: flagKey, environment, reason, restored: restore },
          at: now.toISOString(),
        };
        return {
          result: { team, flagKey, environment, outcome: "stopped" as const, rollout: after! },
          event,
        };
      };
      if (flag === undefined || stored === undefined)
        return stop(
          { code: "flag_deleted", message: `flag '${flagKey}' no longer exists`, values: {} },
          null,
        );
      if (flag.killed)
        return stop(
          { code: "flag_killed", message: `flag '${flagKey}' was killed: the kill switch wins`, values: {} },
          null,
        );
      const { breach, checked } = guardrailBreach(rollout, arms);
      const before: FlagState =
        rollout.before_state === null ? flag : (rollout.before_state as unknown as FlagState);
      if (breach !== null) return stop(breach, before);
      const step = rollout.current_step + 1;
      await writeFlagState(tx, team, flagKey, environment, {
        ...stored,
        enabled: true,
        rollout_percentage: next.percentage,
      });
      history.push({ step, percentage: next.percentage, at: now.toISOString(), guardrails: checked });
      const last = step === rollout.steps.length - 1;
      await saveRolloutProgress(tx, flagKey, environment, {
        status: last ? "completed" : "running",
        currentStep: step,
        beforeState: rollout.before_state ?? { ...flag },
        stopReason: null,
        history,
      });
      const after = (await lockRollout(tx, flagKey, environment))!;
      await appendAudit(tx, system(team), {
        entityType: "flag",
        entityKey: flagKey,
        action: "rollout_step",
        before: { rollout_percentage: flag.rollout_percentage, enabled: flag.enabled },
        after: { rollout_percentage: next.percentage, enabled: true, step, guardrails: checked },
      });
      return {
        result: { team, flagKey, environment, outcome: last ? "completed" : "advanced", rollout: after },
      };
    });
  };

  const tick = async (): Promise<RolloutTickResult[]> => {
    const results: RolloutTickResult[] = [];
    for (const r of await listActiveRollouts(db)) {
      try {
        const done = await advance(r.team, r.flagKey, r.environment);
        if (done === null) continue;
        results.push(done.result);
        options.onFlagChange?.(r.team);
        if (done.event !== undefined) await options.notify?.(done.event);
      } catch (error) {
        options.onError?.(error);
      }
    }
    return results;
  };

  return {
    tick() {
      // One tick at a time: a slow metrics read never overlaps the next.
      const next = running.then(tick, tick);
      running = next.catch(() => undefined);
      return next;
    },
    start(intervalMs = 30_000) {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        this.tick().catch((error: unknown) => options.onError?.(error));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
