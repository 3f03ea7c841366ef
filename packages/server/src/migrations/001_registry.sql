-- Registry of experiments, their variants and metrics contract (seed 002 `experiment_registry`, `experiment_variant`).
create table experiment_registry (
  experiment_key text primary key,
  name text not null,
  description text not null default '',
  hypothesis text not null default '',
  type text not null check (type in ('ab', 'feature')),
  owner_team text not null,
  status text not null default 'draft'
    check (status in ('draft', 'submitted', 'approved', 'running', 'paused', 'completed', 'archived')),
  targeting jsonb not null default '{}'::jsonb,
  start_at timestamptz,
  end_at timestamptz,
  minimum_sample_size integer,
  prereg_url text,
  power_analysis jsonb,
  assignment_salt text not null,
  assignment_seed bigint not null default 0,
  created_by text not null,
  submitted_by text,
  approved_by text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (end_at is null or start_at is null or end_at > start_at)
);

create table experiment_variant (
  experiment_key text not null references experiment_registry (experiment_key) on delete cascade,
  variant_key text not null,
  position integer not null,
  allocation_percent double precision not null check (allocation_percent >= 0 and allocation_percent <= 100),
  is_control boolean not null default false,
  description text not null default '',
  configuration jsonb not null default '{}'::jsonb,
  owner_team text not null,
  primary key (experiment_key, variant_key)
);

create table experiment_metric (
  experiment_key text not null references experiment_registry (experiment_key) on delete cascade,
  metric_key text not null,
  role text not null check (role in ('primary', 'secondary', 'guardrail')),
  direction text not null check (direction in ('increase', 'decrease')),
  threshold double precision,
  owner_team text not null,
  primary key (experiment_key, metric_key)
);

-- Metric definitions (metrics as code), segments and feature flags, each owned by a team.
create table metric_definition (
  metric_key text primary key,
  name text not null,
  owner_team text not null,
  definition jsonb not null,
  source text not null default 'api',
  updated_at timestamptz not null default now()
);

create table segment (
  segment_key text primary key,
  name text not null,
  owner_team text not null,
  conditions jsonb not null,
  is_active boolean not null default true,
  updated_at timestamptz not null default now()
);

create table feature_flag (
  flag_key text primary key,
  name text not null,
  description text not null default '',
  owner_team text not null,
  type text not null check (type in ('boolean', 'string', 'number', 'json')),
  default_value jsonb,
  enabled boolean not null default false,
  rollout_percentage double precision not null default 0 check (rollout_percentage >= 0 and rollout_percentage <= 100),
  variation_value jsonb,
  targeting jsonb not null default '{}'::jsonb,
  dependencies jsonb not null default '[]'::jsonb,
  experiment_key text references experiment_registry (experiment_key) on delete set null,
  updated_at timestamptz not null default now()
);

-- API keys: only a SHA-256 of the secret is stored.
create table api_key (
  key_id text primary key,
  key_hash text not null unique,
  owner_team text not null,
  role text not null check (role in ('viewer', 'editor', 'reviewer', 'admin')),
  name text not null,
  created_at timestamptz not null default now()
);

-- Append-only audit log: who, when, before, after. Updates and deletes are refused by trigger.
create table audit_log (
  audit_id bigserial primary key,
  at timestamptz not null default now(),
  actor text not null,
  owner_team text not null,
  entity_type text not null,
  entity_key text not null,
  action text not null,
  before jsonb,
  after jsonb
);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end $$;

create trigger audit_log_no_update before update or delete on audit_log
  for each statement execute function audit_log_append_only();

-- First assignment of each user to each experiment, exactly once.
create table assignment (
  seq bigserial unique,
  experiment_key text not null,
  user_id text not null,
  variant_key text not null,
  assigned_at timestamptz not null default now(),
  primary key (experiment_key, user_id)
);

-- Versioned tracking plan for the collector.
create table tracking_plan (
  version integer primary key,
  plan jsonb not null,
  created_by text not null,
  created_at timestamptz not null default now()
);

-- Row-level security by owner_team (seed 002): team-scoped requests run as role assay_app
-- with the setting assay.team; a row of another team is invisible and cannot be written.
do $$ begin
  if not exists (select 1 from pg_roles where rolname = 'assay_app') then
    create role assay_app nologin;
  end if;
end $$;

grant select, insert, update, delete on experiment_registry, experiment_variant, experiment_metric,
  metric_definition, segment, feature_flag to assay_app;
grant select, insert on audit_log, tracking_plan, api_key to assay_app;
grant select, insert, update on assignment to assay_app;
grant usage on sequence audit_log_audit_id_seq, assignment_seq_seq to assay_app;

alter table experiment_registry enable row level security;
alter table experiment_variant enable row level security;
alter table experiment_metric enable row level security;
alter table metric_definition enable row level security;
alter table segment enable row level security;
alter table feature_flag enable row level security;
alter table audit_log enable row level security;

create policy team_rows on experiment_registry using (owner_team = current_setting('assay.team', true));
create policy team_rows on experiment_variant using (owner_team = current_setting('assay.team', true));
create policy team_rows on experiment_metric using (owner_team = current_setting('assay.team', true));
create policy team_rows on metric_definition using (owner_team = current_setting('assay.team', true));
-- Metric definitions are shared vocabulary: every team reads them, only the owner changes them.
create policy shared_read on metric_definition for select using (true);
create policy team_rows on segment using (owner_team = current_setting('assay.team', true));
create policy team_rows on feature_flag using (owner_team = current_setting('assay.team', true));
create policy team_rows on audit_log using (owner_team = current_setting('assay.team', true));
