-- Daily exposure health per experiment × UTC day: the exposure-day grouping set above plus a small GROUP BY of the
-- units by assignment day.
CREATE OR REPLACE TEMP TABLE f_quality_daily AS
WITH by_assignment_day AS (
  SELECT experiment_id, CAST(assignment_time_utc AS DATE) AS date_day,
    count(*) AS assigned_units,
    count(*) FILTER (WHERE is_exposed) AS exposed_units,
    count(*) FILTER (WHERE pre_assignment_exposure) AS pre_assignment_exposure_units,
    count(*) FILTER (WHERE variant_mismatch) AS variant_mismatch_units,
    count(*) FILTER (WHERE multi_variation_exposure) AS multi_variation_exposure_units,
    count(*) FILTER (WHERE exposure_outside_window) AS exposure_outside_window_units
  FROM f_validation GROUP BY ALL
), by_exposure_day AS (
  SELECT exposure_experiment_id AS experiment_id, date_day,
    CAST(sum(exposure_count) AS BIGINT) AS exposure_rows,
    CAST(sum(valid_exposure_rows) AS BIGINT) AS valid_exposure_rows,
    CAST(sum(orphan_exposure_rows) AS BIGINT) AS orphan_exposure_rows
  FROM f_exposure_sets
  WHERE NOT is_unit_row AND exposure_experiment_id IS NOT NULL
  GROUP BY ALL
)
SELECT coalesce(a.experiment_id, e.experiment_id) AS experiment_id, coalesce(a.date_day, e.date_day) AS date_day,
  coalesce(a.assigned_units, 0) AS assigned_units,
  coalesce(a.exposed_units, 0) AS exposed_units,
  CASE WHEN a.assigned_units > 0 THEN CAST(a.exposed_units AS DOUBLE) / a.assigned_units END AS exposure_rate,
  coalesce(e.exposure_rows, 0) AS exposure_rows,
  coalesce(e.valid_exposure_rows, 0) AS valid_exposure_rows,
  coalesce(e.orphan_exposure_rows, 0) AS orphan_exposure_rows,
  coalesce(a.pre_assignment_exposure_units, 0) AS pre_assignment_exposure_units,
  coalesce(a.variant_mismatch_units, 0) AS variant_mismatch_units,
  coalesce(a.multi_variation_exposure_units, 0) AS multi_variation_exposure_units,
  coalesce(a.exposure_outside_window_units, 0) AS exposure_outside_window_units
FROM by_assignment_day a FULL JOIN by_exposure_day e ON e.experiment_id = a.experiment_id AND e.date_day = a.date_day;
CREATE OR REPLACE TEMP VIEW f_cohort AS
SELECT experiment_id, user_id, variant_id, assignment_time_utc, true AS in_itt, is_exposed AS in_exposed, is_exposed,
  first_exposure_time_utc,
  CASE WHEN is_exposed THEN first_exposure_time_utc ELSE assignment_time_utc END AS anchor_time_utc
FROM f_validation;
