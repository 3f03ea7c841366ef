import { isWellFormedUtf16 } from "../http/admission.js";

/**
 * What the write-ahead log may hold: exactly the text its reader (DuckDB's `read_json` in the compactor) reads
 * back. `JSON.stringify` writes a lone UTF-16 surrogate as an escape (`"\udc00"`) that DuckDB refuses
 * ("invalid high surrogate"), so one such string once poisoned a whole segment: compaction, erasure and every
 * restart failed. A line is readable when it is one JSON object per line whose strings are all well-formed.
 */

// An escaped surrogate (`\ud800`…`\udfff`) preceded by an even run of backslashes (so the `\u` is an escape).
const escapedSurrogate = /(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;

/** A WAL append its reader could not read back. */
export class WalRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WalRecordError";
  }
}

function stringsWellFormed(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") {
      if (!isWellFormedUtf16(v)) return false;
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (!isWellFormedUtf16(k)) return false;
        stack.push(child);
      }
    }
  }
  return true;
}

/**
 * Whether one WAL line (without its newline) reads back: valid JSON, an object, every string well-formed.
 * Cheap for the common line (one regex scan); the full parse runs only for lines with surrogate escapes or
 * when `parse` is asked for (recovery).
 */
export function isReadableWalLine(line: string, parse = false): boolean {
  if (!isWellFormedUtf16(line)) return false;
  if (!parse && !escapedSurrogate.test(line)) return true;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return false;
  }
  return value !== null && typeof value === "object" && !Array.isArray(value) && stringsWellFormed(value);
}

/** Whether a block of newline-terminated WAL lines reads back (the writer's last check before the disk). */
export function isReadableWalText(text: string): boolean {
  if (!isWellFormedUtf16(text)) return false;
  if (!escapedSurrogate.test(text)) return true;
  return text
    .split("\n")
    .filter((l) => l !== "")
    .every((l) => isReadableWalLine(l, true));
}
