import { createBaseFunctions, inlineWith } from "../../sql/base-functions.js";
import type { Dialect, FunctionTable, LogicalType } from "../../sql/dialect.js";
import { assertSqlEncodable } from "../../sql/sql-string.js";

const types: Record<LogicalType, string> = {
  text: "String",
  double: "Float64",
  bigint: "Int64",
  integer: "Int32",
  boolean: "UInt8",
  timestamp: "DateTime",
  date: "Date",
};

// Backslash escapes (ClickHouse reads `\'` and `\0`), on the shared check of `sqlString`.
const string = (value: string) => {
  assertSqlEncodable(value);
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\u0000", "\\0")}'`;
};
const ident = (name: string) => `\`${name.replaceAll("\\", "\\\\").replaceAll("`", "\\`")}\``;

/** Marks a `CREATE TABLE … AS` so the engine can place it (drop first, run on every shard, roll up). */
export const tableMarker = (name: string) => `/* assay:table ${name} */`;
export const tableMarkerPattern = /^\/\* assay:table (\S+) \*\/\n/;

const pairwise = (fn: string, expressions: string[]): string =>
  expressions.reduce((acc, e) => `${fn}(${acc}, ${e})`);

/**
 * ClickHouse spellings of the portable function table, valid from 18.16 to current releases. Timestamps are
 * `DateTime` (seconds) in a UTC server/session; booleans are UInt8; sums of doubles use `sumKahan`.
 * `cast` and `dropTable` are the base's (with ClickHouse quoting); the rest differ from standard SQL. CTEs render
 * inlined (`withQueries`), joins with `ALL` strictness (`join`); the models nest one JOIN per SELECT
 * (docs/warehouse.md, "Portable model SQL").
 */
export const clickhouseFunctions: FunctionTable = {
  ...createBaseFunctions({ types, string, ident }),
  timestamp: (epochMs) =>
    `toDateTime(${string(new Date(epochMs).toISOString().slice(0, 19).replace("T", " "))}, 'UTC')`,
  bool: (value) => (value ? "toUInt8(1)" : "toUInt8(0)"),
  boolOf: (condition) => `toUInt8(${condition})`,
  nullOf: (type) => `CAST(NULL AS Nullable(${types[type]}))`,
  addDays: (timestamp, days) => `addDays(${timestamp}, ${days})`,
  dateOf: (timestamp) => `toDate(${timestamp})`,
  formatTimestamp: (timestamp) => `formatDateTime(${timestamp}, '%Y-%m-%dT%H:%M:%SZ')`,
  least: (...expressions) => pairwise("least", expressions),
  greatest: (...expressions) => pairwise("greatest", expressions),
  argMin: (arg, keys) => `argMin(${arg}, tuple(${keys.join(", ")}))`,
  argMax: (arg, keys) => `argMax(${arg}, tuple(${keys.join(", ")}))`,
  preciseSum: (expression) => `sumKahan(${expression})`,
  // groupArray skips NULLs; the sorted array's element is 1-based like the rank.
  orderStatistic: (value, rank) => `arrayElement(arraySort(groupArray(${value})), toUInt64(${rank}))`,
  join: (kind) => ({ inner: "ALL INNER JOIN", left: "ALL LEFT JOIN", cross: "CROSS JOIN" })[kind],
  // 18.16 parses `WITH` only for scalar expressions, not named subqueries.
  withQueries: inlineWith,
  countDistinct: (expression) => `uniqExact(${expression})`,
  createTableAs: (name, query) =>
    `${tableMarker(name)}\nCREATE TABLE ${ident(name)} ENGINE = MergeTree ORDER BY tuple() AS\n${query}`,
  createViewAs: (name, query) => `${tableMarker(name)}\nCREATE VIEW ${ident(name)} AS\n${query}`,
  // No correlated subqueries: a tuple NOT IN. Config tables are not sharded, so GLOBAL ships them to the shards;
  // sharded targets join shard-locally.
  orphanRows: (model, columns, to, toColumns) =>
    `SELECT * FROM ${ident(model)} WHERE (${columns.map(ident).join(", ")}) ${to.startsWith("cfg_") ? "GLOBAL " : ""}NOT IN (SELECT ${toColumns.map(ident).join(", ")} FROM ${ident(to)})`,
};

/**
 * The clickhouse SQL compiler the models compile against.
 * @example const sql = compileModel(getModel("fact_assignment"), { dialect: clickhouseDialect, config });
 */
export const clickhouseDialect: Dialect = { functions: clickhouseFunctions };
