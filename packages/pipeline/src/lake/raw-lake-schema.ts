import type { InputTableName } from "../io/input-schema.js";
import { duckdbFunctions as f } from "../warehouses/duckdb/sql-compiler.js";

/** A Parquet column of a raw lake table: its name and DuckDB type. */
export interface RawLakeColumn {
  readonly name: string;
  readonly type: "VARCHAR" | "DOUBLE" | "TIMESTAMPTZ";
}

/**
 * The one schema of each raw lake table (`<lake>/raw/<table>/dt=…/*.parquet`), whoever writes it: the collector's
 * compactor, `assay generate` and the demo. Same names, order and types (times are TIMESTAMPTZ in UTC), so a reader
 * of a partition never depends on which file it opens first. `team` is the owning team of a collected row (the
 * tenancy of docs/server.md); generated and loaded rows have none (NULL).
 */
export const rawLakeColumns: Readonly<Record<InputTableName, ReadonlyArray<RawLakeColumn>>> = {
  assignments: [
    { name: "experiment_id", type: "VARCHAR" },
    { name: "user_id", type: "VARCHAR" },
    { name: "variant_id", type: "VARCHAR" },
    { name: "assignment_time_utc", type: "TIMESTAMPTZ" },
    { name: "team", type: "VARCHAR" },
  ],
  exposures: [
    { name: "experiment_id", type: "VARCHAR" },
    { name: "user_id", type: "VARCHAR" },
    { name: "variant_id", type: "VARCHAR" },
    { name: "exposure_time_utc", type: "TIMESTAMPTZ" },
    { name: "event_id", type: "VARCHAR" },
    { name: "team", type: "VARCHAR" },
  ],
  events: [
    { name: "event_id", type: "VARCHAR" },
    { name: "user_id", type: "VARCHAR" },
    { name: "event_name", type: "VARCHAR" },
    { name: "event_time_utc", type: "TIMESTAMPTZ" },
    { name: "value", type: "DOUBLE" },
    { name: "properties", type: "VARCHAR" },
    { name: "team", type: "VARCHAR" },
  ],
  user_attributes: [
    { name: "user_id", type: "VARCHAR" },
    { name: "attribute", type: "VARCHAR" },
    { name: "value", type: "VARCHAR" },
    { name: "observed_time_utc", type: "TIMESTAMPTZ" },
    { name: "team", type: "VARCHAR" },
  ],
};

/**
 * A DuckDB SELECT list that renders `available` columns of a relation in the raw lake schema of `table`: each
 * column cast to its type (a naive TIMESTAMP is read as UTC), a column the relation lacks as a typed NULL.
 * @example rawLakeSelectList("exposures", ["experiment_id", "user_id", "variant_id", "exposure_time_utc"])
 */
export function rawLakeSelectList(table: InputTableName, available: ReadonlyArray<string>): string {
  const present = new Set(available);
  return rawLakeColumns[table]
    .map((c) => {
      const column = f.ident(c.name);
      if (!present.has(c.name)) return `CAST(NULL AS ${c.type}) AS ${column}`;
      if (c.type === "TIMESTAMPTZ") return `timezone('UTC', CAST(${column} AS TIMESTAMP)) AS ${column}`;
      return `CAST(${column} AS ${c.type}) AS ${column}`;
    })
    .join(", ");
}
