-- Key management: a key is listed without its secret and revoked, never deleted (the audit log names it).
-- A revoked key answers 401 from then on; who revoked it and when stay on the row.
alter table api_key add column created_by text;
alter table api_key add column revoked_at timestamptz;
alter table api_key add column revoked_by text;
grant update (revoked_at, revoked_by) on api_key to assay_app;
