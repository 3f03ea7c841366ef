import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { identifyTableName } from "../identity/identify-input.js";
import type { Engine } from "../sql/engine.js";
import { duckdbFunctions as f } from "../warehouses/duckdb/sql-compiler.js";
import { InputError, inputTableNames } from "./input-schema.js";

/** A table name a data file may give: a plain SQL identifier that is not the pipeline's own (`raw_`, `cfg_`, models). */
const plainName = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const reservedPrefixes = ["raw_", "cfg_", "stg_", "int_", "fct_", "fact_", "agg_", "dim_", "__"];

/**
 * Loads every CSV/Parquet file of a data folder that is not a canonical input (`assignments`, `events`, …) as a
 * DuckDB table named by its file stem (`orders.csv` → `orders`), for SQL-defined metric sources (docs/metrics.md).
 * Column types are DuckDB's detection; time columns holding ISO 8601 UTC text become timestamps.
 * @example await loadExtraTables(engine, "data"); // orders.csv → table orders
 */
export async function loadExtraTables(engine: Engine, dataDir: string): Promise<ReadonlyArray<string>> {
  const known = new Set<string>([...inputTableNames, identifyTableName]);
  const loaded: string[] = [];
  for (const name of readdirSync(dataDir).sort()) {
    const format = name.endsWith(".csv") ? "csv" : name.endsWith(".parquet") ? "parquet" : null;
    const path = join(dataDir, name);
    if (format === null || !statSync(path).isFile()) continue;
    const stem = name.slice(0, -(format.length + 1));
    if (known.has(stem)) continue;
    if (!plainName.test(stem) || reservedPrefixes.some((p) => stem.toLowerCase().startsWith(p))) {
      throw new InputError(
        `${path}: "${stem}" cannot be a table name (a letter or _ then letters, digits or _, not starting with ${reservedPrefixes.join(", ")})`,
        { file: path },
      );
    }
    const scan =
      format === "csv"
        ? `read_csv(${f.string(path)}, header = true, auto_detect = true)`
        : `read_parquet(${f.string(path)})`;
    try {
      await engine.run(`CREATE OR REPLACE TABLE ${f.ident(stem)} AS SELECT * FROM ${scan}`);
    } catch (cause) {
      throw new InputError(`${path}: cannot read as ${format}: ${(cause as Error).message}`, { file: path });
    }
    loaded.push(stem);
  }
  return loaded;
}
