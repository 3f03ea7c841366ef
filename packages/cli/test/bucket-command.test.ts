import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const bin = join(root, "packages/cli/bin/assay.mjs");

interface VectorCase {
  identity_id: string;
  experiment_key: string;
  variant_weights: Array<[string, number]>;
  salt: string;
  seed: number;
  bucket: number;
  variant: string;
}

function runAssay(
  args: string[],
  stdin: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe("assay bucket (a real child process)", () => {
  const vectors = (
    JSON.parse(readFileSync(join(root, "fixtures/reference/assignment-vectors.json"), "utf8")) as {
      cases: VectorCase[];
    }
  ).cases;

  it("streams every assignment vector and answers each, in order", async () => {
    const input = vectors
      .map((c) =>
        JSON.stringify({
          identity_id: c.identity_id,
          experiment_key: c.experiment_key,
          variant_weights: c.variant_weights,
          salt: c.salt,
          seed: c.seed,
        }),
      )
      .join("\n");
    const { code, stdout, stderr } = await runAssay(["bucket"], `${input}\n`);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(vectors.length);
    lines.forEach((line, i) => {
      expect(JSON.parse(line)).toEqual({ bucket: vectors[i]!.bucket, variant: vectors[i]!.variant });
    });
  });

  it("names the line and field of a bad line and exits non-zero", async () => {
    const good = JSON.stringify({
      identity_id: "u",
      experiment_key: "x",
      variant_weights: [["a", 100]],
      salt: "",
      seed: 0,
    });
    const bad = JSON.stringify({
      identity_id: "u",
      experiment_key: "x",
      variant_weights: [["a", 100]],
      salt: "",
      seed: -1,
    });
    const { code, stdout, stderr } = await runAssay(["bucket"], `${good}\n\n${bad}\n${good}\n`);
    expect(code).toBe(2);
    expect(stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^assay: line 3: field seed: /);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses weights that do not sum to 100, as the server does", async () => {
    const line = JSON.stringify({
      identity_id: "u",
      experiment_key: "x",
      variant_weights: [
        ["a", 45],
        ["b", 45],
      ],
      salt: "",
      seed: 0,
    });
    const { code, stdout, stderr } = await runAssay(["bucket"], `${line}\n`);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      /^assay: line 1: field variant_weights: weights must sum to 100.*\(they sum to 90\)/,
    );
  });

  it("reports a line that is not JSON", async () => {
    const { code, stderr } = await runAssay(["bucket"], "{nope\n");
    expect(code).toBe(2);
    expect(stderr).toMatch(/^assay: line 1: not valid JSON/);
  });
});
