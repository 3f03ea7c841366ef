import { createBaseFunctions, standardIdent as ident } from "../../sql/base-functions.js";
import type { Dialect, FunctionTable } from "../../sql/dialect.js";

/** DuckDB spellings of the portable function table. Timestamps are naive TIMESTAMP holding UTC. */
export const duckdbFunctions: FunctionTable = {
  ...createBaseFunctions({
    types: {
      text: "VARCHAR",
      double: "DOUBLE",
      bigint: "BIGINT",
      integer: "INTEGER",
      boolean: "BOOLEAN",
      timestamp: "TIMESTAMP",
      date: "DATE",
    },
  }),
  addDays: (timestamp, days) => `(${timestamp} + to_days(CAST(${days} AS INTEGER)))`,
  formatTimestamp: (timestamp) => `strftime(${timestamp}, '%Y-%m-%dT%H:%M:%SZ')`,
  argMin: (arg, keys) => `arg_min(${arg}, {${keys.map((key, i) => `'k${i}': ${key}`).join(", ")}})`,
  argMax: (arg, keys) => `arg_max(${arg}, {${keys.map((key, i) => `'k${i}': ${key}`).join(", ")}})`,
  preciseSum: (expression) => `fsum(${expression})`,
  createTableAs: (name, query) => `CREATE OR REPLACE TABLE ${ident(name)} AS\n${query}`,
};

/**
 * The duckdb SQL compiler the models compile against.
 * @example const sql = compileModel(getModel("fact_assignment"), { dialect: duckdbDialect, config });
 */
export const duckdbDialect: Dialect = { functions: duckdbFunctions };
