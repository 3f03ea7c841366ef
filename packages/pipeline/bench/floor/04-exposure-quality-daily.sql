-- Daily exposure health per experiment × UTC day: units by assignment day, exposure rows by exposure day (valid
-- and orphan rows need the row's unit, so the exposures are joined to the canonical units once more).
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
  SELECT e.experiment_id, CAST(e.t AS DATE) AS date_day,
    count(*) AS exposure_rows,
    count(*) FILTER (WHERE a.user_id IS NOT NULL AND e.t >= a.assignment_time_utc AND e.variant_id = a.variant_id
      AND e.t >= x.start_time_utc AND e.t < x.end_time_utc) AS valid_exposure_rows,
    count(*) FILTER (WHERE a.user_id IS NULL) AS orphan_exposure_rows
  FROM (SELECT experiment_id, user_id, variant_id, CAST(exposure_time_utc AS TIMESTAMP) AS t FROM {{exposures}}) e
  JOIN cfg_experiment x ON x.experiment_id = e.experiment_id
  LEFT JOIN f_fact_assignment a ON a.experiment_id = e.experiment_id AND a.user_id = e.user_id
  GROUP BY ALL
)
SELECT coalesce(a.experiment_id, e.experiment_id) AS experiment_id, coalesce(a.date_day, e.date_day) AS date_day,
  CAST(coalesce(a.assigned_units, 0) AS BIGINT) AS assigned_units,
  CAST(coalesce(a.exposed_units, 0) AS BIGINT) AS exposed_units,
  CASE WHEN a.assigned_units > 0 THEN CAST(a.exposed_units AS DOUBLE) / a.assigned_units END AS exposure_rate,
  CAST(coalesce(e.exposure_rows, 0) AS BIGINT) AS exposure_rows,
  CAST(coalesce(e.valid_exposure_rows, 0) AS BIGINT) AS valid_exposure_rows,
  CAST(coalesce(e.orphan_exposure_rows, 0) AS BIGINT) AS orphan_exposure_rows,
  CAST(coalesce(a.pre_assignment_exposure_units, 0) AS BIGINT) AS pre_assignment_exposure_units,
  CAST(coalesce(a.variant_mismatch_units, 0) AS BIGINT) AS variant_mismatch_units,
  CAST(coalesce(a.multi_variation_exposure_units, 0) AS BIGINT) AS multi_variation_exposure_units,
  CAST(coalesce(a.exposure_outside_window_units, 0) AS BIGINT) AS exposure_outside_window_units
FROM by_assignment_day a FULL JOIN by_exposure_day e ON e.experiment_id = a.experiment_id AND e.date_day = a.date_day;
CREATE OR REPLACE TEMP VIEW f_cohort AS
SELECT experiment_id, user_id, variant_id, assignment_time_utc, true AS in_itt, is_exposed AS in_exposed, is_exposed,
  first_exposure_time_utc,
  CASE WHEN is_exposed THEN first_exposure_time_utc ELSE assignment_time_utc END AS anchor_time_utc
FROM f_validation;
