import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClickHouse, testPostgres } from "../../../../scripts/test-services.js";
import { loadConfigFile } from "../../src/index.js";
import { resolveInputFiles } from "../../src/io/input-files.js";
import { loadInputsIntoWarehouse } from "../../src/load/load-warehouse.js";
import type { PipelineSource } from "../../src/runner/pipeline-source.js";
import { runPipeline } from "../../src/runner/run-pipeline.js";
import { openWarehouse } from "../../src/warehouses/open-warehouse.js";
import type { Warehouse, WarehouseKind } from "../../src/warehouses/warehouse.js";
import { closeEnough, readExpected, referenceInputDir } from "../helpers/reference.js";

/** What each engine produced on the reference data set. */
interface EngineOutcome {
  readonly units: Map<string, Record<string, unknown>>;
  readonly quality: Record<string, unknown>;
  readonly results: ReadonlyArray<Record<string, unknown>>;
}

/** Things an engine truly cannot do, with the reason (Drizzle pg-common style): checked items are skipped. */
const skips: ReadonlyArray<{ engine: WarehouseKind; check: string; reason: string }> = [];
const skipped = (engine: WarehouseKind, check: string) =>
  skips.some((s) => s.engine === engine && s.check === check);

const booleanColumns = [
  "assignment_conflict",
  "pre_assignment_exposure",
  "variant_mismatch",
  "multi_variation_exposure",
  "exposure_outside_window",
  "is_exposed",
];

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

const servers: Record<WarehouseKind, () => Promise<Server | undefined>> = {
  duckdb: async () => ({ url: "", stop: async () => {} }),
  postgres: () => testPostgres("conformance_engines"),
  clickhouse: () => testClickHouse("conformance_engines"),
};

const outcomes = new Map<WarehouseKind, EngineOutcome>();
const expected = readExpected();

async function collect(warehouse: Warehouse, source: PipelineSource): Promise<EngineOutcome> {
  const config = await loadConfigFile(join(referenceInputDir, "assay.yaml"));
  const run = await runPipeline({ source, warehouse, sink: { kind: "none" }, config, alpha: 0.05 });
  const analysis = { ...run, quality: run.quality ?? fail("the run built no quality report") };
  const { engine } = warehouse;
  const f = warehouse.dialect.functions;
  // Test-only read of per-unit flags; the analysis itself reads only aggregates.
  const rows = await engine.query(
    `SELECT experiment_id, user_id, variant_id, exposure_count, ${booleanColumns.join(", ")},
  ${f.formatTimestamp("first_exposure_time_utc")} AS first_exposure_time_utc FROM int_experiment_exposure_validation`,
  );
  const units = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const unit: Record<string, unknown> = { ...row, exposure_count: Number(row.exposure_count) };
    for (const column of booleanColumns) unit[column] = row[column] === true || row[column] === 1;
    units.set(`${row.experiment_id}/${row.user_id}`, unit);
  }
  expect(analysis.quality.data_tests.filter((t) => t.status !== "pass")).toEqual([]);
  return {
    units,
    quality: analysis.quality as unknown as Record<string, unknown>,
    results: analysis.results as unknown as Record<string, unknown>[],
  };
}

const fail = (message: string): never => {
  throw new Error(message);
};

const resultKey = (r: Record<string, unknown>) =>
  `${r.experiment_id}/${r.metric_id}/${r.analysis_mode}/${r.variation_id}`;

