/**
 * The one quoting function for values in SQL text (pipeline, server and CLI): every value that is not passed as a
 * parameter reaches SQL through `sqlString`, never by string concatenation.
 *
 * Standard SQL (DuckDB, PostgreSQL): single quotes, an embedded quote doubled, a backslash kept as is. A NUL
 *   cannot stand inside a literal (DuckDB's parser ends the string there: "unterminated quoted string"), so it is
 *   spelled `chr(0)` and concatenated: `('a' || chr(0) || 'b')` — the same string in DuckDB; PostgreSQL, whose text
 *   cannot hold NUL at all, refuses it with a clear error instead of misreading the statement.
 * ClickHouse, whose literals take backslash escapes, spells its own (`clickhouse/functions.ts`) on the same
 * `assertSqlEncodable` check, with NUL as `\0`.
 * A lone UTF-16 surrogate has no UTF-8 encoding, so no engine could receive it: `SqlStringError`.
 * @example sqlString("O'Brien") // 'O''Brien'
 * @example sqlString("a\u0000b") // ('a' || chr(0) || 'b')
 */
export function sqlString(value: string): string {
  assertSqlEncodable(value);
  const quoted = `'${value.replaceAll("'", "''")}'`;
  if (!value.includes("\u0000")) return quoted;
  return `(${quoted.replaceAll("\u0000", "' || chr(0) || '")})`;
}

/** Throws `SqlStringError` for a string no SQL engine can receive (a lone UTF-16 surrogate has no UTF-8 form). */
export function assertSqlEncodable(value: string): void {
  if (loneSurrogate.test(value))
    throw new SqlStringError("a lone UTF-16 surrogate cannot be encoded as UTF-8");
}

/** A value `sqlString` cannot put into SQL text. */
export class SqlStringError extends Error {
  constructor(message: string) {
    super(`sqlString: ${message}`);
    this.name = "SqlStringError";
  }
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no `u` flag).
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
