/** One row of `fct_experiment_exposure_quality_daily` (the dashboard's "exposure health per day"). */
export interface ExposureQualityDay {
  readonly date_day: string;
  readonly assigned_units: number;
  readonly exposed_units: number;
  readonly exposure_rate: number | null;
  readonly exposure_rows: number;
  readonly valid_exposure_rows: number;
  readonly orphan_exposure_rows: number;
  readonly pre_assignment_exposure_units: number;
  readonly variant_mismatch_units: number;
  readonly multi_variation_exposure_units: number;
  readonly exposure_outside_window_units: number;
}

/** The comparison columns of one `fct_experiment_results` row of one results partition. */
export interface PartitionResultRow {
  readonly dt: string;
  readonly experiment_id: string;
  readonly metric_id: string;
  readonly analysis_mode: "itt" | "exposed";
  readonly variation_id: string;
  readonly is_control: boolean;
  readonly n_users: number;
  readonly uplift_abs: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
}

/** One `agg_experiment_metric_by_variant` row: a variant's sufficient statistics of one metric and mode. */
export interface VariantAggregateRow {
  readonly experiment_id: string;
  readonly metric_id: string;
  readonly analysis_mode: string;
  readonly variation_id: string;
  readonly n: number;
  readonly sum_value: number | null;
  readonly sum_value_sq: number | null;
  readonly sum_den: number | null;
  readonly sum_den_sq: number | null;
  readonly sum_value_den: number | null;
}
