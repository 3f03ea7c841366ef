import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InputFile } from "../io/input-files.js";
import { type InputTableName, inputTableNames, inputTables } from "../io/input-schema.js";
import { loadInputTable } from "../io/load-input-table.js";
import { checkDt } from "../lake/lake-layout.js";
import type { BulkLoader, LoadColumn } from "../warehouses/bulk-loader.js";
import { createDuckDbEngine } from "../warehouses/duckdb/connection.js";
import { duckdbFunctions as d } from "../warehouses/duckdb/sql-compiler.js";

/** The warehouse columns of a canonical input table (after the leading `dt`). */
export function loadColumns(table: InputTableName): LoadColumn[] {
  const spec = inputTables[table];
  return [
    ...spec.text.map((name) => ({ name, type: "text" as const })),
    { name: spec.time, type: "timestamp" as const },
    ...(spec.optionalNumber ? [{ name: spec.optionalNumber, type: "double" as const }] : []),
  ];
}

export interface LoadTableReport {
  readonly table: string;
  readonly dt: string;
  readonly rows: number;
  readonly elapsedMs: number;
}

/**
 * Bulk-loads canonical input files into a warehouse table `raw_<table>` partition `dt`, replacing that partition.
 * The files are read and validated by the embedded DuckDB (same rules and errors as `assay analyze`), written as a
 * temporary CSV, and streamed to the warehouse's bulk path (PostgreSQL COPY, ClickHouse INSERT … FORMAT CSV);
 * rows are never held in memory.
 * @example await loadTableIntoWarehouse(warehouse.loader, "events", resolveInputFiles("data", "events"), "2026-02-01");
 */
export async function loadTableIntoWarehouse(
  target: BulkLoader,
  table: InputTableName,
  files: ReadonlyArray<InputFile>,
  dt: string,
): Promise<LoadTableReport> {
  checkDt(dt);
  const started = performance.now();
  const spec = inputTables[table];
  const columns = loadColumns(table);
  const work = mkdtempSync(join(tmpdir(), "assay-load-"));
  const duck = await createDuckDbEngine();
  try {
    await loadInputTable(duck, table, files);
    const csvPath = join(work, `${table}.csv`);
    const select = columns
      .map((c) =>
        c.type === "timestamp"
          ? `strftime(${d.ident(c.name)}, '%Y-%m-%d %H:%M:%S')`
          : c.type === "double"
            ? `CAST(${d.ident(c.name)} AS VARCHAR)`
            : d.ident(c.name),
      )
      .join(", ");
    await duck.run(
      `COPY (SELECT ${d.string(dt)} AS dt, ${select} FROM ${spec.relation}) TO ${d.string(csvPath)} (FORMAT csv, HEADER false, NULLSTR '')`,
    );
    await target.ensureLoadTable(spec.relation, columns, "user_id");
    const rows = await target.replacePartition(spec.relation, columns, dt, () => createReadStream(csvPath));
    return { table: spec.relation, dt, rows, elapsedMs: performance.now() - started };
  } finally {
    await duck.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Loads all three canonical inputs (`assignments`, `exposures`, `events`) for one dt.
 * @example await loadInputsIntoWarehouse(warehouse.loader, { assignments: [...], exposures: [...], events: [...] }, "2026-02-01");
 */
export async function loadInputsIntoWarehouse(
  target: BulkLoader,
  files: Partial<Record<InputTableName, ReadonlyArray<InputFile>>>,
  dt: string,
): Promise<LoadTableReport[]> {
  const reports: LoadTableReport[] = [];
  for (const table of inputTableNames) {
    const tableFiles = files[table];
    if (tableFiles && tableFiles.length > 0) {
      reports.push(await loadTableIntoWarehouse(target, table, tableFiles, dt));
    }
  }
  return reports;
}
