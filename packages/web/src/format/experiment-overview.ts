import type { AnalysisMode, Experiment, ExperimentSummary } from "../api/api-types.js";

import { type Decision, decisionView } from "./decision.js";
import { type MetricView, metricViews, type Variance } from "./metric-results.js";
import { type PowerProjection, projectPower } from "./power-projection.js";
import { type QualityWarning, qualityWarnings } from "./quality-warnings.js";
import { type SrmView, srmView } from "./srm-view.js";

/** Everything the list row and the experiment page derive from an experiment and its summary. */
export interface ExperimentOverview {
  readonly metrics: ReadonlyArray<MetricView>;
  readonly primary: MetricView | undefined;
  readonly srm: SrmView;
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
  const armSizes =
    primary === undefined ? [] : [primary.control?.nUsers ?? 0, ...primary.comparisons.map((c) => c.nUsers)];
  const power = projectPower({
    armSizes,
    requiredPerVariant: experiment.minimum_sample_size ?? experiment.power_analysis?.n_per_variant ?? null,
    startAt: experiment.start_at,
    plannedEndAt: experiment.end_at,
    now,
  });
  // The decision policy's verdict, rendered; never re-derived here.
  const decision = decisionView(summary.decision);
  return { metrics, primary, srm, warnings: qualityWarnings(summary.quality), power, decision };
}
