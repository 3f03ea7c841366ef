import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";

/** One place a flag key appears. */
export interface FlagReference {
  readonly key: string;
  /** Relative to the searched folder, with `/` separators. */
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

const SKIPPED_DIRS = new Set(["node_modules", ".git", "dist"]);
const MAX_FILE_BYTES = 2 * 1024 * 1024;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Finds each occurrence of the flag keys as a whole token (not inside a longer identifier or key) in the text files
 * under `dir`, skipping node_modules, .git and dist folders, binary files and files over 2 MiB.
 *
 * @example
 * await findFlagReferences("./app", ["new_checkout"]);
 * // [{ key: "new_checkout", file: "src/checkout.ts", line: 12, text: 'if (assay.isEnabled("new_checkout")) {' }]
 */
export async function findFlagReferences(dir: string, keys: ReadonlyArray<string>): Promise<FlagReference[]> {
  if (keys.length === 0) return [];
  const sorted = [...new Set(keys)].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(
    `(?<![A-Za-z0-9_.-])(${sorted.map(escapeRegExp).join("|")})(?![A-Za-z0-9_-])`,
    "g",
  );
  const found: FlagReference[] = [];
  async function walk(folder: string): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(path);
        continue;
      }
      if (!entry.isFile() || (await stat(path)).size > MAX_FILE_BYTES) continue;
      const content = await readFile(path);
      if (content.includes(0)) continue;
      const lines = content.toString("utf8").split(/\r?\n/);
      lines.forEach((text, i) => {
        for (const match of text.matchAll(pattern)) {
          found.push({
            key: match[1] ?? "",
            file: relative(dir, path).split("\\").join("/"),
            line: i + 1,
            text: text.trim(),
          });
        }
      });
    }
  }
  await walk(dir);
  return found;
}
