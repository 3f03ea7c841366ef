import { sqlString } from "../../sql/sql-string.js";
import { LakeReadError } from "./lake-read-error.js";

/**
 * A typed condition on the rows of a lake file, compiled to SQL by {@link compileRowFilter} with every value quoted by
 * `sqlString` and every column checked against a plain-identifier pattern: callers never write SQL text. A NULL
 * column never matches `equals` or `in` (unless `nullAs` names the value NULL stands for).
 * @example
 * const mine: RowFilter = { kind: "any", of: [{ kind: "equals", column: "user_id", value: "u-1" }] };
 */
export type RowFilter =
  | { readonly kind: "equals"; readonly column: string; readonly value: string }
  | {
      readonly kind: "in";
      readonly column: string;
      readonly values: ReadonlyArray<string>;
      /** The value a NULL in `column` stands for (e.g. "" for a row written before teams). */
      readonly nullAs?: string;
    }
  | { readonly kind: "any"; readonly of: ReadonlyArray<RowFilter> }
  | { readonly kind: "all"; readonly of: ReadonlyArray<RowFilter> }
  | { readonly kind: "not"; readonly of: RowFilter };

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/** A lake column name as a quoted SQL identifier; `LakeReadError` (status 400) for anything but `[a-z_][a-z0-9_]*`. */
export function lakeColumn(name: string): string {
  if (!identifier.test(name))
    throw new LakeReadError(`not a lake column name: ${JSON.stringify(name)}`, "column");
  return `"${name}"`;
}

/**
 * The SQL boolean expression of a filter (never NULL).
 * @example compileRowFilter({ kind: "equals", column: "user_id", value: "O'Brien" }) // coalesce("user_id" = 'O''Brien', false)
 */
export function compileRowFilter(filter: RowFilter): string {
  switch (filter.kind) {
    case "equals":
      return `coalesce(${lakeColumn(filter.column)} = ${sqlString(filter.value)}, false)`;
    case "in": {
      if (filter.values.length === 0) return "false";
      const column =
        filter.nullAs === undefined
          ? lakeColumn(filter.column)
          : `coalesce(${lakeColumn(filter.column)}, ${sqlString(filter.nullAs)})`;
      return `coalesce(${column} IN (${filter.values.map(sqlString).join(", ")}), false)`;
    }
    case "any":
      return filter.of.length === 0 ? "false" : `(${filter.of.map(compileRowFilter).join(" OR ")})`;
    case "all":
      return filter.of.length === 0 ? "true" : `(${filter.of.map(compileRowFilter).join(" AND ")})`;
    case "not":
      return `(NOT ${compileRowFilter(filter.of)})`;
  }
}

/** The columns a filter reads (to check a file has them before asking). */
export function rowFilterColumns(filter: RowFilter): string[] {
  switch (filter.kind) {
    case "equals":
    case "in":
      return [filter.column];
    case "not":
      return rowFilterColumns(filter.of);
    default:
      return [...new Set(filter.of.flatMap(rowFilterColumns))];
  }
}
