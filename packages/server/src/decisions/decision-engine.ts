import type { Database, Queryable } from "../db/database.js";
import { ConflictError } from "../http/http-error.js";
import type { NotificationEvent, NotificationEventType } from "../notifications/notification-event.js";
import type { Notifier } from "../notifications/notifier.js";
import { appendAudit } from "../registry/audit-log.js";
import { type Principal, requireRole } from "../registry/auth.js";
import { getExperiment, transitionExperiment } from "../registry/experiment-store.js";
import { withTeam } from "../registry/team-scope.js";
import type { DecisionConfig } from "./decision-config.js";
import { type Decision, decide, type PrimaryLook } from "./decision-status.js";
import {
  clearGuard,
  type ExperimentGuard,
  finishRun,
  getDecisionConfig,
  getGuard,
  getMonitorState,
  type MonitorState,
  putMonitorState,
  type StoredDecision,
  startRun,
  tripGuard,
} from "./decision-store.js";
import { checkGuardrail, type GuardrailVerdict } from "./guardrail-check.js";
import type { ExperimentData, ResultsSource } from "./lake-results-source.js";
import { compareArms, type MetricComparison } from "./metric-comparison.js";
import { monitorPower, type PowerReport } from "./power-monitor.js";
import {
  boundaryAt,
  lookAt,
  planFromConfig,
  plannedPerVariant,
  type SequentialOutcome,
  sequentialOutcome,
} from "./sequential-plan.js";
import { checkSrmInterval, intervalCounts } from "./srm-monitor.js";

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

