import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Fills a fresh temporary sibling directory, then swaps it into `target` with renames: readers see the old
 * contents or the new, never a half-written directory; on failure the target is untouched.
 * @example await writeDirectoryAtomically("out", async (tmp) => writeFile(join(tmp, "a.csv"), text));
 */
export async function writeDirectoryAtomically<T>(
  target: string,
  fill: (dir: string) => Promise<T>,
): Promise<T> {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}-${Math.floor(performance.now() * 1000)}`;
  const temp = join(parent, `.${basename(target)}.tmp-${stamp}`);
  await mkdir(temp, { recursive: true });
  let result: T;
  try {
    result = await fill(temp);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  if (existsSync(target)) {
    const old = join(parent, `.${basename(target)}.old-${stamp}`);
    await rename(target, old);
    await rename(temp, target);
    await rm(old, { recursive: true, force: true });
  } else {
    await rename(temp, target);
  }
  return result;
}
