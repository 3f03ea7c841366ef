-- Data lifecycle (docs/privacy.md): DSAR tombstones and the retention job's record.

-- One row per erased user: events that arrive later for this id are dropped by the collector.
create table user_tombstone (
  user_id text primary key,
  erased_at timestamptz not null default now(),
  erased_by text not null
);

-- Each retention run: the policy it applied and exactly what it removed.
create table retention_run (
  run_id bigserial primary key,
  ran_at timestamptz not null default now(),
  policy jsonb not null,
  removed jsonb not null
);
