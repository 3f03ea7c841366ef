import type { Readable } from "node:stream";
import type { Engine } from "../engine/engine.js";

/** A column of a warehouse table the loader creates, by logical type. */
export interface LoadColumn {
  readonly name: string;
  readonly type: "text" | "timestamp" | "double" | "date";
}

/**
 * An engine that can bulk-load CSV (header-less, RFC 4180, empty field = NULL, times `YYYY-MM-DD HH:MM:SS` UTC, first column
 * the `dt` date)
 * into a table partitioned by `dt`, replacing that partition: loading the same dt twice leaves one copy.
 */
export interface BulkLoadTarget extends Engine {
  /** Creates the table (with a leading `dt` DATE column) when it does not exist. */
  ensureLoadTable(table: string, columns: ReadonlyArray<LoadColumn>, shardKey: string): Promise<void>;
  /** Atomically (per engine) replaces partition `dt` of `table` with the CSV rows; returns the rows loaded. */
  replacePartition(
    table: string,
    columns: ReadonlyArray<LoadColumn>,
    dt: string,
    csv: () => Readable,
  ): Promise<number>;
}

export const isBulkLoadTarget = (engine: Engine): engine is BulkLoadTarget =>
  typeof (engine as Partial<BulkLoadTarget>).replacePartition === "function";
