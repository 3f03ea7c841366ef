-- `assay analyze`'s outputs: the same CSVs (times as YYYY-MM-DDTHH:MM:SSZ, empty for null), in the same row order.
COPY (SELECT experiment_id, user_id, variant_id, strftime(assignment_time_utc, '%Y-%m-%dT%H:%M:%SZ') AS assignment_time_utc,
    assignment_conflict, assignment_rows
  FROM f_fact_assignment ORDER BY experiment_id, user_id) TO {{csv:fact_assignment}} (FORMAT csv, HEADER true, NULLSTR '');
COPY (SELECT experiment_id, user_id, variant_id, strftime(assignment_time_utc, '%Y-%m-%dT%H:%M:%SZ') AS assignment_time_utc,
    assignment_conflict, exposure_count, pre_assignment_exposure, variant_mismatch, multi_variation_exposure,
    exposure_outside_window, strftime(first_exposure_time_utc, '%Y-%m-%dT%H:%M:%SZ') AS first_exposure_time_utc, is_exposed
  FROM f_validation ORDER BY experiment_id, user_id) TO {{csv:int_experiment_exposure_validation}} (FORMAT csv, HEADER true, NULLSTR '');
COPY (SELECT * FROM f_quality_daily ORDER BY experiment_id, date_day)
  TO {{csv:fct_experiment_exposure_quality_daily}} (FORMAT csv, HEADER true, NULLSTR '');
COPY (SELECT experiment_id, user_id, variant_id, strftime(assignment_time_utc, '%Y-%m-%dT%H:%M:%SZ') AS assignment_time_utc,
    in_itt, in_exposed, is_exposed, strftime(first_exposure_time_utc, '%Y-%m-%dT%H:%M:%SZ') AS first_exposure_time_utc,
    strftime(anchor_time_utc, '%Y-%m-%dT%H:%M:%SZ') AS anchor_time_utc
  FROM f_cohort ORDER BY experiment_id, user_id) TO {{csv:fct_experiment_cohort}} (FORMAT csv, HEADER true, NULLSTR '');
COPY (SELECT * FROM f_unit_outcomes ORDER BY experiment_id, metric_id, user_id)
  TO {{csv:fct_experiment_unit_outcomes}} (FORMAT csv, HEADER true, NULLSTR '');
COPY (SELECT * FROM f_agg ORDER BY experiment_id, metric_id, analysis_mode, variation_id)
  TO {{csv:agg_experiment_metric_by_variant}} (FORMAT csv, HEADER true, NULLSTR '');
