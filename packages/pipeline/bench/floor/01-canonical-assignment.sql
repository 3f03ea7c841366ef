-- Canonical assignment (contract §1): one GROUP BY per unit over the raw rows of configured experiments. The
-- earliest eligible row wins, ties to the smallest variant_id; the raw, unknown-variant and outside-window counts
-- ride along in the same pass, so the per-experiment quality needs no second scan of the raw rows.
CREATE OR REPLACE TEMP TABLE f_units AS
SELECT experiment_id, user_id,
  count(*) AS raw_rows,
  count(*) FILTER (WHERE NOT known) AS unknown_rows,
  count(*) FILTER (WHERE known AND NOT in_window) AS outside_rows,
  arg_min(variant_id, (t, variant_id)) FILTER (WHERE known AND in_window) AS variant_id,
  min(t) FILTER (WHERE known AND in_window) AS assignment_time_utc,
  min(variant_id) FILTER (WHERE known AND in_window) <> max(variant_id) FILTER (WHERE known AND in_window) AS assignment_conflict,
  count(*) FILTER (WHERE known AND in_window) AS assignment_rows
FROM (
  SELECT r.experiment_id, r.user_id, r.variant_id, CAST(r.assignment_time_utc AS TIMESTAMP) AS t,
    v.variant_id IS NOT NULL AS known,
    CAST(r.assignment_time_utc AS TIMESTAMP) >= x.start_time_utc AND CAST(r.assignment_time_utc AS TIMESTAMP) < x.end_time_utc AS in_window
  FROM {{assignments}} r
  JOIN cfg_experiment x ON x.experiment_id = r.experiment_id
  LEFT JOIN cfg_variant v ON v.experiment_id = r.experiment_id AND v.variant_id = r.variant_id
) r
GROUP BY experiment_id, user_id;
CREATE OR REPLACE TEMP VIEW f_fact_assignment AS
SELECT experiment_id, user_id, variant_id, assignment_time_utc, assignment_conflict, assignment_rows
FROM f_units WHERE assignment_rows > 0;
