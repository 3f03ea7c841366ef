import type { ModelDefinition } from "../model/model.js";
import { baseModels } from "./base/models.js";
import { clickhouseModels } from "./clickhouse/models.js";
import type { Dialect } from "./dialect.js";

/**
 * The models as a dialect runs them (ClickHouse swaps in SQL for shapes 18.16 cannot parse).
 * @example const models = modelsForDialect(postgresDialect);
 */
export function modelsForDialect(dialect: Dialect): ReadonlyArray<ModelDefinition> {
  return dialect.name === "clickhouse" ? clickhouseModels(baseModels) : baseModels;
}
