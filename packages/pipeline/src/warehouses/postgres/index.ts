import { baseModels } from "../../models/models.js";
import { EngineUrlError } from "../engine-url-error.js";
import { eraseViaInformationSchema } from "../information-schema-eraser.js";
import type { Warehouse } from "../warehouse.js";
import { createPostgresBulkLoader } from "./bulk-loader.js";
import { connectPostgres } from "./connection.js";
import { postgresDialect, postgresFunctions } from "./sql-compiler.js";

/**
 * Opens PostgreSQL from `postgres://user:pass@host:5432/db[?schema=assay]`; every table lives in the schema.
 * @example const warehouse = await openPostgres("postgres://assay@db:5432/warehouse?schema=assay");
 */
export async function openPostgres(url: string): Promise<Warehouse> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EngineUrlError(`not a PostgreSQL URL: "${url}" (postgres://user@host:5432/db)`);
  }
  const schema = parsed.searchParams.get("schema") ?? "assay";
  parsed.searchParams.delete("schema");
  const connection = await connectPostgres({ url: parsed.toString(), schema });
  return {
    kind: "postgres",
    engine: connection,
    dialect: postgresDialect,
    loader: createPostgresBulkLoader(connection),
    models: baseModels,
    erase: (userId) => eraseViaInformationSchema(connection, postgresFunctions, userId),
    close: () => connection.close(),
  };
}
