-- De-duplication by event_id (contract §4, the earliest row wins): one counting pass finds the event_ids that
-- repeat; only those are resolved, every other row passes through untouched.
CREATE OR REPLACE TEMP TABLE f_duplicate_events AS
SELECT event_id, count(*) AS copies,
  arg_min(user_id, t) AS user_id, arg_min(event_name, t) AS event_name, min(t) AS event_time_utc, arg_min(value, t) AS value
FROM (SELECT event_id, user_id, event_name, CAST(event_time_utc AS TIMESTAMP) AS t, value FROM {{events}}) ev
WHERE event_id IN (SELECT event_id FROM {{events}} GROUP BY event_id HAVING count(*) > 1)
GROUP BY event_id;
