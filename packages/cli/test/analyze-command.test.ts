import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeDirectory, loadConfigFile } from "@assay/pipeline";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const bin = join(root, "packages/cli/bin/assay.mjs");
const referenceDir = join(root, "fixtures/reference/pipeline-public");
const inputDir = join(referenceDir, "input");

const numbers = /-?\d+\.\d+(e[-+]?\d+)?/g;

function assay(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
}

describe("assay analyze (child process)", () => {
  const work = mkdtempSync(join(tmpdir(), "assay-cli-analyze-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("writes the same files as the library and the reference quality report", async () => {
    const cliOut = join(work, "cli-out");
    const run = assay([
      "analyze",
      "--config",
      join(inputDir, "assay.yaml"),
      "--data",
      inputDir,
      "--out",
      cliOut,
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/wrote 56 result rows for 3 experiment/);

    const libOut = join(work, "lib-out");
    await analyzeDirectory({
      config: await loadConfigFile(join(inputDir, "assay.yaml")),
      dataDir: inputDir,
      outDir: libOut,
    });
    const files = readdirSync(cliOut).sort();
    expect(files).toEqual(readdirSync(libOut).sort());
    expect(files).toContain("fct_experiment_results.csv");
    for (const file of files) {
      const a = readFileSync(join(cliOut, file), "utf8");
      const b = readFileSync(join(libOut, file), "utf8");
      if (file === "quality_report.json") continue;
      // Parallel floating-point sums may differ in the last bits between runs; everything else is byte-identical.
      expect(
        a.replace(numbers, (x) => Number(x).toPrecision(12)),
        file,
      ).toBe(b.replace(numbers, (x) => Number(x).toPrecision(12)));
    }

    const expected = JSON.parse(readFileSync(join(referenceDir, "expected.json"), "utf8")) as {
      duplicate_event_rows: number;
      experiments: Record<string, Record<string, number>>;
    };
    const quality = JSON.parse(readFileSync(join(cliOut, "quality_report.json"), "utf8")) as typeof expected;
    expect(quality.duplicate_event_rows).toBe(expected.duplicate_event_rows);
    for (const [id, fields] of Object.entries(expected.experiments)) {
      for (const [field, value] of Object.entries(fields)) {
        const actual = quality.experiments[id]?.[field];
        if (field.startsWith("srm_")) expect(actual).toBeCloseTo(value, 9);
        else expect(actual, `${id}.${field}`).toBe(value);
      }
    }
  });

  it("stops on an unparseable timestamp, naming file, line and column, and writes nothing", () => {
    const data = join(work, "bad-data");
    rmSync(data, { recursive: true, force: true });
    spawnSync("cp", ["-r", inputDir, data]);
    const lines = readFileSync(join(data, "exposures.csv"), "utf8").split("\n");
    lines[5] = "exp_checkout,u_x,control,yesterday";
    writeFileSync(join(data, "exposures.csv"), lines.join("\n"));
    const out = join(work, "never");
    const run = assay(["analyze", "--config", join(data, "assay.yaml"), "--data", data, "--out", out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/exposures\.csv line 6: column "exposure_time_utc": cannot parse/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("stops on a config error naming the key path", () => {
    const config = join(work, "bad.yaml");
    writeFileSync(
      config,
      readFileSync(join(inputDir, "assay.yaml"), "utf8").replace("allocation: 34", "allocation: -34"),
    );
    const run = assay(["analyze", "--config", config, "--data", inputDir, "--out", join(work, "x")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/experiments\[1\]\.variants\[0\]\.allocation/);
  });

  it("rejects an alpha outside (0, 1)", () => {
    const run = assay(["analyze", "--config", "a.yaml", "--data", ".", "--out", "o", "--alpha", "1.5"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--alpha must be a number in \(0, 1\)/);
  });
});
