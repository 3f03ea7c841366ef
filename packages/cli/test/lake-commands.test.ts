import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLakeReader } from "@assay/pipeline";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const bin = join(root, "packages/cli/bin/assay.mjs");
const assay = (args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });

describe("assay generate / build / pipeline run (child process)", () => {
  const work = mkdtempSync(join(tmpdir(), "assay-cli-lake-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("generates a lake with a fault switch and the jobs detect it", async () => {
    const lake = join(work, "data");
    const gen = assay([
      "generate",
      "--dt",
      "2026-02-10",
      "--from",
      "2026-01-18",
      "--lake",
      lake,
      "--users",
      "1500",
      "--pre-assignment-exposure",
      "0.05",
    ]);
    expect(gen.stderr).toBe("");
    expect(gen.status).toBe(0);
    const all = assay(["pipeline", "run", "--dt", "2026-02-10", "--lake", lake]);
    expect(all.stderr).toBe("");
    expect(all.status).toBe(0);
    expect(all.stdout).toMatch(/pipeline dt=2026-02-10: 4 jobs/);
    const report = await createLakeReader(lake).qualityReport();
    expect(report?.report.experiments.exp_checkout?.pre_assignment_exposure_units).toBeGreaterThan(0);
    expect(report?.report.experiments.exp_checkout?.exposure_outside_window_units).toBe(0);

    const one = assay(["build", "assignments", "--dt", "2026-02-10", "--lake", lake]);
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/assignments dt=2026-02-10: wrote 2 partition/);
  });

  it("explains a missing upstream partition and a bad date", () => {
    const lake = join(work, "empty");
    const missing = assay(["build", "assignments", "--dt", "2026-02-10", "--lake", lake]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/config error: .*assay\.yaml: cannot read the file/);
    const bad = assay(["pipeline", "run", "--dt", "2026-13-45", "--lake", lake]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--dt must be a date/);
    expect(existsSync(join(lake, "silver"))).toBe(false);
  });

  it("writes a CSV folder that assay analyze accepts", () => {
    const dir = join(work, "csv");
    expect(assay(["generate", "--csv", dir, "--users", "800", "--duplicate-events", "0.02"]).status).toBe(0);
    const run = assay([
      "analyze",
      "--config",
      join(dir, "assay.yaml"),
      "--data",
      dir,
      "--out",
      join(work, "out"),
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
