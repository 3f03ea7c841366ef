import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AssayConfig } from "../config/assay-config.js";
import { createOutputShapes, unloadIntoDuckDb } from "../load/unload-warehouse.js";
import type { ResultRow } from "../results/compute-results.js";
import type { SegmentResultRow } from "../results/compute-segment-results.js";
import { materializeResults, materializeSegmentResults } from "../results/results-table.js";
import type { Engine } from "../sql/engine.js";
import { duckdbDialect } from "../warehouses/duckdb/sql-compiler.js";
import type { Warehouse } from "../warehouses/warehouse.js";

/** Computed rows a sink may export besides the model tables. */
export interface ComputedResults {
  readonly results: ReadonlyArray<ResultRow>;
  readonly segmentResults: ReadonlyArray<SegmentResultRow>;
}

/**
 * A DuckDB the sinks export from (CSV and Parquet are written by DuckDB): the warehouse itself when it is the
 * embedded DuckDB, else a DuckDB holding every model's exact output shape into which each table is unloaded
 * through the warehouse's bulk path just before it is written.
 */
export interface LocalTables {
  readonly engine: Engine;
  /** Makes `table` readable in `engine` (results tables from the computed rows). */
  ensure(table: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens the export side for a warehouse; close it after writing. */
export async function openLocalTables(
  warehouse: Warehouse,
  config: AssayConfig,
  computed: () => ComputedResults,
): Promise<LocalTables> {
  const fromRows = async (engine: Engine, table: string) => {
    if (table === "fct_experiment_results") {
      await materializeResults(engine, duckdbDialect, computed().results);
      return true;
    }
    if (table === "fct_experiment_results_by_segment") {
      await materializeSegmentResults(engine, duckdbDialect, computed().segmentResults);
      return true;
    }
    return false;
  };
  if (warehouse.kind === "duckdb") {
    const { engine } = warehouse;
    return {
      engine,
      ensure: async (table) => {
        await fromRows(engine, table);
      },
      close: async () => {},
    };
  }
  const { loader } = warehouse;
  if (loader === null) throw new TypeError(`warehouse ${warehouse.kind} has no bulk path to unload from`);
  const shapes = await createOutputShapes(config);
  const work = await mkdtemp(join(tmpdir(), "assay-unload-"));
  return {
    engine: shapes,
    ensure: async (table) => {
      if (!(await fromRows(shapes, table))) {
        await unloadIntoDuckDb(loader, warehouse.dialect, shapes, table, work);
      }
    },
    close: async () => {
      await shapes.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
