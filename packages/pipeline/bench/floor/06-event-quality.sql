-- Raw and duplicate event rows: the row count of the input (Parquet metadata) and the duplicates found above.
CREATE OR REPLACE TEMP TABLE f_event_quality AS
SELECT CAST(r.n AS BIGINT) AS raw_event_rows,
  CAST(r.n - d.extra AS BIGINT) AS distinct_events,
  CAST(d.extra AS BIGINT) AS duplicate_event_rows
FROM (SELECT count(*) AS n FROM {{events}}) r
CROSS JOIN (SELECT coalesce(sum(copies - 1), 0) AS extra FROM f_duplicate_events) d;