export interface DecisionEngine {
  /** One recorded run (pipeline refresh + evaluation) for a schedule's attempt; throws if it fails. */
  run(target: DecisionTarget, schedule: string, attempt: number): Promise<StoredDecision>;
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
  readonly status: Decision["status"];
  readonly reasons: Decision["reasons"];
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

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

function comparisonJson(c: MetricComparison) {
  return {
    variant: c.variant,
    n_control: c.nControl,
    n_treatment: c.nTreatment,
    control_value: finiteOrNull(c.controlValue),
    treatment_value: finiteOrNull(c.treatmentValue),
    diff: finiteOrNull(c.diff),
    z: finiteOrNull(c.z),
    rel_lift: finiteOrNull(c.relLift),
  };
}

function guardrailJson(g: GuardrailVerdict) {
  return {
    metric_key: g.metricKey,
    variant: g.variant,
    direction: g.direction,
    threshold: g.threshold,
    relative_harm: finiteOrNull(g.relativeHarm),
    z: finiteOrNull(g.z),
    boundary: finiteOrNull(g.boundary),
    breached: g.breached,
    control_value: finiteOrNull(g.controlValue),
    treatment_value: finiteOrNull(g.treatmentValue),
  };
}

function powerJson(p: PowerReport | null) {
  if (p === null) return null;
  return {
    enrolment_per_day: p.enrolmentPerDay,
    mde_now: p.mdeNow,
    mde_at_planned_end: p.mdeAtPlannedEnd,
    planned_mde: p.plannedMde,
    projected_completion: p.projectedCompletion,
    warning: p.warning,
    message: p.message,
  };
}

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
 * The decision engine: after each pipeline run it checks SRM, guardrails (failing closed on a
 * significant breach), the primary metric at its sequential looks and power, stores a decision and
 * notifies. Rules are the pure functions of this folder; this module only does the I/O around them.
 * @example const engine = createDecisionEngine({ db, source: createLakeResultsSource({ lakeDir }), notify });
 */
export function createDecisionEngine(options: DecisionEngineOptions): DecisionEngine {
  const { db, source } = options;
  const now = options.now ?? (() => new Date());
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

  const evaluate = async (
    target: DecisionTarget,
    schedule: string,
    data: ExperimentData | null,
  ): Promise<{
    decision: Decision;
    details: Record<string, unknown>;
    state: MonitorState;
    failClose: GuardrailVerdict[];
    events: Array<() => Promise<void>>;
  }> => {
    const { team, experimentKey: key } = target;
    const { experiment, config, monitor, guard } = await withTeam(db, team, async (tx) => ({
      experiment: await getExperiment(tx, key),
      config: await getDecisionConfig(tx, key),
      monitor: await getMonitorState(tx, key),
      guard: await getGuard(tx, key),
    }));
    const events: Array<() => Promise<void>> = [];
    const state = monitor.state;
    if (data === null) {
      return {
        decision: {
          status: "keep_running",
          reasons: [
            {
              kind: "data_quality",
              severity: "warning",
              message: "no pipeline results for this experiment yet",
            },
          ],
        },
        details: {},
        state,
        failClose: [],
        events,
      };
    }
    const at = now();
    const allocation = Object.fromEntries(experiment.variants.map((v) => [v.key, v.allocation]));
    const srm = checkSrmInterval(
      state.srm,
      intervalCounts(data.unitsByVariant, state.srmCounts),
      allocation,
      config.srm,
    );
    if (srm.alert) {
      events.push(() =>
        notify(
          team,
          key,
          "srm_alert",
          `${key}: sample ratio mismatch for ${srm.state.streak} consecutive intervals`,
          {
            p_value: srm.pValue,
            observed_shares: srm.observedShares,
            expected_shares: srm.expectedShares,
            interval_counts: srm.counts,
          },
        ),
      );
    }
    const plan = planFromConfig(config.sequential);
    const planned = plannedPerVariant(experiment);
    const comparisonsOf = (metricKey: string) => {
      const m = data.metrics.get(metricKey);
      return m === undefined ? [] : compareArms(metricKey, m.kind, m.arms);
    };
    const primarySpec = experiment.metrics.find((m) => m.role === "primary");
    const primaryComparisons = primarySpec === undefined ? [] : comparisonsOf(primarySpec.metric_key);
    const smallestArm = Math.min(...experiment.variants.map((v) => data.unitsByVariant[v.key] ?? 0));
    const information = planned === null || planned <= 0 ? 0 : Math.min(1, smallestArm / planned);
    const look = lookAt(plan, information);
    let primary: PrimaryLook | null = null;
    let primaryOutcome: SequentialOutcome =
      (state.primaryOutcome as SequentialOutcome | undefined) ?? "continue";
    let primaryLook = state.primaryLook;
    if (primarySpec !== undefined) {
      // Each planned look is analysed once, when it is first reached; between looks the last outcome stands.
      const sign = primarySpec.direction === "increase" ? 1 : -1;
      const best = [...primaryComparisons].sort((a, b) => Math.abs(b.z) - Math.abs(a.z))[0] ?? null;
      if (look > state.primaryLook) {
        const outcomes = primaryComparisons.map((c) => sequentialOutcome(plan, look, sign * c.z));
        primaryOutcome = outcomes.includes("harm")
          ? "harm"
          : outcomes.includes("efficacy")
            ? "efficacy"
            : look >= plan.fractions.length
              ? "final_no_effect"
              : "continue";
        primaryLook = look;
      }
      primary = {
        metricKey: primarySpec.metric_key,
        direction: primarySpec.direction,
        comparison: best,
        informationFraction: information,
        look,
        boundary: look === 0 ? null : (plan.bounds[look - 1] ?? null),
        outcome: primaryOutcome,
      };
    }
    const guardrailBoundary = boundaryAt(plan, Math.max(1, look));
    const guardrails: GuardrailVerdict[] = experiment.metrics
      .filter((m) => m.role === "guardrail")
      .flatMap((m) =>
        comparisonsOf(m.metric_key).map((c) =>
          checkGuardrail(
            { metricKey: m.metric_key, direction: m.direction, threshold: m.threshold ?? 0 },
            c,
            guardrailBoundary,
          ),
        ),
      );
    let power: PowerReport | null = (state.power as PowerReport | undefined) ?? null;
    const startAt = experiment.start_at === null ? null : new Date(experiment.start_at);
    if (
      (schedule === "nightly" || power === null) &&
      planned !== null &&
      startAt !== null &&
      experiment.power_analysis !== null
    ) {
      const wasWarning = power?.warning === true;
      power = monitorPower({
        now: at,
        startAt,
        endAt: experiment.end_at === null ? null : new Date(experiment.end_at),
        plannedPerVariant: planned,
        enrolledPerVariant: smallestArm,
        baselineRate: experiment.power_analysis.baseline_rate,
        alpha: experiment.power_analysis.alpha,
        power: experiment.power_analysis.power,
      });
      const report = power;
      if (report.warning && !wasWarning) {
        events.push(() => notify(team, key, "power_warning", `${key}: ${report.message}`, { ...report }));
      }
    }
    const decision = decide({
      primary,
      guardrails,
      srm: { active: srm.active, pValue: srm.pValue, streak: srm.state.streak },
      dataQuality: data.dataQuality,
      pastPlannedEnd: experiment.end_at !== null && Date.parse(experiment.end_at) <= at.getTime(),
      powerWarning: power?.warning ? power.message : null,
    });
    const breached = guardrails.filter((g) => g.breached);
    const failClose =
      breached.length > 0 &&
      config.auto_fail_closed &&
      guard?.active !== true &&
      experiment.status === "running"
        ? breached
        : [];
    const details = {
      results_dt: data.dt,
      analysis_mode: config.analysis_mode,
      sequential: { method: plan.method, alpha: plan.alpha, looks: plan.fractions, bounds: plan.bounds },
      information_fraction: information,
      look,
      planned_per_variant: planned,
      units_by_variant: data.unitsByVariant,
      primary:
        primary === null
          ? null
          : {
              metric_key: primary.metricKey,
              outcome: primary.outcome,
              comparisons: primaryComparisons.map(comparisonJson),
            },
      guardrails: guardrails.map(guardrailJson),
      srm: {
        p_value: finiteOrNull(srm.pValue),
        streak: srm.state.streak,
        active: srm.active,
        observed_shares: srm.observedShares,
        expected_shares: srm.expectedShares,
        interval_counts: srm.counts,
      },
      power: powerJson(power),
      data_quality: data.dataQuality,
    };
    return {
      decision,
      details,
      state: {
        ...state,
        srm: srm.state,
        srmCounts: { ...data.unitsByVariant },
        primaryLook,
        primaryOutcome,
        lastSrm: details.srm,
        ...(power === null ? {} : { power }),
      },
      failClose,
      events,
    };
  };

  const failClosed = async (target: DecisionTarget, verdicts: GuardrailVerdict[], runId: number) => {
    const { team, experimentKey: key } = target;
    const system = systemPrincipal(team);
    const reason = {
      rule: "guardrail_breach",
      run_id: runId,
      guardrails: verdicts.map(guardrailJson),
      message: verdicts
        .map(
          (g) =>
            `${g.metricKey} is ${(g.relativeHarm * 100).toFixed(1)}% worse in ${g.variant} than control (threshold ${(g.threshold * 100).toFixed(1)}%, z ${g.z.toFixed(2)} ≥ ${g.boundary.toFixed(2)})`,
        )
        .join("; "),
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
      reasons: decision?.reasons ?? [{ kind: "primary", severity: "ok", message: "not evaluated yet" }],
      evaluated_at: decision?.evaluatedAt ?? null,
      run_id: decision?.runId ?? null,
      fail_closed: guardJson(guard),
      details: decision?.details ?? {},
    };
  };

  return {
    async run(target, schedule, attempt) {
      const started = now();
      const t0 = performance.now();
      const runId = await withTeam(db, target.team, (tx) =>
        startRun(tx, {
          team: target.team,
          experimentKey: target.experimentKey,
          schedule,
          attempt,
          startedAt: started,
          inputs: {},
        }),
      );
      try {
        const inputs = await source.refresh(started);
        const config: DecisionConfig = await withTeam(db, target.team, (tx) =>
          getDecisionConfig(tx, target.experimentKey),
        );
        const data = await source.read(target.experimentKey, config.analysis_mode);
        const { decision, details, state, failClose, events } = await evaluate(target, schedule, data);
        const previous = await withTeam(db, target.team, (tx) => getMonitorState(tx, target.experimentKey));
        const stored: StoredDecision = {
          ...decision,
          experimentKey: target.experimentKey,
          evaluatedAt: now().toISOString(),
          runId,
          details,
        };
        await withTeam(db, target.team, async (tx) => {
          await putMonitorState(tx, target.team, target.experimentKey, state, stored);
          await tx.query("update decision_run set inputs = $2 where run_id = $1", [
            runId,
            JSON.stringify(inputs),
          ]);
        });
        if (failClose.length > 0) await failClosed(target, failClose, runId);
        for (const send of events) await send();
        if (previous.decision !== null && previous.decision.status !== decision.status) {
          await notify(
            target.team,
            target.experimentKey,
            "decision_changed",
            `${target.experimentKey}: decision ${previous.decision.status} → ${decision.status}`,
            {
              status: decision.status,
              reasons: decision.reasons,
            },
          );
        }
        await withTeam(db, target.team, (tx) =>
          finishRun(tx, runId, {
            finishedAt: now(),
            durationMs: performance.now() - t0,
            status: "succeeded",
            outcome: { status: decision.status, fail_closed: failClose.length > 0 },
          }),
        );
        return stored;
      } catch (error) {
        await withTeam(db, target.team, (tx) =>
          finishRun(tx, runId, {
            finishedAt: now(),
            durationMs: performance.now() - t0,
            status: "failed",
            error: error instanceof Error ? error.message : String(error),
          }),
        );
        throw error;
      }
    },
    async reportFailure(target, schedule, error, attempts) {
      const message = error instanceof Error ? error.message : String(error);
      await notify(
        target.team,
        target.experimentKey,
        "run_failed",
        `${target.experimentKey}: ${schedule} decision run failed after ${attempts} attempt(s): ${message}`,
        {
          schedule,
          attempts,
          error: message,
        },
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
        { reason, actor: principal.actor },
      );
      return result;
    },
    onRegistryChange(listener) {
      listeners.push(listener);
    },
  };
}
