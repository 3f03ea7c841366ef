import { type ArmComparison, compareToControl } from "./arm-comparison.js";
import { type DecisionReason, describeReason, reason } from "./decision-reason.js";
import { evaluateGuardrails, type GuardrailVerdict } from "./guardrail-rule.js";
import type { PolicyExperiment, PolicySnapshot } from "./policy-input.js";
import {
  type DecisionStatus,
  type PolicyState,
  type PrimaryOutcome,
  readPolicyState,
} from "./policy-state.js";
import { monitorPower, type PowerReport } from "./power-monitor.js";
import { evaluatePrimary, type PrimaryComparison } from "./primary-rule.js";
import { evaluateSrm } from "./srm-rule.js";

/** The decision of one run: the status and every reason behind it, with the numbers for the dashboard. */
export interface PolicyDecision {
  readonly status: DecisionStatus;
  readonly reasons: ReadonlyArray<DecisionReason>;
  readonly details: Readonly<Record<string, unknown>>;
}

/** What the runner must carry out after a run (the policy itself does no I/O). */
export type PolicyEffect =
  | {
      /** Trip the fail-closed guard: serve control to everyone, pause, audit, notify. */
      readonly type: "fail_closed";
      readonly reasons: ReadonlyArray<DecisionReason>;
      readonly summary: string;
    }
  | {
      readonly type: "notify";
      readonly event: "srm_alert" | "power_warning" | "decision_changed";
      readonly summary: string;
      readonly details: Readonly<Record<string, unknown>>;
    };

export interface EvaluateOptions {
  /**
   * Default true: reasons carry their words and the decision its details. Replays that only need statuses and
   * codes pass false (the same rules and verdicts, without the text and display numbers).
   */
  readonly explain?: boolean;
}

export interface PolicyResult {
  readonly decision: PolicyDecision;
  readonly state: PolicyState;
  readonly effects: ReadonlyArray<PolicyEffect>;
}

const finiteOrNull = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);

function comparisonJson(c: PrimaryComparison) {
  return {
    variant: c.variant,
    n_control: c.nControl,
    n_treatment: c.nTreatment,
    control_value: finiteOrNull(c.controlValue),
    treatment_value: finiteOrNull(c.treatmentValue),
    diff: finiteOrNull(c.diff),
    se: finiteOrNull(c.se),
    z: finiteOrNull(c.z),
    rel_lift: finiteOrNull(c.relLift),
    boundary: finiteOrNull(c.boundary),
    p_value: finiteOrNull(c.pValue),
    ci_low: finiteOrNull(c.ciLow),
    ci_high: finiteOrNull(c.ciHigh),
    rel_ci_low: finiteOrNull(c.relCiLow),
    rel_ci_high: finiteOrNull(c.relCiHigh),
    outcome: c.outcome,
    testable: c.untestable === null,
    untestable_cause: c.untestable,
  };
}

