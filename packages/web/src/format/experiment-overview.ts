import type { AnalysisMode, Experiment, ExperimentSummary } from "../api/api-types.js";

import { type Decision, decide, fromServerDecision } from "./decision.js";
import { type GuardrailStatus, guardrailStatuses } from "./guardrail-check.js";
import { type MetricView, metricViews, type Variance } from "./metric-results.js";
import { type PowerProjection, projectPower } from "./power-projection.js";
import { type QualityWarning, qualityWarnings } from "./quality-warnings.js";
import { type SrmView, srmView } from "./srm-view.js";

/** Everything the list row and the experiment page derive from an experiment and its summary. */
export interface ExperimentOverview {
  readonly metrics: ReadonlyArray<MetricView>;
  readonly primary: MetricView | undefined;
  readonly srm: SrmView;
  readonly guardrails: ReadonlyArray<GuardrailStatus>;
  readonly warnings: ReadonlyArray<QualityWarning>;
  readonly power: PowerProjection;
  readonly decision: Decision;
}

/**
 * Derives the overview for one analysis mode and variance estimator at time `now`.
 * @example overview(experiment, summary, "itt", "raw", new Date().toISOString()).decision.label
 */
export function overview(
  experiment: Experiment,
  summary: ExperimentSummary,
  mode: AnalysisMode,
  variance: Variance,
  now: string,
): ExperimentOverview {
  const metrics = metricViews(experiment, summary, mode, variance);
  const primary = metrics.find((m) => m.role === "primary");
  const srm = srmView(experiment.variants, summary, mode);
  const guardrails = guardrailStatuses(metrics);
  const armSizes =
    primary === undefined ? [] : [primary.control?.nUsers ?? 0, ...primary.comparisons.map((c) => c.nUsers)];
  const power = projectPower({
    armSizes,
    requiredPerVariant: experiment.minimum_sample_size ?? experiment.power_analysis?.n_per_variant ?? null,
    startAt: experiment.start_at,
    plannedEndAt: experiment.end_at,
    now,
  });
  // The decision service's verdict once it has evaluated the experiment; until then the fixed-sample rules.
  const server = summary.decision;
  const decision =
    server !== undefined && server !== null && server.evaluated_at !== null
      ? fromServerDecision(server)
      : decide({
          status: experiment.status,
          hasResults: summary.results.length > 0,
          srmDetected: srm.detected,
          srmPValue: srm.pValue,
          guardrails,
          primary,
          power,
        });
  return { metrics, primary, srm, guardrails, warnings: qualityWarnings(summary.quality), power, decision };
}
