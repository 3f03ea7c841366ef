import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createLakeReader,
  generateToLake,
  listPartitions,
  MissingPartitionError,
  type PipelineStep,
  partitionDir,
  pipelineSteps,
  runPipeline,
} from "../src/index.js";

/** The lake's daily jobs for dt (all, or one), lake partitions in and out. */
const jobs = (lake: string, dt: string, step?: PipelineStep) =>
  runPipeline({
    source: { kind: "lake", lake, dt },
    sink: { kind: "lake", lake, dt },
    ...(step ? { steps: [step] } : {}),
  });

describe("lake jobs (seed 001)", () => {
  const lake = mkdtempSync(join(tmpdir(), "assay-lake-"));
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it("builds Hive partitions, re-runs a dt idempotently, and keeps results cumulative per day", async () => {
    await generateToLake({ lake, dt: "2026-02-14", from: "2026-01-18", seed: 5, users: 2000 });
    expect(listPartitions(lake, "raw", "events")).toHaveLength(28);

    await expect(jobs(lake, "2026-02-14", "results")).rejects.toBeInstanceOf(MissingPartitionError);

    await jobs(lake, "2026-02-07");
    await jobs(lake, "2026-02-14");
    const first = await createLakeReader(lake).experimentResults({
      experimentIds: ["exp_checkout"],
      dt: "2026-02-14",
    });
    await jobs(lake, "2026-02-14");
    const again = await createLakeReader(lake).experimentResults({ experimentIds: ["exp_checkout"] });
    expect(again?.dt).toBe("2026-02-14");
    expect(again?.rows).toHaveLength(16);
    expect(again?.rows.map((r) => r.n_users)).toEqual(first?.rows.map((r) => r.n_users));

    // Exactly one file per partition and no temporary directories left behind.
    const dir = partitionDir(lake, "silver", "fact_assignment", "2026-02-14");
    expect(readdirSync(dir)).toEqual(["part-0.parquet"]);
    expect(readdirSync(join(lake, "silver", "fact_assignment")).sort()).toEqual([
      "dt=2026-02-07",
      "dt=2026-02-14",
    ]);

    const week1 = await createLakeReader(lake).experimentResults({
      experimentIds: ["exp_checkout"],
      dt: "2026-02-07",
    });
    const itt = (rows: typeof week1) =>
      rows?.rows.filter((r) => r.analysis_mode === "itt" && r.metric_id === "conversion_7d");
    const n1 = itt(week1)!.reduce((s, r) => s + r.n_users, 0);
    const n2 = itt(again)!.reduce((s, r) => s + r.n_users, 0);
    expect(n1).toBeGreaterThan(0);
    expect(n2).toBeGreaterThan(n1);

    // Segments: the generator's platform and country attributes, from the same results partition.
    const segments = await createLakeReader(lake).segmentResults({ experimentId: "exp_checkout" });
    expect(segments?.dt).toBe("2026-02-14");
    const platformItt = segments?.rows.filter(
      (r) =>
        r.segment_attribute === "platform" && r.analysis_mode === "itt" && r.metric_id === "conversion_7d",
    );
    expect(new Set(platformItt?.map((r) => r.segment_value))).toEqual(new Set(["android", "ios", "web"]));
    expect(platformItt?.reduce((s, r) => s + r.n_users, 0)).toBe(n2);
    expect(listPartitions(lake, "silver", "int_experiment_unit_segments")).toEqual([
      "2026-02-07",
      "2026-02-14",
    ]);

    const quality = await createLakeReader(lake).qualityReport();
    expect(quality?.report.experiments.exp_checkout?.canonical_units).toBe(n2);
    expect(quality?.report.data_tests.length).toBeGreaterThan(10);
    expect(existsSync(join(lake, "gold", "quality_report", "dt=2026-02-14", "quality_report.json"))).toBe(
      true,
    );
  });

  it("gives the same partitions job by job (assay build) as in one run (assay pipeline run)", async () => {
    const dt = "2026-02-14";
    const experimentId = "exp_checkout";
    const whole = await createLakeReader(lake).experimentResults({ experimentIds: [experimentId], dt });
    const wholeSegments = await createLakeReader(lake).segmentResults({ experimentId, dt });
    const wholeQuality = await createLakeReader(lake).qualityReport(dt);
    expect(wholeSegments?.rows.length).toBeGreaterThan(0);
    for (const step of pipelineSteps) await jobs(lake, dt, step);
    // Counts and text exact; floating sums may differ in the last bits between runs (parallel aggregation).
    type Row = Record<string, unknown>;
    const differences = (got: ReadonlyArray<object> | undefined, want: ReadonlyArray<object> | undefined) => {
      const key = (r: Row) =>
        [r.metric_id, r.analysis_mode, r.segment_attribute, r.segment_value, r.variation_id].join("/");
      const index = new Map((got ?? []).map((r) => [key(r as Row), r as Row]));
      const out = (got ?? []).length === (want ?? []).length ? [] : ["row counts differ"];
      for (const wanted of want ?? []) {
        const row = wanted as Row;
        for (const [column, value] of Object.entries(row)) {
          const actual = index.get(key(row))?.[column];
          const close =
            typeof value === "number" &&
            typeof actual === "number" &&
            Math.abs(actual - value) <= 1e-9 * Math.max(Math.abs(value), 1e-12);
          if (actual !== value && !close) out.push(`${key(row)}.${column}: ${actual} != ${value}`);
        }
      }
      return out;
    };
    const jobResults = await createLakeReader(lake).experimentResults({ experimentIds: [experimentId], dt });
    expect(differences(jobResults?.rows, whole?.rows)).toEqual([]);
    const jobSegments = await createLakeReader(lake).segmentResults({ experimentId, dt });
    expect(differences(jobSegments?.rows, wholeSegments?.rows)).toEqual([]);
    expect((await createLakeReader(lake).qualityReport(dt))?.report).toEqual(wholeQuality?.report);
  });
});
