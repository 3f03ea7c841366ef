/**
 * What differs between SQL engines, as data: a table of small SQL-building functions, one per construct a model
 * renders. The models in `models/` are written once against this table; each warehouse folder
 * (`warehouses/<name>/sql-compiler.ts`) spreads the standard spellings and overrides the constructs it renders differently.
 */
export interface FunctionTable {
  /** A string literal with the dialect's quoting. */
  readonly string: (value: string) => string;
  /** A quoted identifier. */
  readonly ident: (name: string) => string;
  /** A UTC timestamp literal from epoch milliseconds. */
  readonly timestamp: (epochMs: number) => string;
  /** A boolean literal. */
  readonly bool: (value: boolean) => string;
  /** A boolean expression materialized as the dialect's boolean type. */
  readonly boolOf: (condition: string) => string;
  /** Typed NULL of a logical type. */
  readonly nullOf: (type: LogicalType) => string;
  /** Casts an expression to a logical type. */
  readonly cast: (expression: string, type: LogicalType) => string;
  /** `ts + days·24h` where `days` is an integer SQL expression (may be negative). */
  readonly addDays: (timestamp: string, days: string) => string;
  /** The UTC calendar day of a timestamp, as a DATE. */
  readonly dateOf: (timestamp: string) => string;
  /** `YYYY-MM-DDTHH:MM:SSZ` text of a timestamp. */
  readonly formatTimestamp: (timestamp: string) => string;
  readonly least: (...expressions: string[]) => string;
  readonly greatest: (...expressions: string[]) => string;
  /** `arg` of the row with the smallest key tuple (ties broken by later keys), as an aggregate. */
  readonly argMin: (arg: string, keys: ReadonlyArray<string>) => string;
  /** `arg` of the row with the largest key tuple (ties broken by later keys), as an aggregate. */
  readonly argMax: (arg: string, keys: ReadonlyArray<string>) => string;
  /**
   * The `rank`-th smallest (1-based) non-null `value` of the group, as an aggregate; `rank` is an expression over
   * the group (e.g. of `count(value)`) between 1 and the number of non-null values. Exact, no window functions.
   */
  readonly orderStatistic: (value: string, rank: string) => string;
  /** The keyword(s) of an inner, left outer or cross join with every matching row (ClickHouse: ALL strictness). */
  readonly join: (kind: "inner" | "left" | "cross") => string;
  /** A text expression that compares byte by byte (PostgreSQL otherwise compares by the database collation). */
  readonly byteOrder: (text: string) => string;
  /** Compensated (Kahan/Neumaier) floating-point sum aggregate: accurate and close to order-independent. */
  readonly preciseSum: (expression: string) => string;
  /** Exact distinct count aggregate. */
  readonly countDistinct: (expression: string) => string;
  /**
   * Named subqueries for one statement: `WITH a AS (…), b AS (…) body` on engines with CTEs; where there are none
   * (ClickHouse 18.16) every `ref(name)` is the named query inlined as `(SELECT …)`. A query may reference earlier ones.
   * @example f.withQueries([{ name: "t", sql: () => "SELECT 1 AS x" }], (ref) => `SELECT x FROM ${ref("t")} t`)
   */
  readonly withQueries: (queries: ReadonlyArray<NamedQuery>, body: (ref: QueryRef) => string) => string;
  /** `CREATE [OR REPLACE] TABLE name AS query` (engines differ on replacement and storage clauses). */
  readonly createTableAs: (name: string, query: string) => string;
  /** `CREATE [OR REPLACE] VIEW name AS query`. */
  readonly createViewAs: (name: string, query: string) => string;
  readonly dropTable: (name: string) => string;
  /**
   * The failing rows of a relationships data test: rows of `model` whose `columns` match no row of `to` on
   * `toColumns` (standard SQL: a correlated NOT EXISTS).
   */
  readonly orphanRows: (
    model: string,
    columns: ReadonlyArray<string>,
    to: string,
    toColumns: ReadonlyArray<string>,
  ) => string;
}

/** A FROM-able reference to a named query of `withQueries` (its name, or the query inlined). */
export type QueryRef = (name: string) => string;

/** One named query of `withQueries`; `sql` reads earlier named queries through `ref`. */
export interface NamedQuery {
  readonly name: string;
  readonly sql: (ref: QueryRef) => string;
}

export type LogicalType = "text" | "double" | "bigint" | "integer" | "boolean" | "timestamp" | "date";

/** A warehouse's SQL compiler: the portable models compile against its function table, nothing else. */
export interface Dialect {
  readonly functions: FunctionTable;
}
