-- Environments and reviewed flag changes (issue 19, docs/server.md "Environments"). A flag's enabled state, kill
-- state, rollout, targeting and overrides are per environment; its type, values, dependencies and linked experiment
-- are the flag's own. Every team has `development`, `staging` and `production` (rows here only once a setting of
-- them changes) and may add more.
create table environment (
  owner_team text not null,
  environment_key text not null,
  name text not null,
  requires_review boolean not null default false,
  position integer not null default 100,
  created_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (owner_team, environment_key)
);

create table flag_environment (
  flag_key text not null references feature_flag (flag_key) on delete cascade,
  environment_key text not null,
  owner_team text not null,
  enabled boolean not null default false,
  killed boolean not null default false,
  rollout_percentage double precision not null default 0 check (rollout_percentage >= 0 and rollout_percentage <= 100),
  targeting jsonb not null default '{"include_segments": [], "exclude_segments": [], "condition": null}'::jsonb,
  overrides jsonb not null default '[]'::jsonb,
  updated_at timestamptz not null default now(),
  primary key (flag_key, environment_key)
);

-- Existing flags: every default environment starts as a copy of the flag as it was, so an SDK that asked for any
-- environment (it was only a label) serves exactly what it served before.
insert into flag_environment (flag_key, environment_key, owner_team, enabled, killed, rollout_percentage, targeting,
  updated_at)
select f.flag_key, e.environment_key, f.owner_team, f.enabled, f.killed, f.rollout_percentage,
  case when f.targeting = '{}'::jsonb
    then '{"include_segments": [], "exclude_segments": [], "condition": null}'::jsonb else f.targeting end,
  f.updated_at
from feature_flag f
cross join (values ('development'), ('staging'), ('production')) as e (environment_key);

alter table feature_flag drop column enabled;
alter table feature_flag drop column killed;
alter table feature_flag drop column rollout_percentage;
alter table feature_flag drop column targeting;

-- An experiment runs in one environment: only that environment's SDK payload carries it.
alter table experiment_registry add column environment text not null default 'production';

-- SDK keys: read one environment's payload only; a client key's payload leaves out server-only data.
alter table api_key add column environment text;
alter table api_key add column sdk_kind text check (sdk_kind in ('server', 'client'));
alter table api_key add constraint api_key_sdk_environment check ((sdk_kind is null) = (environment is null));

-- A proposed flag change in an environment that requires review: the full new state, the state it was proposed
-- against (a change of the flag since makes it stale), and who decided.
create table flag_change_request (
  change_request_id bigserial primary key,
  owner_team text not null,
  flag_key text not null references feature_flag (flag_key) on delete cascade,
  environment_key text not null,
  status text not null default 'open' check (status in ('open', 'applied', 'rejected')),
  comment text not null default '',
  proposed_by text not null,
  proposed_key_id text not null,
  proposed_at timestamptz not null default now(),
  base jsonb not null,
  proposed jsonb not null,
  decided_by text,
  decided_at timestamptz,
  decision_note text
);
create index flag_change_request_open on flag_change_request (owner_team, status, change_request_id desc);

grant select, insert, update, delete on environment, flag_environment, flag_change_request to assay_app;
grant usage on sequence flag_change_request_change_request_id_seq to assay_app;

alter table environment enable row level security;
alter table flag_environment enable row level security;
alter table flag_change_request enable row level security;

create policy team_rows on environment using (owner_team = current_setting('assay.team', true));
create policy team_rows on flag_environment using (owner_team = current_setting('assay.team', true));
create policy team_rows on flag_change_request using (owner_team = current_setting('assay.team', true));
