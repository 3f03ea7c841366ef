-- Tenancy in the data plane (issue 16, docs/server.md "Tenancy"): teams, a platform owner role, a tracking plan per
-- team and erasures (tombstones) per team.

-- Teams the platform owner created (POST /api/teams). Teams that only exist through their keys predate this table.
create table team (
  team_key text primary key,
  name text not null,
  created_by text not null,
  created_at timestamptz not null default now()
);

-- The platform owner: the key printed at first start. It administers its own team and creates teams and erases a
-- user across all teams.
alter table api_key drop constraint if exists api_key_role_check;
alter table api_key add constraint api_key_role_check check (role in ('viewer', 'editor', 'reviewer', 'admin', 'owner'));
update api_key set role = 'owner' where name = 'bootstrap-admin' and role = 'admin';

-- A tracking plan per team. The plans published before this migration (owner_team '') stay the fallback of every
-- team that has not published its own.
alter table tracking_plan add column owner_team text not null default '';
alter table tracking_plan drop constraint tracking_plan_pkey;
alter table tracking_plan add primary key (owner_team, version);
alter table tracking_plan alter column owner_team drop default;

-- Tombstones per team: '*' is an erasure across all teams (the owner's, and every one made before this migration).
alter table user_tombstone add column owner_team text not null default '*';
alter table user_tombstone drop constraint user_tombstone_pkey;
alter table user_tombstone add primary key (owner_team, user_id);
alter table user_tombstone alter column owner_team drop default;

grant select on team to assay_app;
