// docs/metrics.md on every engine: the metric types against fixtures/reference/metrics-pipeline (numpy/scipy).
import { cpSync, createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClickHouse, testPostgres } from "../../../../scripts/test-services.js";
import { type AssayConfig, loadConfigFile } from "../../src/index.js";
import { resolveInputFiles } from "../../src/io/input-files.js";
import { loadInputsIntoWarehouse } from "../../src/load/load-warehouse.js";
import { type PipelineRun, runPipeline } from "../../src/runner/run-pipeline.js";
import type { BulkLoader, LoadColumn } from "../../src/warehouses/bulk-loader.js";
import { createDuckDbEngine } from "../../src/warehouses/duckdb/connection.js";
import { duckdbFunctions as d } from "../../src/warehouses/duckdb/sql-compiler.js";
import { openWarehouse } from "../../src/warehouses/open-warehouse.js";
import type { WarehouseKind as EngineKind, Warehouse } from "../../src/warehouses/warehouse.js";
import { compareWithMetricsReference, metricsReferenceInputDir } from "../helpers/metrics-reference.js";

/**
 * What an engine cannot run yet, with the reason: these metrics are left out of its run and its comparison.
 * Empty: every metric type runs on DuckDB, PostgreSQL and ClickHouse 18.16 (a 2-shard cluster here).
 */
const skips: ReadonlyArray<{ engine: EngineKind; metric: string | "*"; reason: string }> = [];
const skipped = (engine: EngineKind, metric: string) =>
  skips.some((s) => s.engine === engine && (s.metric === "*" || s.metric === metric));

/** The reference config without the metrics an engine skips. */
const runnable = (engine: EngineKind, config: AssayConfig): AssayConfig => ({
  ...config,
  experiments: config.experiments.map((e) => ({
    ...e,
    metricIds: e.metricIds.filter((id) => !skipped(engine, id)),
  })),
});

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

const servers: Record<EngineKind, () => Promise<Server | undefined>> = {
  duckdb: async () => ({ url: "", stop: async () => {} }),
  postgres: () => testPostgres("conformance_metric_types"),
  clickhouse: () => testClickHouse("conformance_metric_types"),
};

/** The warehouse's own table the SQL-source metric reads (`orders.csv` of the reference), loaded as `orders`. */
const orderColumns: LoadColumn[] = [
  { name: "order_id", type: "text" },
  { name: "user_id", type: "text" },
  { name: "order_time_utc", type: "timestamp" },
  { name: "amount", type: "double" },
  { name: "status", type: "text" },
];

async function loadOrders(target: BulkLoader): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "assay-orders-"));
  const duck = await createDuckDbEngine();
  try {
    const csv = join(work, "orders.csv");
    await duck.run(
      `COPY (SELECT '2026-03-21' AS dt, order_id, user_id, strftime(CAST(order_time_utc AS TIMESTAMP), '%Y-%m-%d %H:%M:%S'), CAST(amount AS VARCHAR), status
  FROM read_csv(${d.string(join(metricsReferenceInputDir, "orders.csv"))}, header = true, all_varchar = true)) TO ${d.string(csv)} (FORMAT csv, HEADER false)`,
    );
    await target.ensureLoadTable("orders", orderColumns, "user_id");
    await target.replacePartition("orders", orderColumns, "2026-03-21", () => createReadStream(csv));
  } finally {
    await duck.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The reference input plus one segment attribute every unit has with one value (`all_units = all`): that segment's
 * results must be the reference itself, for every metric type (quantiles, funnel steps and k covariates included).
 */
const wholeSegment = { attribute: "all_units", value: "all" } as const;
const dataDir = mkdtempSync(join(tmpdir(), "assay-metric-types-"));
cpSync(metricsReferenceInputDir, dataDir, { recursive: true });
{
  const users = new Set(
    readFileSync(join(metricsReferenceInputDir, "assignments.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(",")[1] ?? ""),
  );
  const attributes = readFileSync(join(metricsReferenceInputDir, "user_attributes.csv"), "utf8").trimEnd();
  const extra = [...users].map((user) => `${user},${wholeSegment.attribute},${wholeSegment.value}`);
  writeFileSync(join(dataDir, "user_attributes.csv"), `${attributes}\n${extra.join("\n")}\n`);
}
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe.each(["duckdb", "postgres", "clickhouse"] as const)("metric types on %s", (kind) => {
  let server: Server | undefined;
  let warehouse: Warehouse | undefined;
  let analysis: PipelineRun | undefined;
  let metricIds: ReadonlyArray<string> = [];

  beforeAll(async () => {
    if (skipped(kind, "*")) return;
    server = await servers[kind]();
    if (server === undefined) {
      if (process.env.CI === "true")
        throw new Error(`${kind} server binaries are missing (CI must install them)`);
      console.warn(
        `conformance: skipping ${kind}: server binaries not installed (scripts/install-services.sh)`,
      );
      return;
    }
    warehouse = await openWarehouse({ kind, url: server.url });
    const config = runnable(kind, await loadConfigFile(join(metricsReferenceInputDir, "assay.yaml")));
    metricIds = [...new Set(config.experiments.flatMap((e) => e.metricIds))].sort();
    if (kind === "duckdb") {
      analysis = await runPipeline({
        source: { kind: "folder", dir: dataDir },
        warehouse,
        sink: { kind: "none" },
        config,
      });
    } else {
      const loader = warehouse.loader;
      if (loader === null) throw new Error(`${kind} engine cannot bulk-load`);
      const files = {
        assignments: resolveInputFiles(dataDir, "assignments"),
        exposures: resolveInputFiles(dataDir, "exposures"),
        events: resolveInputFiles(dataDir, "events"),
        user_attributes: resolveInputFiles(dataDir, "user_attributes"),
      };
      await loadInputsIntoWarehouse(loader, files, "2026-03-21");
      await loadOrders(loader);
      analysis = await runPipeline({ source: { kind: "loaded" }, warehouse, sink: { kind: "none" }, config });
    }
  }, 180_000);

  afterAll(async () => {
    await warehouse?.close();
    await server?.stop();
  });

  it("passes every data test", (context) => {
    if (!analysis) return context.skip();
    expect((analysis.quality?.data_tests ?? []).filter((t) => t.status !== "pass")).toEqual([]);
  });

  it("gives every expected.json field of every metric type (counts exact, numbers to relative 1e-6)", (context) => {
    if (!analysis) return context.skip();
    const { mismatches, metrics } = compareWithMetricsReference(
      analysis.results as unknown as Record<string, unknown>[],
      (metric) => !skipped(kind, metric),
    );
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect([...metrics].sort()).toEqual(metricIds);
  });

  it("gives the reference in a segment holding every unit, for every metric type", (context) => {
    if (!analysis) return context.skip();
    const rows = analysis.segmentResults.filter(
      (r) => r.segment_attribute === wholeSegment.attribute && r.segment_value === wholeSegment.value,
    );
    const { mismatches, metrics } = compareWithMetricsReference(
      rows as unknown as Record<string, unknown>[],
      (metric) => !skipped(kind, metric),
    );
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect([...metrics].sort()).toEqual(metricIds);
  });
});
