-- Canonical assignment (contract §1): the eligible rows (configured variant, time in [start, end)) grouped per unit;
-- the earliest row wins, ties to the smallest variant_id. (Measured: cheaper than one pass that also carries the
-- raw/unknown/outside counts per unit, because those need no per-unit groups: see 02.)
CREATE OR REPLACE TEMP TABLE f_fact_assignment AS
SELECT r.experiment_id, r.user_id,
  arg_min(r.variant_id, (r.t, r.variant_id)) AS variant_id,
  min(r.t) AS assignment_time_utc,
  min(r.variant_id) <> max(r.variant_id) AS assignment_conflict,
  count(*) AS assignment_rows
FROM (SELECT experiment_id, user_id, variant_id, CAST(assignment_time_utc AS TIMESTAMP) AS t FROM {{assignments}}) r
JOIN cfg_experiment x ON x.experiment_id = r.experiment_id
JOIN cfg_variant v ON v.experiment_id = r.experiment_id AND v.variant_id = r.variant_id
WHERE r.t >= x.start_time_utc AND r.t < x.end_time_utc
GROUP BY r.experiment_id, r.user_id;
