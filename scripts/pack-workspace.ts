// Packs workspace packages into a folder for tests that install them elsewhere. `npm pack` runs each package's
// prepack (a build into its dist/), so concurrent test files packing the same package would write the same dist/
// at once: a lock folder (mkdir is atomic) serialises packing across vitest workers.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const lock = join(root, "node_modules", ".cache", "assay-pack.lock");

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `npm pack` for each package (in order) into `destination`; returns the tarball paths.
 * @example const [sdk] = packWorkspaces(["sdk"], tmp);
 */
export function packWorkspaces(packages: ReadonlyArray<string>, destination: string): string[] {
  mkdirSync(join(lock, ".."), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the deadline was left by a killed run.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 180_000)
        rmSync(lock, { force: true, recursive: true });
      if (Date.now() > deadline) throw new Error(`could not take ${lock}`);
      sleep(200);
    }
  }
  try {
    const before = new Set(readdirSync(destination));
    for (const pkg of packages) {
      execFileSync("npm", ["pack", "--pack-destination", destination], {
        cwd: join(root, "packages", pkg),
        stdio: "pipe",
      });
    }
    return readdirSync(destination)
      .filter((f) => f.endsWith(".tgz") && !before.has(f))
      .map((f) => join(destination, f));
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
}
