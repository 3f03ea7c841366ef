import { sqlString } from "../../sql/sql-string.js";

/**
 * The one place the lake's Parquet files become SQL: `read_parquet` over the given files (paths quoted by
 * `sqlString`), columns matched by name across files, no Hive columns from the `dt=` folders.
 * @example parquetSource(["/lake/gold/t/dt=2026-01-01/a.parquet"])
 */
export function parquetSource(files: ReadonlyArray<string>): string {
  if (files.length === 0) throw new RangeError("parquetSource: no files");
  return `read_parquet([${files.map(sqlString).join(", ")}], hive_partitioning = false, union_by_name = true)`;
}
