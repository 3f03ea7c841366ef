import { appendFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isReadableWalLine } from "./wal-record.js";

/** What a quarantine moved aside. */
export interface QuarantineReport {
  readonly segment: string;
  /** Lines moved to `<wal>/quarantine/<segment>` (each as written). */
  readonly lines: number;
  readonly quarantinePath: string;
}

/**
 * Moves the lines of a WAL segment its reader cannot read (not JSON, not an object, a lone surrogate) into
 * `<wal>/quarantine/<segment name>` and rewrites the segment with the rest (beside it, then renamed), so one bad
 * record never blocks compaction or start-up. Returns undefined when every line is readable (the reader failed for
 * another reason, which the caller rethrows).
 * @example const moved = await quarantineUnreadableLines(segment.path);
 */
export async function quarantineUnreadableLines(path: string): Promise<QuarantineReport | undefined> {
  const text = await readFile(path, "utf8");
  const good: string[] = [];
  const bad: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    (isReadableWalLine(line, true) ? good : bad).push(line);
  }
  if (bad.length === 0) return undefined;
  const dir = join(dirname(path), "quarantine");
  await mkdir(dir, { recursive: true });
  const quarantinePath = join(dir, basename(path));
  // Quarantined first: a crash between the two steps repeats the quarantine, it never loses a line.
  await appendFile(quarantinePath, `${bad.join("\n")}\n`, { flush: true });
  const tmp = `${path}.quarantine.tmp`;
  await writeFile(tmp, good.length === 0 ? "" : `${good.join("\n")}\n`, { flush: true });
  await rename(tmp, path);
  return { segment: basename(path), lines: bad.length, quarantinePath };
}
