// docs/metrics.md, retention: on the lake the data's horizon is the end of the partition day being computed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AssayConfig, loadConfigFile, partitionDir, runPipeline } from "../src/index.js";
import type { InputTableName } from "../src/io/input-schema.js";
import { rawLakeSelectList } from "../src/lake/raw-lake-schema.js";
import { createDuckDbEngine } from "../src/warehouses/duckdb/connection.js";
import { duckdbFunctions as f } from "../src/warehouses/duckdb/sql-compiler.js";
import {
  compareWithMetricsReference,
  metricsReferenceDir,
  metricsReferenceInputDir,
} from "./helpers/metrics-reference.js";

const lake = mkdtempSync(join(tmpdir(), "assay-retention-lake-"));
afterAll(() => rmSync(lake, { recursive: true, force: true }));

/** The reference's latest event is 2026-03-21T00:00:00Z: the end of partition day 2026-03-20. */
const landedDt = "2026-03-20";
// user_attributes (optional) is left out: retention needs none, and the reference file has no observation times.
const tables: ReadonlyArray<InputTableName> = ["assignments", "exposures", "events"];

type Row = Record<string, unknown>;
let config: AssayConfig;

beforeAll(async () => {
  const full = await loadConfigFile(join(metricsReferenceInputDir, "assay.yaml"));
  config = { ...full, experiments: full.experiments.map((e) => ({ ...e, metricIds: ["retention_d7"] })) };
  const duck = await createDuckDbEngine();
  try {
    for (const table of tables) {
      const csv = join(metricsReferenceInputDir, `${table}.csv`);
      const [header = ""] = readFileSync(csv, "utf8").split("\n", 1);
      const dir = partitionDir(lake, "raw", table, landedDt);
      mkdirSync(dir, { recursive: true });
      await duck.run(
        `COPY (SELECT ${rawLakeSelectList(table, header.split(","))} FROM read_csv(${f.string(csv)}, header = true, all_varchar = true)) TO ${f.string(join(dir, "part-0.parquet"))} (FORMAT parquet)`,
      );
    }
  } finally {
    await duck.close();
  }
}, 60_000);

const retentionRows = async (dt: string): Promise<Row[]> => {
  const run = await runPipeline({ source: { kind: "lake", lake, dt }, sink: { kind: "none" }, config });
  return (run.results as unknown as Row[]).filter((r) => r.metric_id === "retention_d7");
};

describe("retention on the lake", () => {
  it("waits for the end of partition day dt: at dt = the reference's last day it gives the reference", async () => {
    const rows = await retentionRows(landedDt);
    const { mismatches, metrics } = compareWithMetricsReference(rows, (m) => m === "retention_d7");
    expect(mismatches).toEqual([]);
    expect([...metrics]).toEqual(["retention_d7"]);
  }, 120_000);

  it("counts every unit whose window ended by a later partition's end, not by the latest event", async () => {
    // Three days later no new event arrived, yet every window (anchors before 2026-03-15, + 8 days) has ended.
    const rows = await retentionRows("2026-03-23");
    const expected = JSON.parse(readFileSync(join(metricsReferenceDir, "expected.json"), "utf8")) as {
      experiments: Record<string, Record<string, Record<string, { variations: Record<string, Row> }>>>;
    };
    const byKey = new Map(rows.map((r) => [`${r.experiment_id}/${r.analysis_mode}/${r.variation_id}`, r]));
    let checked = 0;
    for (const [experiment, metrics] of Object.entries(expected.experiments)) {
      for (const [mode, { variations }] of Object.entries(metrics.retention_d7 ?? {})) {
        for (const [variation, reference] of Object.entries(variations)) {
          const row = byKey.get(`${experiment}/${mode}/${variation}`);
          expect(row?.excluded_units).toBe(0);
          expect(row?.n_users).toBe(Number(reference.n_users) + Number(reference.excluded_units));
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(rows.some((r) => Number(r.n_users) > 0)).toBe(true);
  }, 120_000);
});
