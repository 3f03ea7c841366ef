import { InputError } from "./input-schema.js";

/** The 0-based field in which a quote opens and is not closed by the end of the line (0 when none is found). */
function unclosedQuoteField(line: string): number {
  let field = 0;
  let quoted = false;
  let openedIn = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (quoted && line[i + 1] === '"') i++;
      else {
        quoted = !quoted;
        if (quoted) openedIn = field;
      }
    } else if (c === "," && !quoted) field++;
  }
  return openedIn;
}

const shown = (line: string) => (line.length > 120 ? `${line.slice(0, 117)}...` : line);

/**
 * Turns DuckDB's multi-line CSV parse error ("CSV Error on Line: N", the original line, the reader's options)
 * into an `InputError` of one line naming the file, the line and the column; undefined for any other error.
 * @example csvReadError("events.csv", ["event_id", "user_id"], error)?.message
 * // 'events.csv line 7: 3 values for 2 columns: column 3 has no name (line: "e1,u1,x")'
 */
export function csvReadError(
  path: string,
  header: ReadonlyArray<string>,
  error: unknown,
): InputError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const at = /CSV Error on Line: (\d+)/.exec(message);
  if (at === null) return undefined;
  const line = Number(at[1]);
  const file = /\n\s*file = (.+)\n/.exec(message)?.[1]?.trim() ?? path;
  const original = /Original Line: (.*)/.exec(message)?.[1] ?? "";
  const count = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (count !== null) {
    const expected = Number(count[1]);
    const found = Number(count[2]);
    const column =
      found > expected
        ? `column ${expected + 1} has no name in the header`
        : `"${header[found] ?? `column ${found + 1}`}" is missing`;
    return new InputError(
      `${file} line ${line}: ${found} values for ${expected} columns (${header.join(",")}): ${column} (line: "${shown(original)}")`,
      { file, row: line, column: found > expected ? null : (header[found] ?? null) },
    );
  }
  if (/unterminated quote/i.test(message)) {
    const columnIndex = unclosedQuoteField(original);
    const name = header[columnIndex] ?? `column ${columnIndex + 1}`;
    return new InputError(
      `${file} line ${line}: column "${name}": a quoted value is not closed (line: "${shown(original)}")`,
      { file, row: line, column: name },
    );
  }
  const reason = message
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith("Invalid Input Error") && !l.startsWith("Original Line"));
  return new InputError(`${file} line ${line}: cannot parse as CSV${reason ? ` (${reason})` : ""}`, {
    file,
    row: line,
  });
}
