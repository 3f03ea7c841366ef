import { baseModels } from "../../models/models.js";
import { eraseViaInformationSchema } from "../information-schema-eraser.js";
import type { Warehouse } from "../warehouse.js";
import { createDuckDbEngine, type DuckDbEngineOptions } from "./connection.js";
import { duckdbDialect, duckdbFunctions } from "./sql-compiler.js";

/**
 * The embedded DuckDB warehouse: in memory (or a file), reading input files directly, so it has no bulk loader.
 * @example const warehouse = await createDuckDbWarehouse({ memoryLimit: "4GB" });
 */
export async function createDuckDbWarehouse(options: DuckDbEngineOptions = {}): Promise<Warehouse> {
  const engine = await createDuckDbEngine(options);
  return {
    kind: "duckdb",
    engine,
    dialect: duckdbDialect,
    loader: null,
    models: baseModels,
    erase: (userId) => eraseViaInformationSchema(engine, duckdbFunctions, userId),
    close: () => engine.close(),
  };
}
