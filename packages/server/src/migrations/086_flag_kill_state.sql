-- Whether a flag is off because of its kill switch (POST /api/flags/{key}/kill). Only such a flag can be restored:
-- "restore" on a flag created or saved disabled would otherwise switch on a flag nobody ever turned on.
alter table feature_flag add column killed boolean not null default false;
