-- Outcome windows (contract §4): per unit, purchases and revenue in [anchor, anchor + 7 days), sessions in the same
-- window, revenue in [assignment − 14 days, assignment) for CUPED; one join of the cohort with the de-duplicated
-- purchase and session events, bounded by the widest window.
CREATE OR REPLACE TEMP TABLE f_measures AS
WITH ev AS (
  SELECT user_id, event_name, CAST(event_time_utc AS TIMESTAMP) AS t, value
  FROM {{events}}
  WHERE event_name IN ('purchase', 'session_start')
    AND event_id NOT IN (SELECT event_id FROM f_duplicate_events)
  UNION ALL
  SELECT user_id, event_name, event_time_utc, value FROM f_duplicate_events
  WHERE event_name IN ('purchase', 'session_start')
), c AS (
  SELECT experiment_id, user_id, assignment_time_utc, anchor_time_utc,
    anchor_time_utc + INTERVAL 7 DAY AS post_end, assignment_time_utc - INTERVAL 14 DAY AS pre_start
  FROM f_cohort
)
SELECT c.experiment_id, c.user_id,
  count(*) FILTER (WHERE ev.event_name = 'purchase' AND ev.t >= c.anchor_time_utc AND ev.t < c.post_end) AS purchases,
  fsum(CASE WHEN ev.event_name = 'purchase' AND ev.t >= c.anchor_time_utc AND ev.t < c.post_end THEN coalesce(ev.value, 0) ELSE 0 END) AS revenue,
  count(*) FILTER (WHERE ev.event_name = 'session_start' AND ev.t >= c.anchor_time_utc AND ev.t < c.post_end) AS sessions,
  fsum(CASE WHEN ev.event_name = 'purchase' AND ev.t >= c.pre_start AND ev.t < c.assignment_time_utc THEN coalesce(ev.value, 0) ELSE 0 END) AS pre_revenue
FROM c JOIN ev ON ev.user_id = c.user_id AND ev.t >= c.pre_start AND ev.t < c.post_end
GROUP BY c.experiment_id, c.user_id;
CREATE OR REPLACE TEMP VIEW f_unit_outcomes AS
SELECT c.experiment_id, c.user_id, m.metric_id, c.variant_id, c.is_exposed,
  CAST(CASE m.metric_id
    WHEN 'conversion_7d' THEN CASE WHEN coalesce(u.purchases, 0) > 0 THEN 1 ELSE 0 END
    WHEN 'orders_7d' THEN coalesce(u.purchases, 0)
    ELSE coalesce(u.revenue, 0) END AS DOUBLE) AS value,
  CASE WHEN m.metric_id = 'revenue_per_session' THEN CAST(coalesce(u.sessions, 0) AS DOUBLE) END AS denominator,
  CASE WHEN m.metric_id = 'revenue_7d' THEN CAST(coalesce(u.pre_revenue, 0) AS DOUBLE) END AS covariate
FROM f_cohort c
JOIN cfg_experiment_metric m ON m.experiment_id = c.experiment_id
LEFT JOIN f_measures u ON u.experiment_id = c.experiment_id AND u.user_id = c.user_id;
