import type { Dialect } from "../dialect.js";
import { postgresCapabilities } from "./capabilities.js";
import { postgresFunctions } from "./functions.js";

/**
 * The PostgreSQL dialect: the function table and capabilities the base models compile against.
 * @example const sql = compileModel(getModel("fact_assignment"), { dialect: postgresDialect, config });
 */
export const postgresDialect: Dialect = {
  name: "postgres",
  functions: postgresFunctions,
  capabilities: postgresCapabilities,
};
