-- First assignments live in the lake's raw/assignments (written by the compactor from the write-ahead log) and
-- the server rebuilds its logged pairs from there. The registry copy cost each first assignment an insert on the
-- request thread (embedded PGlite) and held nothing the lake does not.
drop table if exists assignment;
