import type { Engine } from "../sql/engine.js";
import { duckdbFunctions as f } from "../warehouses/duckdb/sql-compiler.js";

/** A SELECT of a table with timestamps rendered as `YYYY-MM-DDTHH:MM:SSZ` (the CSV convention of the contract). */
export async function selectWithFormattedTimes(engine: Engine, table: string): Promise<string> {
  const columns = await engine.query<{ column_name: string; column_type: string }>(
    `DESCRIBE ${f.ident(table)}`,
  );
  const list = columns.map((c) =>
    c.column_type.startsWith("TIMESTAMP")
      ? `${f.formatTimestamp(f.ident(c.column_name))} AS ${f.ident(c.column_name)}`
      : f.ident(c.column_name),
  );
  return `SELECT ${list.join(", ")} FROM ${f.ident(table)}`;
}

/** Writes a table as RFC 4180 CSV with a header row; NULL is the empty field. */
export async function exportCsv(
  engine: Engine,
  table: string,
  path: string,
  orderBy?: string,
): Promise<void> {
  const select = await selectWithFormattedTimes(engine, table);
  await engine.run(
    `COPY (${select}${orderBy ? ` ORDER BY ${orderBy}` : ""}) TO ${f.string(path)} (FORMAT csv, HEADER true, NULLSTR '')`,
  );
}

/** Writes a table (or query) as a Parquet file; timestamps stay TIMESTAMP (UTC). */
export async function exportParquet(engine: Engine, query: string, path: string): Promise<void> {
  await engine.run(`COPY (${query}) TO ${f.string(path)} (FORMAT parquet, COMPRESSION zstd)`);
}
