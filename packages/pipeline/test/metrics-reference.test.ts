// docs/metrics.md on DuckDB: `assay analyze` of fixtures/reference/metrics-pipeline/input against expected.json.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type AssayConfig, loadConfigFile } from "../src/index.js";
import { type Analysis, analyzeFolder } from "./helpers/analyze.js";
import { compareWithMetricsReference, metricsReferenceInputDir } from "./helpers/metrics-reference.js";

const outDir = mkdtempSync(join(tmpdir(), "assay-metrics-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("metric types against the numpy/scipy reference (DuckDB, assay analyze)", () => {
  let analysis: Analysis | undefined;
  let config: AssayConfig | undefined;
  it("runs every metric type with passing data tests", async () => {
    config = await loadConfigFile(join(metricsReferenceInputDir, "assay.yaml"));
    analysis = await analyzeFolder({
      config,
      dataDir: metricsReferenceInputDir,
      outDir: join(outDir, "out"),
      alpha: 0.05,
    });
    expect(analysis.quality.data_tests.filter((t: { status: string }) => t.status !== "pass")).toEqual([]);
  }, 120_000);

  it("gives every expected.json field (counts exact, numbers to relative 1e-6)", () => {
    if (!analysis) throw new Error("the analysis did not run");
    const { mismatches, checked, metrics } = compareWithMetricsReference(
      analysis.results as unknown as Record<string, unknown>[],
    );
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(checked).toBeGreaterThan(0);
    // Every metric type of the config is in the reference and was compared.
    expect([...metrics].sort()).toEqual(config?.metrics.map((m) => m.id).sort());
  });
});
