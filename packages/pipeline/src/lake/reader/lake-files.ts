import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Every file under `dir` (recursively) whose name ends with `suffix`, sorted; hidden and temporary files (a leading
 * dot) are skipped; none when `dir` does not exist.
 * @example await listLakeFiles(join(lake, "raw", "events"), ".parquet")
 */
export async function listLakeFiles(dir: string, suffix: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listLakeFiles(path, suffix)));
    else if (entry.name.endsWith(suffix) && !entry.name.startsWith(".")) out.push(path);
  }
  return out.sort();
}
