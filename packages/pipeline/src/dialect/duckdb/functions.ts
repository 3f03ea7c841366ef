import type { FunctionTable, LogicalType } from "../dialect.js";

const types: Record<LogicalType, string> = {
  text: "VARCHAR",
  double: "DOUBLE",
  bigint: "BIGINT",
  integer: "INTEGER",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP",
  date: "DATE",
};

const string = (value: string) => `'${value.replaceAll("'", "''")}'`;
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** DuckDB spellings of the portable function table. Timestamps are naive TIMESTAMP holding UTC. */
export const duckdbFunctions: FunctionTable = {
  string,
  ident,
  timestamp: (epochMs) =>
    `TIMESTAMP ${string(new Date(epochMs).toISOString().replace("T", " ").replace("Z", ""))}`,
  bool: (value) => (value ? "true" : "false"),
  boolOf: (condition) => `(${condition})`,
  nullOf: (type) => `CAST(NULL AS ${types[type]})`,
  cast: (expression, type) => `CAST(${expression} AS ${types[type]})`,
  addDays: (timestamp, days) => `(${timestamp} + to_days(CAST(${days} AS INTEGER)))`,
  dateOf: (timestamp) => `CAST(${timestamp} AS DATE)`,
  formatTimestamp: (timestamp) => `strftime(${timestamp}, '%Y-%m-%dT%H:%M:%SZ')`,
  least: (...expressions) => `least(${expressions.join(", ")})`,
  greatest: (...expressions) => `greatest(${expressions.join(", ")})`,
  argMin: (arg, keys) => `arg_min(${arg}, {${keys.map((key, i) => `'k${i}': ${key}`).join(", ")}})`,
  preciseSum: (expression) => `fsum(${expression})`,
  countDistinct: (expression) => `count(DISTINCT ${expression})`,
  createTableAs: (name, query) => `CREATE OR REPLACE TABLE ${ident(name)} AS\n${query}`,
  createViewAs: (name, query) => `CREATE OR REPLACE VIEW ${ident(name)} AS\n${query}`,
  dropTable: (name) => `DROP TABLE IF EXISTS ${ident(name)}`,
};
