-- Per-experiment assignment quality: a small aggregate of the per-unit counts above.
CREATE OR REPLACE TEMP TABLE f_assignment_quality AS
SELECT x.experiment_id,
  CAST(coalesce(sum(u.raw_rows), 0) AS BIGINT) AS raw_assignment_rows,
  CAST(coalesce(sum(u.unknown_rows), 0) AS BIGINT) AS unknown_variant_assignment_rows,
  CAST(coalesce(sum(u.outside_rows), 0) AS BIGINT) AS assignment_rows_outside_window,
  count(*) FILTER (WHERE u.assignment_rows > 0) AS canonical_units,
  count(*) FILTER (WHERE u.assignment_conflict) AS assignment_conflict_units
FROM cfg_experiment x LEFT JOIN f_units u ON u.experiment_id = x.experiment_id
GROUP BY x.experiment_id;
