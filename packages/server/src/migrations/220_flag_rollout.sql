-- Guarded rollouts (issue 19 part 3): a flag's rollout percentage follows a schedule of steps, watched by guardrail
-- metrics; a breach stops it and restores the flag as it was before the rollout. One schedule per (team, flag,
-- environment); a finished one (completed, stopped, cancelled) is replaced by the next.
create table flag_rollout (
  owner_team text not null default current_setting('assay.team', true),
  flag_key text not null,
  environment text not null default 'production',
  -- [{percentage, at}] in order: percentages increasing, times increasing.
  steps jsonb not null,
  -- [{metric_key, direction, threshold}] judged by the decision policy's always-valid guardrail rule.
  guardrails jsonb not null default '[]'::jsonb,
  alpha double precision not null default 0.05,
  status text not null check (status in ('scheduled', 'running', 'completed', 'stopped', 'cancelled')),
  -- Index of the last step applied (-1: none yet).
  current_step integer not null default -1,
  -- The flag's enabled / rollout_percentage / variation_value / killed before the first step (what a breach restores).
  before_state jsonb,
  -- Why it stopped: {code, metric?, variant?, values} (a guardrail breach, the flag killed or deleted).
  stop_reason jsonb,
  -- One entry per step applied or guardrail check: {step, percentage, at, guardrails: [...]}.
  history jsonb not null default '[]'::jsonb,
  created_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (owner_team, flag_key, environment)
);
create index flag_rollout_active on flag_rollout (status) where status in ('scheduled', 'running');
grant select, insert, update, delete on flag_rollout to assay_app;
alter table flag_rollout enable row level security;
create policy team_rows on flag_rollout using (owner_team = current_setting('assay.team', true));
