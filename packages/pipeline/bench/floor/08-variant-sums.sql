-- Per-variant sufficient statistics (itt and exposed) of the four metrics in one pass over cohort ⋈ measures,
-- then unpivoted to one row per experiment × metric × mode × variation (the shape the statistics engine reads).
CREATE OR REPLACE TEMP TABLE f_variant_sums AS
WITH u AS (
  SELECT c.experiment_id, c.variant_id, c.is_exposed,
    CAST(CASE WHEN coalesce(m.purchases, 0) > 0 THEN 1 ELSE 0 END AS DOUBLE) AS conv,
    CAST(coalesce(m.purchases, 0) AS DOUBLE) AS orders,
    coalesce(m.revenue, 0) AS rev,
    CAST(coalesce(m.sessions, 0) AS DOUBLE) AS sessions,
    coalesce(m.pre_revenue, 0) AS pre
  FROM f_cohort c LEFT JOIN f_measures m ON m.experiment_id = c.experiment_id AND m.user_id = c.user_id
)
SELECT experiment_id, mode.analysis_mode, variant_id, count(*) AS n,
  fsum(conv) AS conv, fsum(conv * conv) AS conv_sq,
  fsum(orders) AS orders, fsum(orders * orders) AS orders_sq,
  fsum(rev) AS rev, fsum(rev * rev) AS rev_sq,
  fsum(pre) AS pre, fsum(pre * pre) AS pre_sq, fsum(rev * pre) AS rev_pre,
  fsum(sessions) AS sessions, fsum(sessions * sessions) AS sessions_sq, fsum(rev * sessions) AS rev_sessions
FROM u JOIN (VALUES ('itt'), ('exposed')) mode(analysis_mode) ON mode.analysis_mode = 'itt' OR u.is_exposed
GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE f_agg AS
WITH s AS (
  SELECT experiment_id, analysis_mode, variant_id, n, 'conversion_7d' AS metric_id,
    conv AS sum_value, conv_sq AS sum_value_sq, NULL::DOUBLE AS sum_den, NULL::DOUBLE AS sum_den_sq, NULL::DOUBLE AS sum_value_den,
    NULL::DOUBLE AS sum_cov, NULL::DOUBLE AS sum_cov_sq, NULL::DOUBLE AS sum_value_cov FROM f_variant_sums
  UNION ALL SELECT experiment_id, analysis_mode, variant_id, n, 'orders_7d',
    orders, orders_sq, NULL, NULL, NULL, NULL, NULL, NULL FROM f_variant_sums
  UNION ALL SELECT experiment_id, analysis_mode, variant_id, n, 'revenue_7d',
    rev, rev_sq, NULL, NULL, NULL, pre, pre_sq, rev_pre FROM f_variant_sums
  UNION ALL SELECT experiment_id, analysis_mode, variant_id, n, 'revenue_per_session',
    rev, rev_sq, sessions, sessions_sq, rev_sessions, NULL, NULL, NULL FROM f_variant_sums
)
SELECT v.experiment_id, em.metric_id, mode.analysis_mode, v.variant_id AS variation_id, v.is_control,
  CAST(coalesce(s.n, 0) AS BIGINT) AS n,
  coalesce(s.sum_value, 0) AS sum_value, coalesce(s.sum_value_sq, 0) AS sum_value_sq,
  coalesce(s.sum_den, 0) AS sum_den, coalesce(s.sum_den_sq, 0) AS sum_den_sq, coalesce(s.sum_value_den, 0) AS sum_value_den,
  coalesce(s.sum_cov, 0) AS sum_cov, coalesce(s.sum_cov_sq, 0) AS sum_cov_sq, coalesce(s.sum_value_cov, 0) AS sum_value_cov
FROM cfg_variant v
JOIN cfg_experiment_metric em ON em.experiment_id = v.experiment_id
CROSS JOIN (VALUES ('itt'), ('exposed')) mode(analysis_mode)
LEFT JOIN s ON s.experiment_id = v.experiment_id AND s.metric_id = em.metric_id AND s.analysis_mode = mode.analysis_mode
  AND s.variant_id = v.variant_id;
