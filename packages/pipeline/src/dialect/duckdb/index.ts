import type { Dialect } from "../dialect.js";
import { duckdbCapabilities } from "./capabilities.js";
import { duckdbFunctions } from "./functions.js";

/**
 * The DuckDB dialect: the function table and capabilities the base models compile against.
 * @example const sql = compileModel(getModel("fact_assignment"), { dialect: duckdbDialect, config });
 */
export const duckdbDialect: Dialect = {
  name: "duckdb",
  functions: duckdbFunctions,
  capabilities: duckdbCapabilities,
};
