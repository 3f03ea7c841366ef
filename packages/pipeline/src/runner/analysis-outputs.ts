/** One table the folder sink writes: `file` is its name without the extension; `orderBy` sorts the CSV. */
export interface AnalysisOutput {
  readonly table: string;
  readonly orderBy: string;
  readonly file: string;
}

/** The outputs of `assay analyze`, with their CSV sort order (stable, diffable files). */
export const analysisOutputs: ReadonlyArray<AnalysisOutput> = [
  { table: "fact_assignment", orderBy: "experiment_id, user_id" },
  { table: "int_experiment_exposure_validation", orderBy: "experiment_id, user_id" },
  { table: "fct_experiment_exposure_quality_daily", orderBy: "experiment_id, date_day" },
  { table: "fct_experiment_cohort", orderBy: "experiment_id, user_id" },
  { table: "fct_experiment_unit_outcomes", orderBy: "experiment_id, metric_id, user_id" },
  {
    table: "agg_experiment_metric_by_variant",
    orderBy: "experiment_id, metric_id, analysis_mode, variation_id",
  },
  { table: "fct_experiment_results", orderBy: "" },
].map((output) => ({ ...output, file: output.table }));

/**
 * The per-segment outputs, written only when there is a segment attribute (a `user_attributes` row, or
 * `segment_attributes` in the config).
 */
export const segmentAnalysisOutputs: ReadonlyArray<AnalysisOutput> = [
  {
    table: "int_experiment_unit_segments",
    orderBy: "experiment_id, user_id, segment_attribute",
    file: "int_experiment_unit_segments",
  },
  {
    table: "agg_experiment_metric_by_segment",
    orderBy: "experiment_id, metric_id, analysis_mode, segment_attribute, segment_value, variation_id",
    file: "agg_experiment_metric_by_segment",
  },
  { table: "fct_experiment_results_by_segment", orderBy: "", file: "experiment_results_by_segment" },
];

/** The identity map, written when identify rows were stitched. */
export const identityOutput: AnalysisOutput = {
  table: "dim_user_identity",
  orderBy: "anon_id",
  file: "dim_user_identity",
};
