import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { AssayConfig } from "../config/assay-config.js";
import { inputTableNames, inputTables } from "../io/input-schema.js";
import { baseModels } from "../models/models.js";
import { loadConfigRelations, runModels } from "../models/run-models.js";
import type { Dialect } from "../sql/dialect.js";
import type { Engine } from "../sql/engine.js";
import type { BulkLoader } from "../warehouses/bulk-loader.js";
import { createDuckDbEngine } from "../warehouses/duckdb/connection.js";
import { duckdbFunctions as d, duckdbDialect } from "../warehouses/duckdb/sql-compiler.js";

/**
 * An embedded DuckDB holding every model as an empty table with exactly the columns and types the DuckDB path
 * produces, so warehouse tables copied into it export to the same CSV/Parquet files as `assay analyze`.
 * @example const shapes = await createOutputShapes(config); await unloadIntoDuckDb(target, dialect, shapes, "fact_assignment", tmp);
 */
export async function createOutputShapes(config: AssayConfig): Promise<Engine> {
  const duck = await createDuckDbEngine();
  try {
    for (const name of inputTableNames) {
      const spec = inputTables[name];
      const columns = [
        ...spec.text.map((c) => `${d.ident(c)} VARCHAR`),
        `${d.ident(spec.time)} TIMESTAMP`,
        ...(spec.optionalNumber ? [`${d.ident(spec.optionalNumber)} DOUBLE`] : []),
      ];
      await duck.run(`CREATE TABLE ${d.ident(spec.relation)} (${columns.join(", ")})`);
    }
    await loadConfigRelations(duck, duckdbDialect, config);
    await runModels({ engine: duck, dialect: duckdbDialect, config, models: baseModels, skipTests: true });
    return duck;
  } catch (error) {
    await duck.close();
    throw error;
  }
}

/**
 * Replaces DuckDB table `table` (shaped by {@link createOutputShapes}) with the rows of the warehouse table of the
 * same name, streamed through a temporary CSV in `workDir` (the warehouse's bulk unload path); returns the rows.
 * @example const rows = await unloadIntoDuckDb(target, postgresDialect, shapes, "fct_experiment_cohort", tmp);
 */
export async function unloadIntoDuckDb(
  target: BulkLoader,
  dialect: Dialect,
  duck: Engine,
  table: string,
  workDir: string,
): Promise<number> {
  const columns = await duck.query<{ column_name: string; column_type: string }>(
    `DESCRIBE ${d.ident(table)}`,
  );
  const w = dialect.functions;
  const path = join(workDir, `${table}.unload.csv`);
  await target.unloadCsv(
    `SELECT ${columns.map((c) => w.ident(c.column_name)).join(", ")} FROM ${w.ident(table)}`,
    path,
  );
  const types = columns.map((c) => `${d.string(c.column_name)}: ${d.string(c.column_type)}`).join(", ");
  try {
    await duck.run(`DROP VIEW IF EXISTS ${d.ident(table)}`).catch(() => undefined);
    await duck.run(
      `CREATE OR REPLACE TABLE ${d.ident(table)} AS SELECT * FROM read_csv(${d.string(path)}, header = false, auto_detect = false, nullstr = '\\N', quote = '"', escape = '"', columns = {${types}})`,
    );
  } finally {
    await rm(path, { force: true });
  }
  const [count] = await duck.query<{ n: number }>(`SELECT count(*) AS n FROM ${d.ident(table)}`);
  return count?.n ?? 0;
}
