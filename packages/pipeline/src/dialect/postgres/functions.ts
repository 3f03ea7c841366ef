import type { FunctionTable, LogicalType } from "../dialect.js";

const types: Record<LogicalType, string> = {
  text: "TEXT",
  double: "DOUBLE PRECISION",
  bigint: "BIGINT",
  integer: "INTEGER",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP",
  date: "DATE",
};

const string = (value: string) => `'${value.replaceAll("'", "''")}'`;
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * PostgreSQL spellings of the portable function table. Timestamps are `timestamp without time zone` holding UTC
 * (the session runs in UTC). Sums of doubles go through `numeric`, which is exact, and are rounded once.
 */
export const postgresFunctions: FunctionTable = {
  string,
  ident,
  timestamp: (epochMs) =>
    `TIMESTAMP ${string(new Date(epochMs).toISOString().replace("T", " ").replace("Z", ""))}`,
  bool: (value) => (value ? "true" : "false"),
  boolOf: (condition) => `(${condition})`,
  nullOf: (type) => `CAST(NULL AS ${types[type]})`,
  cast: (expression, type) => `CAST(${expression} AS ${types[type]})`,
  addDays: (timestamp, days) => `(${timestamp} + make_interval(days => CAST(${days} AS INTEGER)))`,
  dateOf: (timestamp) => `CAST(${timestamp} AS DATE)`,
  formatTimestamp: (timestamp) => `to_char(${timestamp}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
  least: (...expressions) => `least(${expressions.join(", ")})`,
  greatest: (...expressions) => `greatest(${expressions.join(", ")})`,
  // Like DuckDB's arg_min and ClickHouse's argMin, rows whose `arg` is NULL are skipped.
  argMin: (arg, keys) =>
    `(array_agg(${arg} ORDER BY ${keys.join(", ")}) FILTER (WHERE ${arg} IS NOT NULL))[1]`,
  preciseSum: (expression) => `CAST(sum(CAST(${expression} AS NUMERIC)) AS DOUBLE PRECISION)`,
  countDistinct: (expression) => `count(DISTINCT ${expression})`,
  createTableAs: (name, query) =>
    `DROP TABLE IF EXISTS ${ident(name)} CASCADE;\nCREATE UNLOGGED TABLE ${ident(name)} AS\n${query}`,
  createViewAs: (name, query) => `CREATE OR REPLACE VIEW ${ident(name)} AS\n${query}`,
  dropTable: (name) => `DROP TABLE IF EXISTS ${ident(name)}`,
};
