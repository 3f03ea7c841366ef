-- Per-experiment assignment quality: one per-experiment aggregate of the raw rows (no per-unit groups) and one of
-- the canonical units.
CREATE OR REPLACE TEMP TABLE f_assignment_quality AS
WITH raw AS (
  SELECT r.experiment_id, count(*) AS raw_rows,
    count(*) FILTER (WHERE v.variant_id IS NULL) AS unknown_rows,
    count(*) FILTER (WHERE v.variant_id IS NOT NULL AND NOT (CAST(r.assignment_time_utc AS TIMESTAMP) >= x.start_time_utc
      AND CAST(r.assignment_time_utc AS TIMESTAMP) < x.end_time_utc)) AS outside_rows
  FROM {{assignments}} r
  JOIN cfg_experiment x ON x.experiment_id = r.experiment_id
  LEFT JOIN cfg_variant v ON v.experiment_id = r.experiment_id AND v.variant_id = r.variant_id
  GROUP BY r.experiment_id
), canonical AS (
  SELECT experiment_id, count(*) AS units, count(*) FILTER (WHERE assignment_conflict) AS conflicts
  FROM f_fact_assignment GROUP BY experiment_id
)
SELECT x.experiment_id,
  CAST(coalesce(raw.raw_rows, 0) AS BIGINT) AS raw_assignment_rows,
  CAST(coalesce(raw.unknown_rows, 0) AS BIGINT) AS unknown_variant_assignment_rows,
  CAST(coalesce(raw.outside_rows, 0) AS BIGINT) AS assignment_rows_outside_window,
  CAST(coalesce(canonical.units, 0) AS BIGINT) AS canonical_units,
  CAST(coalesce(canonical.conflicts, 0) AS BIGINT) AS assignment_conflict_units
FROM cfg_experiment x
LEFT JOIN raw ON raw.experiment_id = x.experiment_id
LEFT JOIN canonical ON canonical.experiment_id = x.experiment_id;