describe.each(["duckdb", "postgres", "clickhouse"] as const)("reference pipeline on %s", (kind) => {
  let server: Server | undefined;
  let warehouse: Warehouse | undefined;

  beforeAll(async () => {
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
    if (kind === "duckdb") {
      outcomes.set(kind, await collect(warehouse, { kind: "folder", dir: referenceInputDir }));
    } else {
      const loader = warehouse.loader;
      if (loader === null) throw new Error(`${kind} engine cannot bulk-load`);
      const files = {
        assignments: resolveInputFiles(referenceInputDir, "assignments"),
        exposures: resolveInputFiles(referenceInputDir, "exposures"),
        events: resolveInputFiles(referenceInputDir, "events"),
      };
      await loadInputsIntoWarehouse(loader, files, "2026-02-01");
      // Loading the same dt again replaces the partition instead of doubling it.
      const second = await loadInputsIntoWarehouse(loader, files, "2026-02-01");
      expect(second.map((r) => r.rows)).toEqual([10592, 21559, 29969]);
      outcomes.set(kind, await collect(warehouse, { kind: "loaded" }));
    }
  }, 120_000);

  afterAll(async () => {
    await warehouse?.close();
    await server?.stop();
  });

  it("gives every unit's validation flags exactly as expected.json", (context) => {
    const outcome = outcomes.get(kind);
    if (!outcome || skipped(kind, "units")) return context.skip();
    const mismatches: string[] = [];
    let count = 0;
    for (const [experiment, byUser] of Object.entries(expected.units)) {
      for (const [user, fields] of Object.entries(byUser)) {
        count++;
        const row = outcome.units.get(`${experiment}/${user}`);
        for (const [field, value] of Object.entries(fields)) {
          const actual = row?.[field] ?? null;
          if (actual !== value) mismatches.push(`${experiment}/${user}.${field}: ${actual} != ${value}`);
        }
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(outcome.units.size).toBe(count);
  });

  it("gives the contract's quality report", (context) => {
    const outcome = outcomes.get(kind);
    if (!outcome || skipped(kind, "quality")) return context.skip();
    const quality = outcome.quality as {
      duplicate_event_rows: number;
      experiments: Record<string, Record<string, number>>;
    };
    expect(quality.duplicate_event_rows).toBe(expected.duplicate_event_rows);
    for (const [experiment, fields] of Object.entries(expected.experiments)) {
      for (const [field, value] of Object.entries(fields)) {
        const actual = quality.experiments[experiment]?.[field];
        if (field.startsWith("srm_p_value"))
          expect(closeEnough(actual as number, value), `${experiment}.${field}`).toBe(true);
        else expect(actual, `${experiment}.${field}`).toBe(value);
      }
    }
  });

  it("gives every result row (counts exact, numbers to relative 1e-6)", (context) => {
    const outcome = outcomes.get(kind);
    if (!outcome || skipped(kind, "results")) return context.skip();
    const index = new Map(outcome.results.map((r) => [resultKey(r), r]));
    expect(outcome.results.length).toBe(expected.results.length);
    const mismatches: string[] = [];
    for (const want of expected.results) {
      const row = index.get(resultKey(want));
      for (const [column, value] of Object.entries(want)) {
        const actual = row?.[column] ?? null;
        const ok =
          typeof value === "number" && !Number.isInteger(value)
            ? typeof actual === "number" && closeEnough(actual, value)
            : actual === value;
        if (!ok) mismatches.push(`${resultKey(want)}.${column}: ${actual} != ${value}`);
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});

describe("engines agree with each other", () => {
  const relative = (a: number, b: number) => Math.abs(a - b) <= Math.max(1e-9 * Math.abs(b), 1e-15);
  it.for(["postgres", "clickhouse"] as const)(
    "%s matches duckdb (counts exact, numbers to relative 1e-9)",
    (kind, context) => {
      const base = outcomes.get("duckdb");
      const other = outcomes.get(kind);
      if (!base || !other) return context.skip();
      const mismatches: string[] = [];
      for (const [key, unit] of base.units) {
        const row = other.units.get(key);
        for (const [column, value] of Object.entries(unit)) {
          if (row?.[column] !== value) mismatches.push(`unit ${key}.${column}: ${row?.[column]} != ${value}`);
        }
      }
      expect(other.units.size).toBe(base.units.size);
      const index = new Map(other.results.map((r) => [resultKey(r), r]));
      for (const want of base.results) {
        const row = index.get(resultKey(want));
        for (const [column, value] of Object.entries(want)) {
          const actual = row?.[column] ?? null;
          const ok =
            typeof value === "number" && typeof actual === "number"
              ? relative(actual, value)
              : actual === value;
          if (!ok) mismatches.push(`result ${resultKey(want)}.${column}: ${actual} != ${value}`);
        }
      }
      const quality = (q: Record<string, unknown>) => JSON.stringify({ ...q, data_tests: undefined });
      expect(quality(other.quality)).toBe(quality(base.quality));
      expect(mismatches.slice(0, 10)).toEqual([]);
    },
  );
});
