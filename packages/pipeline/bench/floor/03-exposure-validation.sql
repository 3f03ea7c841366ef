-- Exposure validation (contract §2): the exposures of configured experiments joined to their canonical unit and
-- grouped per unit, then units without exposures added back. (Measured: cheaper than one FULL JOIN aggregated by
-- two grouping sets, per unit and per exposure day.)
CREATE OR REPLACE TEMP TABLE f_validation AS
WITH flags AS (
  SELECT a.experiment_id, a.user_id,
    count(*) AS exposure_count,
    bool_or(e.t < a.assignment_time_utc) AS pre_assignment_exposure,
    bool_or(e.variant_id <> a.variant_id) AS variant_mismatch,
    min(e.variant_id) <> max(e.variant_id) AS multi_variation_exposure,
    bool_or(e.t < x.start_time_utc OR e.t >= x.end_time_utc) AS exposure_outside_window,
    min(e.t) FILTER (WHERE e.t >= a.assignment_time_utc AND e.variant_id = a.variant_id
      AND e.t >= x.start_time_utc AND e.t < x.end_time_utc) AS first_exposure_time_utc
  FROM f_fact_assignment a
  JOIN cfg_experiment x ON x.experiment_id = a.experiment_id
  JOIN (SELECT experiment_id, user_id, variant_id, CAST(exposure_time_utc AS TIMESTAMP) AS t FROM {{exposures}}) e
    ON e.experiment_id = a.experiment_id AND e.user_id = a.user_id
  GROUP BY a.experiment_id, a.user_id
)
SELECT a.experiment_id, a.user_id, a.variant_id, a.assignment_time_utc, a.assignment_conflict,
  coalesce(g.exposure_count, 0) AS exposure_count,
  coalesce(g.pre_assignment_exposure, false) AS pre_assignment_exposure,
  coalesce(g.variant_mismatch, false) AS variant_mismatch,
  coalesce(g.multi_variation_exposure, false) AS multi_variation_exposure,
  coalesce(g.exposure_outside_window, false) AS exposure_outside_window,
  g.first_exposure_time_utc,
  g.first_exposure_time_utc IS NOT NULL AND NOT g.multi_variation_exposure AS is_exposed
FROM f_fact_assignment a
LEFT JOIN flags g ON g.experiment_id = a.experiment_id AND g.user_id = a.user_id;
