import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../src/index.js";
import { analyzeFolder } from "./helpers/analyze.js";
import { compareWithReference, referenceInputDir } from "./helpers/reference.js";

describe("reference data set pipeline-public", () => {
  const work = mkdtempSync(join(tmpdir(), "assay-ref-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("matches every field of expected.json (counts and flags exact, numbers to relative 1e-6)", async () => {
    const config = await loadConfigFile(join(referenceInputDir, "assay.yaml"));
    const outDir = join(work, "out");
    const analysis = await analyzeFolder({ config, dataDir: referenceInputDir, outDir, alpha: 0.05 });
    const { mismatches, checked } = await compareWithReference(outDir);
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(checked).toBeGreaterThan(90_000);
    expect(analysis.quality.data_tests.every((t) => t.status === "pass")).toBe(true);
  });
});
