import type { Readable } from "node:stream";

/** A column of a warehouse table the loader creates, by logical type. */
export interface LoadColumn {
  readonly name: string;
  readonly type: "text" | "timestamp" | "double" | "date";
}

/**
 * A warehouse's bulk path (`warehouses/<name>/bulk-loader.ts`): loads CSV (header-less, RFC 4180, empty field =
 * NULL, times `YYYY-MM-DD HH:MM:SS` UTC, first column the `dt` date) into a table partitioned by `dt`, replacing
 * that partition (loading the same dt twice leaves one copy), and unloads query results as CSV.
 */
export interface BulkLoader {
  /** Creates the table (with a leading `dt` DATE column) when it does not exist. */
  ensureLoadTable(table: string, columns: ReadonlyArray<LoadColumn>, shardKey: string): Promise<void>;
  /** Atomically (per engine) replaces partition `dt` of `table` with the CSV rows; returns the rows loaded. */
  replacePartition(
    table: string,
    columns: ReadonlyArray<LoadColumn>,
    dt: string,
    csv: () => Readable,
  ): Promise<number>;
  /**
   * Streams the rows of a SELECT to a local file as header-less CSV (RFC 4180 quoting, NULL as an unquoted
   * `\N`, times `YYYY-MM-DD HH:MM:SS[.ffffff]` UTC) through the warehouse's bulk path; rows never sit in memory.
   */
  unloadCsv(query: string, path: string): Promise<void>;
}
