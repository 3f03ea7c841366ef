-- Inputs (contract: bad input stops the run): one counting pass per table over the rows a model would reject,
-- a missing key or an unparseable time. The run stops when any count is not zero.
SELECT
  (SELECT count(*) FROM {{assignments}}
    WHERE experiment_id IS NULL OR trim(experiment_id) = '' OR user_id IS NULL OR trim(user_id) = ''
       OR variant_id IS NULL OR trim(variant_id) = '' OR assignment_time_utc IS NULL)
  + (SELECT count(*) FROM {{exposures}}
    WHERE experiment_id IS NULL OR trim(experiment_id) = '' OR user_id IS NULL OR trim(user_id) = ''
       OR variant_id IS NULL OR trim(variant_id) = '' OR exposure_time_utc IS NULL)
  + (SELECT count(*) FROM {{events}}
    WHERE event_id IS NULL OR trim(event_id) = '' OR user_id IS NULL OR trim(user_id) = ''
       OR event_name IS NULL OR trim(event_name) = '' OR event_time_utc IS NULL) AS bad_rows;
