import { open } from "node:fs/promises";

/** Splits one CSV record (RFC 4180: `,`, `"` quotes, `""` inside quotes) into its fields. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/**
 * The column names of a CSV file: its first line (UTF-8, a BOM and a trailing `\r` removed). Read once, so
 * DuckDB reads the file with exactly these columns instead of guessing a dialect from a sample.
 * @example await readCsvHeader("events.csv") // ["event_id", "user_id", "event_name", "event_time_utc", "value"]
 */
export async function readCsvHeader(path: string): Promise<string[]> {
  const handle = await open(path, "r");
  try {
    let text = "";
    const buffer = Buffer.alloc(64 * 1024);
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      text += buffer.subarray(0, bytesRead).toString("utf8");
      position += bytesRead;
      if (text.includes("\n") || position > 1024 * 1024) break;
    }
    const first = (text.split("\n", 1)[0] ?? "").replace(/^\uFEFF/, "").replace(/\r$/, "");
    return first === "" ? [] : splitCsvLine(first);
  } finally {
    await handle.close();
  }
}
