import type { Dialect } from "../dialect.js";
import { clickhouseCapabilities } from "./capabilities.js";
import { clickhouseFunctions } from "./functions.js";

/**
 * The ClickHouse dialect (18.16 through current releases). Models run through `clickhouseModels(baseModels)`,
 * which swaps in SQL for the shapes 18.16 cannot parse.
 * @example const sql = compileModel(clickhouseModels(baseModels)[1]!, { dialect: clickhouseDialect, config });
 */
export const clickhouseDialect: Dialect = {
  name: "clickhouse",
  functions: clickhouseFunctions,
  capabilities: clickhouseCapabilities,
};
