-- Decisions you can peek at (issue #15): new experiments default to the always-valid method; experiments that
-- existed before keep the group-sequential looks they were planned and preregistered with.
insert into decision_config (experiment_key, owner_team, config)
select e.experiment_key, e.owner_team, '{"method": "group_sequential"}'::jsonb
from experiment_registry e
where not exists (select 1 from decision_config c where c.experiment_key = e.experiment_key);

update decision_config set config = config || '{"method": "group_sequential"}'::jsonb
where not (config ? 'method');
