-- Exposure validation (contract §2) and daily exposure health in ONE join: canonical units FULL JOIN the
-- exposures of configured experiments, aggregated by two grouping sets at once, per unit (rows without a unit are
-- orphans, left out) and per experiment × exposure day (rows without an exposure are units never exposed, left out).
CREATE OR REPLACE TEMP TABLE f_exposure_sets AS
WITH e AS (
  SELECT e.experiment_id, e.user_id, e.variant_id, CAST(e.exposure_time_utc AS TIMESTAMP) AS t
  FROM {{exposures}} e
  WHERE e.experiment_id IN (SELECT experiment_id FROM cfg_experiment)
), j AS (
  SELECT a.experiment_id AS unit_experiment_id, a.user_id AS unit_user_id, a.variant_id AS unit_variant_id,
    a.assignment_time_utc, a.assignment_conflict,
    e.experiment_id AS exposure_experiment_id, e.variant_id, e.t, e.user_id AS exposure_user_id,
    e.t >= x.start_time_utc AND e.t < x.end_time_utc AS in_window
  FROM f_fact_assignment a
  FULL JOIN e ON e.experiment_id = a.experiment_id AND e.user_id = a.user_id
  JOIN cfg_experiment x ON x.experiment_id = coalesce(a.experiment_id, e.experiment_id)
)
SELECT unit_experiment_id, unit_user_id, exposure_experiment_id, CAST(t AS DATE) AS date_day,
  GROUPING(unit_experiment_id, unit_user_id) = 0 AS is_unit_row,
  any_value(unit_variant_id) AS variant_id,
  any_value(assignment_time_utc) AS assignment_time_utc,
  any_value(assignment_conflict) AS assignment_conflict,
  count(exposure_user_id) AS exposure_count,
  coalesce(bool_or(t < assignment_time_utc), false) AS pre_assignment_exposure,
  coalesce(bool_or(variant_id <> unit_variant_id), false) AS variant_mismatch,
  coalesce(min(variant_id) <> max(variant_id), false) AS multi_variation_exposure,
  coalesce(bool_or(NOT in_window), false) AS exposure_outside_window,
  min(t) FILTER (WHERE t >= assignment_time_utc AND variant_id = unit_variant_id AND in_window) AS first_exposure_time_utc,
  count(*) FILTER (WHERE unit_user_id IS NOT NULL AND t >= assignment_time_utc AND variant_id = unit_variant_id AND in_window) AS valid_exposure_rows,
  count(*) FILTER (WHERE unit_user_id IS NULL) AS orphan_exposure_rows
FROM j
GROUP BY GROUPING SETS ((unit_experiment_id, unit_user_id), (exposure_experiment_id, CAST(t AS DATE)));
CREATE OR REPLACE TEMP TABLE f_validation AS
SELECT unit_experiment_id AS experiment_id, unit_user_id AS user_id, variant_id, assignment_time_utc, assignment_conflict,
  exposure_count, pre_assignment_exposure, variant_mismatch, multi_variation_exposure, exposure_outside_window,
  first_exposure_time_utc,
  first_exposure_time_utc IS NOT NULL AND NOT multi_variation_exposure AS is_exposed
FROM f_exposure_sets WHERE is_unit_row AND unit_experiment_id IS NOT NULL;
