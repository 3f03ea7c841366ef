import { createBaseFunctions, standardIdent as ident } from "../../sql/base-functions.js";
import type { Dialect, FunctionTable } from "../../sql/dialect.js";

/**
 * PostgreSQL spellings of the portable function table. Timestamps are `timestamp without time zone` holding UTC
 * (the session runs in UTC). Sums of doubles go through `numeric`, which is exact, and are rounded once.
 */
export const postgresFunctions: FunctionTable = {
  ...createBaseFunctions({
    types: {
      text: "TEXT",
      double: "DOUBLE PRECISION",
      bigint: "BIGINT",
      integer: "INTEGER",
      boolean: "BOOLEAN",
      timestamp: "TIMESTAMP",
      date: "DATE",
    },
  }),
  addDays: (timestamp, days) => `(${timestamp} + make_interval(days => CAST(${days} AS INTEGER)))`,
  formatTimestamp: (timestamp) => `to_char(${timestamp}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
  // Like DuckDB's arg_min and ClickHouse's argMin, rows whose `arg` is NULL are skipped.
  argMin: (arg, keys) =>
    `(array_agg(${arg} ORDER BY ${keys.join(", ")}) FILTER (WHERE ${arg} IS NOT NULL))[1]`,
  argMax: (arg, keys) =>
    `(array_agg(${arg} ORDER BY ${keys.map((key) => `${key} DESC NULLS LAST`).join(", ")}) FILTER (WHERE ${arg} IS NOT NULL))[1]`,
  byteOrder: (text) => `(${text} COLLATE "C")`,
  preciseSum: (expression) => `CAST(sum(CAST(${expression} AS NUMERIC)) AS DOUBLE PRECISION)`,
  createTableAs: (name, query) =>
    `DROP TABLE IF EXISTS ${ident(name)} CASCADE;\nCREATE UNLOGGED TABLE ${ident(name)} AS\n${query}`,
};

/**
 * The postgres SQL compiler the models compile against.
 * @example const sql = compileModel(getModel("fact_assignment"), { dialect: postgresDialect, config });
 */
export const postgresDialect: Dialect = { functions: postgresFunctions };
