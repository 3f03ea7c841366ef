import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../../..");
const bin = join(root, "packages/cli/bin/assay.mjs");

// Issue 18 item 7: what the help says is what the command does; README commands leave no untracked folders.
describe("assay help texts and the README's output folders", () => {
  it("simulate --help gives --effect's real default (treatment=0.02), not []", async () => {
    const { stdout } = await run(process.execPath, [bin, "simulate", "--help"], { cwd: root });
    const text = stdout.replaceAll(/\s+/g, " ");
    expect(text).toContain("(default: treatment=0.02)");
    expect(text).not.toContain("(default: [])");
  });

  it("git ignores what `assay generate --csv ./demo` and `assay generate` write", async () => {
    for (const path of [
      "demo/assignments.csv",
      "demo/assay.yaml",
      "data/raw/events/dt=2026-02-14/part-0.parquet",
    ]) {
      // Exit 0: ignored; exit 1 (thrown): not ignored.
      await expect(run("git", ["check-ignore", "-q", path], { cwd: root }), path).resolves.toBeDefined();
    }
  });
});