function guardrailJson(g: GuardrailVerdict) {
  return {
    metric_key: g.metricKey,
    variant: g.variant,
    direction: g.direction,
    threshold: g.threshold,
    relative_harm: finiteOrNull(g.relativeHarm),
    harm_lower_bound: finiteOrNull(g.harmLowerBound),
    z: finiteOrNull(g.z),
    boundary: finiteOrNull(g.boundary),
    p_value: finiteOrNull(g.pValue),
    breached: g.breached,
    testable: g.untestable === null,
    untestable_cause: g.untestable,
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

function statusOf(
  primary: PrimaryOutcome | null,
  breached: boolean,
  srm: boolean,
  dataQuality: boolean,
  pastPlannedEnd: boolean,
): DecisionStatus {
  // Harm first; then untrustworthy data; then a win; then the end without one.
  if (breached || primary === "harm") return "roll_back";
  if (srm || dataQuality) return "inconclusive";
  if (primary === "efficacy") return "ship";
  if (primary === "final_no_effect" || pastPlannedEnd) return "inconclusive";
  return "keep_running";
}

/**
 * The decision policy: one pure function of the experiment's settings, a snapshot of its cumulative
 * per-variant sufficient statistics and the state the previous run left. It checks the sample ratio
 * (sequential test), the guardrails (always-valid, one family), data quality, power (once a UTC day) and the
 * primary metric under the experiment's analysis method, and returns the decision, the next state and the
 * effects to carry out (trip the fail-closed guard, notify). No clock, no I/O: the snapshot's `at` is the time.
 * The server's scheduled runs and `assay decide --replay` both call exactly this.
 * @example
 * let state = null;
 * for (const snapshot of history.snapshots) ({ state } = evaluate(experiment, snapshot, state));
 */
export function evaluate(
  experiment: PolicyExperiment,
  snapshot: PolicySnapshot | null,
  previousState: PolicyState | null | unknown,
  options: EvaluateOptions = {},
): PolicyResult {
  const explain = options.explain !== false;
  const previous = readPolicyState(previousState);
  if (snapshot === null) {
    return {
      decision: {
        status: previous.lastStatus ?? "keep_running",
        reasons: [
          describeReason(
            reason({ kind: "data_quality", severity: "warning", code: "no_results", values: {} }),
          ),
        ],
        details: {},
      },
      state: previous,
      effects: [],
    };
  }
  const config = experiment.decision_config;
  const at = snapshot.at;
  const atMs = Date.parse(at);
  const control = experiment.variants.find((v) => v.control)?.key ?? experiment.variants[0]?.key ?? "";
  const treatments = experiment.variants.filter((v) => v.key !== control).map((v) => v.key);
  const weights = Object.fromEntries(experiment.variants.map((v) => [v.key, v.weight]));
  const planned = experiment.planned_per_variant;
  const smallestArm = Math.min(...experiment.variants.map((v) => snapshot.units[v.key] ?? 0));
  const information = planned === null ? 0 : Math.min(1, smallestArm / planned);
  const pastPlannedEnd = experiment.end_at !== null && Date.parse(experiment.end_at) <= atMs;
  const comparisonCache = new Map<string, ArmComparison[]>();
  const comparisonsOf = (metricKey: string): ArmComparison[] => {
    let c = comparisonCache.get(metricKey);
    if (c === undefined) {
      c = compareToControl(snapshot.metrics[metricKey] ?? {}, control, treatments);
      comparisonCache.set(metricKey, c);
    }
    return c;
  };
  const effects: PolicyEffect[] = [];
  const reasons: DecisionReason[] = [];

  // Guardrails: one family, always valid, whatever the primary's method.
  const guardrailSpecs = experiment.metrics
    .filter((m) => m.role === "guardrail")
    .map((m) => ({ metricKey: m.key, direction: m.direction, threshold: m.threshold ?? 0 }));
  const plannedTotal = (planned ?? 5_000) * experiment.variants.length;
  const guardrails = evaluateGuardrails(
    guardrailSpecs,
    comparisonsOf,
    config.guardrails.alpha,
    plannedTotal,
    explain,
  );
  reasons.push(...guardrails.reasons);
  const breached = guardrails.verdicts.filter((g) => g.breached);

  const srm = evaluateSrm(snapshot.units, weights, config.srm.threshold, previous.srm.pMin);
  reasons.push(srm.reason);
  let srmAlertedAt = previous.srm.alertedAt;
  if (srm.active && srmAlertedAt === null) {
    srmAlertedAt = at;
    effects.push({
      type: "notify",
      event: "srm_alert",
      summary: `sample ratio mismatch: the split differs from the configured allocation (always-valid p = ${srm.pMin.toExponential(2)})`,
      details: {
        p_value: srm.pMin,
        observed_shares: srm.observedShares,
        expected_shares: srm.expectedShares,
        counts: srm.counts,
      },
    });
  }

  for (const problem of snapshot.data_quality) {
    reasons.push(
      reason({ kind: "data_quality", severity: "blocking", code: "data_quality", values: { problem } }),
    );
  }

  // Power: recomputed once per UTC day of the snapshots (cheap, and stable within a day).
  let power = previous.power;
  let powerDay = previous.powerDay;
  const day = at.slice(0, 10);
  if (
    planned !== null &&
    experiment.start_at !== null &&
    experiment.power_analysis !== null &&
    powerDay !== day
  ) {
    const wasWarning = power?.warning === true;
    power = monitorPower({
      now: new Date(atMs),
      startAt: new Date(experiment.start_at),
      endAt: experiment.end_at === null ? null : new Date(experiment.end_at),
      plannedPerVariant: planned,
      enrolledPerVariant: smallestArm,
      baselineRate: experiment.power_analysis.baseline_rate,
      alpha: experiment.power_analysis.alpha,
      power: experiment.power_analysis.power,
    });
    powerDay = day;
    if (power.warning && !wasWarning) {
      effects.push({ type: "notify", event: "power_warning", summary: power.message, details: { ...power } });
    }
  }
  if (power?.warning === true) {
    reasons.push(
      reason({ kind: "power", severity: "warning", code: "power_warning", values: { text: power.message } }),
    );
  }

  const primarySpec = experiment.metrics.find((m) => m.role === "primary");
  let primaryOutcome: PrimaryOutcome | null = null;
  let primaryState = previous.primary;
  let primaryComparisons: ReadonlyArray<PrimaryComparison> = [];
  if (primarySpec === undefined) {
    reasons.push(reason({ kind: "primary", severity: "warning", code: "no_primary_metric", values: {} }));
  } else {
    const verdict = evaluatePrimary({
      metricKey: primarySpec.key,
      direction: primarySpec.direction,
      comparisons: comparisonsOf(primarySpec.key),
      config,
      informationFraction: information,
      plannedPerVariant: planned,
      pastPlannedEnd,
      previous: previous.primary,
    });
    primaryOutcome = verdict.outcome;
    primaryComparisons = verdict.comparisons;
    reasons.push(...verdict.reasons);
    const decided = verdict.outcome === "efficacy" || verdict.outcome === "harm";
    primaryState = {
      outcome: verdict.outcome,
      look: verdict.look,
      decidedAt: decided ? (previous.primary.decidedAt ?? at) : null,
    };
  }

  const status = statusOf(
    primaryOutcome,
    breached.length > 0,
    srm.active,
    snapshot.data_quality.length > 0,
    pastPlannedEnd,
  );

  let guard = previous.guard;
  const described = explain ? reasons.map(describeReason) : reasons;
  if (breached.length > 0 && config.auto_fail_closed && !guard.active && experiment.status === "running") {
    const breachReasons = described.filter((r) => r.code === "guardrail_breach");
    guard = { active: true, trippedAt: at };
    effects.push({
      type: "fail_closed",
      reasons: breachReasons,
      summary: breachReasons.map((r) => r.message).join("; "),
    });
  }
  if (previous.lastStatus !== null && previous.lastStatus !== status) {
    effects.push({
      type: "notify",
      event: "decision_changed",
      summary: `decision ${previous.lastStatus} → ${status}`,
      details: { status, reasons: reasons.filter((r) => r.severity !== "ok").map((r) => r.code) },
    });
  }

  const details = !explain
    ? {}
    : {
        method: config.method,
        alpha: config.alpha,
        information_fraction: information,
        planned_per_variant: planned,
        units_by_variant: snapshot.units,
        primary:
          primarySpec === undefined
            ? null
            : {
                metric_key: primarySpec.key,
                direction: primarySpec.direction,
                outcome: primaryOutcome,
                look: primaryState.look,
                decided_at: primaryState.decidedAt,
                comparisons: primaryComparisons.map(comparisonJson),
              },
        guardrails: guardrails.verdicts.map(guardrailJson),
        guardrail_alpha: config.guardrails.alpha,
        srm: {
          p_value: srm.pValue,
          p_min: srm.pMin,
          threshold: config.srm.threshold,
          active: srm.active,
          observed_shares: srm.observedShares,
          expected_shares: srm.expectedShares,
          counts: srm.counts,
        },
        power: powerJson(power),
        data_quality: snapshot.data_quality,
      };
  return {
    decision: { status, reasons: described, details },
    state: {
      version: 2,
      runs: previous.runs + 1,
      lastAt: at,
      primary: primaryState,
      srm: { pMin: srm.pMin, alertedAt: srmAlertedAt },
      guard,
      power,
      powerDay,
      lastStatus: status,
    },
    effects,
  };
}
