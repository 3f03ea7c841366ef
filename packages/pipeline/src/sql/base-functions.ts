import type { FunctionTable, LogicalType, NamedQuery, QueryRef } from "./dialect.js";
import { sqlString } from "./sql-string.js";

/** Standard SQL string literal: single quotes, an embedded quote doubled, NUL as `chr(0)` (see `sqlString`). */
export const standardString = (value: string): string => sqlString(value);

/** Standard SQL quoted identifier: double quotes, an embedded quote doubled. */
export const standardIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `WITH a AS (…), b AS (…) body`: every reference is the query's name. */
export function standardWith(queries: ReadonlyArray<NamedQuery>, body: (ref: QueryRef) => string): string {
  const ref: QueryRef = (name) => {
    if (!queries.some((q) => q.name === name)) throw new Error(`no named query "${name}"`);
    return name;
  };
  if (queries.length === 0) return body(ref);
  return `WITH ${queries.map((q) => `${q.name} AS (\n${q.sql(ref)}\n)`).join(", ")}\n${body(ref)}`;
}

/** Inlines named queries: every reference is `(SELECT …)`, for engines without CTE subqueries. */
export function inlineWith(queries: ReadonlyArray<NamedQuery>, body: (ref: QueryRef) => string): string {
  const rendered = new Map<string, string>();
  const ref: QueryRef = (name) => {
    const found = rendered.get(name);
    if (found === undefined) throw new Error(`no named query "${name}" before this reference`);
    return `(\n${found}\n)`;
  };
  for (const q of queries) rendered.set(q.name, q.sql(ref));
  return body(ref);
}

/** What a dialect supplies to the base table: its type names and, when not standard SQL, its quoting. */
export interface BaseSpelling {
  readonly types: Record<LogicalType, string>;
  readonly string?: (value: string) => string;
  readonly ident?: (name: string) => string;
}

/** The entries every dialect spells differently, so the base leaves them out and the type checker asks for them. */
export type DialectOnlyFunction =
  | "addDays"
  | "formatTimestamp"
  | "argMin"
  | "argMax"
  | "preciseSum"
  | "createTableAs";

export type BaseFunctions = Omit<FunctionTable, DialectOnlyFunction>;

/**
 * The standard-SQL spellings of the portable function table, for a dialect to spread and override where it differs.
 * Entries that build on quoting (`timestamp`, `createViewAs`, `dropTable`) use the dialect's `string`/`ident`.
 * Timestamps are naive TIMESTAMP literals holding UTC.
 * @example
 * const duckdbFunctions: FunctionTable = {
 *   ...createBaseFunctions({ types }),
 *   addDays: (timestamp, days) => `(${timestamp} + to_days(CAST(${days} AS INTEGER)))`,
 *   // formatTimestamp, argMin, preciseSum, createTableAs …
 * };
 */
export function createBaseFunctions({
  types,
  string = standardString,
  ident = standardIdent,
}: BaseSpelling): BaseFunctions {
  return {
    string,
    ident,
    timestamp: (epochMs) =>
      `TIMESTAMP ${string(new Date(epochMs).toISOString().replace("T", " ").replace("Z", ""))}`,
    bool: (value) => (value ? "true" : "false"),
    boolOf: (condition) => `(${condition})`,
    nullOf: (type) => `CAST(NULL AS ${types[type]})`,
    cast: (expression, type) => `CAST(${expression} AS ${types[type]})`,
    dateOf: (timestamp) => `CAST(${timestamp} AS DATE)`,
    least: (...expressions) => `least(${expressions.join(", ")})`,
    greatest: (...expressions) => `greatest(${expressions.join(", ")})`,
    countDistinct: (expression) => `count(DISTINCT ${expression})`,
    byteOrder: (text) => text,
    orderStatistic: (value, rank) =>
      `(array_agg(${value} ORDER BY ${value}) FILTER (WHERE ${value} IS NOT NULL))[CAST(${rank} AS INTEGER)]`,
    join: (kind) => ({ inner: "JOIN", left: "LEFT JOIN", cross: "CROSS JOIN" })[kind],
    withQueries: standardWith,
    createViewAs: (name, query) => `CREATE OR REPLACE VIEW ${ident(name)} AS\n${query}`,
    dropTable: (name) => `DROP TABLE IF EXISTS ${ident(name)}`,
    orphanRows: (model, columns, to, toColumns) => {
      const on = columns.map((c, i) => `t.${ident(toColumns[i] ?? c)} = m.${ident(c)}`).join(" AND ");
      return `SELECT ${columns.map((c) => `m.${ident(c)}`).join(", ")} FROM ${ident(model)} m WHERE NOT EXISTS (SELECT 1 FROM ${ident(to)} t WHERE ${on})`;
    },
  };
}
