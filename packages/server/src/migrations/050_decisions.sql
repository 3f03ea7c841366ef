-- Decisions (issue #6): scheduled pipeline runs, monitor state, fail-closed guards, notification routes.

-- Per-experiment decision settings; absent = defaults (hourly + nightly, Pocock, 5 equally spaced looks).
create table decision_config (
  experiment_key text primary key references experiment_registry (experiment_key) on delete cascade,
  owner_team text not null,
  config jsonb not null,
  updated_at timestamptz not null default now()
);

-- Every scheduled (or manual) run: inputs, duration, outcome; one row per attempt.
create table decision_run (
  run_id bigserial primary key,
  experiment_key text not null,
  owner_team text not null,
  schedule text not null,
  attempt integer not null,
  started_at timestamptz not null,
  finished_at timestamptz,
  duration_ms integer,
  status text not null check (status in ('running', 'succeeded', 'failed')),
  inputs jsonb not null default '{}'::jsonb,
  outcome jsonb,
  error text
);
create index decision_run_by_experiment on decision_run (experiment_key, run_id desc);

-- What the monitors carry between runs, and the latest decision.
create table decision_state (
  experiment_key text primary key references experiment_registry (experiment_key) on delete cascade,
  owner_team text not null,
  state jsonb not null,
  decision jsonb,
  updated_at timestamptz not null default now()
);

-- Fail-closed guard: while active, the SDK payload serves control to everyone.
create table experiment_guard (
  experiment_key text primary key references experiment_registry (experiment_key) on delete cascade,
  owner_team text not null,
  active boolean not null,
  reason jsonb not null,
  tripped_at timestamptz not null default now(),
  tripped_by text not null,
  cleared_at timestamptz,
  cleared_by text,
  clear_reason text
);

-- Which events notify whom, per team.
create table notification_route (
  owner_team text not null,
  route_id text not null,
  events text[] not null,
  channel text not null check (channel in ('webhook', 'email')),
  target text not null,
  secret text,
  primary key (owner_team, route_id)
);

grant select, insert, update, delete on decision_config, decision_state, experiment_guard, notification_route
  to assay_app;
grant select, insert, update on decision_run to assay_app;
grant usage on sequence decision_run_run_id_seq to assay_app;

alter table decision_config enable row level security;
alter table decision_run enable row level security;
alter table decision_state enable row level security;
alter table experiment_guard enable row level security;
alter table notification_route enable row level security;

create policy team_rows on decision_config using (owner_team = current_setting('assay.team', true));
create policy team_rows on decision_run using (owner_team = current_setting('assay.team', true));
create policy team_rows on decision_state using (owner_team = current_setting('assay.team', true));
create policy team_rows on experiment_guard using (owner_team = current_setting('assay.team', true));
create policy team_rows on notification_route using (owner_team = current_setting('assay.team', true));
