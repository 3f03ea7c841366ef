import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClickHouse, testPostgres } from "../../../../scripts/test-services.js";
import { loadConfigFile } from "../../src/index.js";
import { resolveInputFiles } from "../../src/io/input-files.js";
import { loadInputsIntoWarehouse } from "../../src/load/load-warehouse.js";
import type { QualityReport } from "../../src/results/quality-report.js";
import { segmentAnalysisOutputs } from "../../src/runner/analysis-outputs.js";
import type { PipelineSource } from "../../src/runner/pipeline-source.js";
import { type PipelineRun, runPipeline } from "../../src/runner/run-pipeline.js";
import { openWarehouse } from "../../src/warehouses/open-warehouse.js";
import type { Warehouse, WarehouseKind } from "../../src/warehouses/warehouse.js";
import { checkSegmentInvariant } from "../helpers/segment-invariant.js";

/** The hand-checkable segment data set: 14 units, attribute rows exercising every rule of docs/pipeline.md. */
const inputDir = join(import.meta.dirname, "../../../../fixtures/segments/input");

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

const servers: Record<WarehouseKind, () => Promise<Server | undefined>> = {
  duckdb: async () => ({ url: "", stop: async () => {} }),
  postgres: () => testPostgres("conformance_segments"),
  clickhouse: () => testClickHouse("conformance_segments"),
};

type Row = Record<string, unknown>;
type AnalysisResult = PipelineRun & { readonly quality: QualityReport };

interface SegmentOutcome {
  readonly analysis: AnalysisResult;
  /** `experiment/user/attribute` → segment value. */
  readonly units: Map<string, string>;
  readonly bySegment: Row[];
  readonly byVariant: Row[];
}

const outcomes = new Map<WarehouseKind, SegmentOutcome>();
const work = mkdtempSync(join(tmpdir(), "assay-segments-engines-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Differences between two CSV files: text exact, numbers to relative 1e-9. */
function csvDifferences(actual: string, expected: string): string[] {
  const a = actual.trim().split("\n");
  const e = expected.trim().split("\n");
  const out: string[] = a.length === e.length ? [] : [`lines ${a.length} != ${e.length}`];
  e.forEach((line, i) => {
    const want = line.split(",");
    const got = (a[i] ?? "").split(",");
    want.forEach((w, j) => {
      const g = got[j] ?? "";
      const close = w !== "" && g !== "" && Math.abs(Number(g) - Number(w)) <= 1e-9 * Math.abs(Number(w));
      if (g !== w && !close) out.push(`line ${i + 1} field ${j + 1}: ${g} != ${w}`);
    });
  });
  return out;
}

const segmentKey = (r: Row) =>
  `${r.experiment_id}/${r.metric_id}/${r.analysis_mode}/${r.segment_attribute}/${r.segment_value}/${r.variation_id}`;

async function collect(warehouse: Warehouse, source: PipelineSource): Promise<SegmentOutcome> {
  const config = await loadConfigFile(join(inputDir, "assay.yaml"));
  const run = await runPipeline({ source, warehouse, sink: { kind: "none" }, config, alpha: 0.05 });
  if (run.quality === null) throw new Error("the run built no quality report");
  const analysis: AnalysisResult = { ...run, quality: run.quality };
  const { engine } = warehouse;
  // Test-only read of per-unit segment values; the analysis itself reads only aggregates.
  const unitRows = await engine.query<{
    experiment_id: string;
    user_id: string;
    segment_attribute: string;
    segment_value: string;
  }>("SELECT experiment_id, user_id, segment_attribute, segment_value FROM int_experiment_unit_segments");
  const units = new Map<string, string>();
  for (const row of unitRows) {
    const key = `${row.experiment_id}/${row.user_id}/${row.segment_attribute}`;
    expect(units.has(key), `${key} appears once`).toBe(false);
    units.set(key, row.segment_value);
  }
  const numeric = (rows: Row[]) =>
    rows.map((r) => ({ ...r, n: Number(r.n), is_control: r.is_control === true || r.is_control === 1 }));
  return {
    analysis,
    units,
    bySegment: numeric(await engine.query("SELECT * FROM agg_experiment_metric_by_segment")),
    byVariant: numeric(await engine.query("SELECT * FROM agg_experiment_metric_by_variant")),
  };
}

describe.each(["duckdb", "postgres", "clickhouse"] as const)("segments on %s", (kind) => {
  let server: Server | undefined;
  let opened: Warehouse | undefined;

  beforeAll(async () => {
    server = await servers[kind]();
    if (server === undefined) {
      if (process.env.CI === "true")
        throw new Error(`${kind} server binaries are missing (CI must install them)`);
      console.warn(`segments: skipping ${kind}: server binaries not installed (scripts/install-services.sh)`);
      return;
    }
    opened = await openWarehouse({ kind, url: server.url });
    if (kind === "duckdb") {
      outcomes.set(kind, await collect(opened, { kind: "folder", dir: inputDir }));
    } else {
      const loader = opened.loader;
      if (loader === null) throw new Error(`${kind} engine cannot bulk-load`);
      const files = {
        assignments: resolveInputFiles(inputDir, "assignments"),
        exposures: resolveInputFiles(inputDir, "exposures"),
        events: resolveInputFiles(inputDir, "events"),
        user_attributes: resolveInputFiles(inputDir, "user_attributes"),
      };
      await loadInputsIntoWarehouse(loader, files, "2026-03-01");
      // Loading the same dt again replaces the partition instead of doubling it (user_attributes included).
      const second = await loadInputsIntoWarehouse(loader, files, "2026-03-01");
      expect(second.map((r) => [r.table, r.rows])).toEqual([
        ["raw_assignments", 15],
        ["raw_exposures", 6],
        ["raw_events", 31],
        ["raw_user_attributes", 32],
      ]);
      outcomes.set(kind, await collect(opened, { kind: "loaded" }));
    }
  }, 120_000);

  afterAll(async () => {
    await opened?.close();
    await server?.stop();
  });

  it("passes every data test, segment models included", (context) => {
    const outcome = outcomes.get(kind);
    if (!outcome) return context.skip();
    const tests = outcome.analysis.quality.data_tests;
    expect(tests.filter((t) => t.status !== "pass")).toEqual([]);
    expect(tests.map((t) => t.model)).toContain("int_experiment_unit_segments");
    expect(tests.map((t) => t.model)).toContain("agg_experiment_metric_by_segment");
  });

  it("gives each unit the latest value at or before assignment, else (not set)", (context) => {
    const outcome = outcomes.get(kind);
    if (!outcome) return context.skip();
    const value = (user: string, attribute: string) => outcome.units.get(`exp_seg/${user}/${attribute}`);
    // Every canonical unit (14; u14's second assignment is a conflict, not a unit) once per attribute.
    expect(outcome.units.size).toBe(14 * 2);
    expect(value("u01", "platform")).toBe("web");
    expect(value("u02", "platform")).toBe("ios"); // android observed after assignment: ignored
    expect(value("u03", "platform")).toBe("(not set)"); // no observation
    expect(value("u03", "country")).toBe("US"); // observed exactly at assignment: counts
    expect(value("u04", "platform")).toBe("(not set)"); // only an observation after assignment
    expect(value("u05", "platform")).toBe("web"); // ios then web, both before: the latest wins
    expect(value("u06", "platform")).toBe("ios"); // iOS and ios at the same time: the largest, byte order
    expect(value("u10", "country")).toBe("(not set)");
    expect(value("u12", "platform")).toBe("ios"); // a duplicated observation
    expect(value("u14", "platform")).toBe("web"); // ios after the canonical assignment: ignored
    expect([...outcome.units.keys()].some((k) => k.endsWith("/plan"))).toBe(false); // not configured
    expect([...outcome.units.keys()].some((k) => k.includes("/u99/"))).toBe(false); // not a unit
    expect(outcome.analysis.segmentAttributes).toEqual(["platform", "country"]);
  });

  it("gives the hand-computed sufficient statistics of platform = web", (context) => {
    const outcome = outcomes.get(kind);
    if (!outcome) return context.skip();
    const row = (metric: string, mode: string, variation: string) =>
      outcome.bySegment.find((r) => segmentKey(r) === `exp_seg/${metric}/${mode}/platform/web/${variation}`);
    // control on web: u01 (revenue 10, 2 sessions, pre-period 4), u05 (20 + 5, 1 session), u14 (0, 1 session).
    expect(row("revenue_7d", "itt", "control")).toMatchObject({
      n: 3,
      sum_value: 35,
      sum_value_sq: 725,
      sum_cov: 4,
      sum_cov_sq: 16,
      sum_value_cov: 40,
      is_control: true,
    });
    expect(row("revenue_per_session", "itt", "control")).toMatchObject({
      n: 3,
      sum_value: 35,
      sum_den: 4,
      sum_den_sq: 6,
      sum_value_den: 45,
    });
    expect(row("conversion_7d", "itt", "control")).toMatchObject({ n: 3, sum_value: 2, sum_value_sq: 2 });
    // exposed: u01 and u05 (u14 has no exposure).
    expect(row("revenue_7d", "exposed", "control")).toMatchObject({ n: 2, sum_value: 35 });
    // treatment on web: u07 (30, pre-period 6), u08 (0), u11 (12.5).
    expect(row("revenue_7d", "itt", "treatment")).toMatchObject({
      n: 3,
      sum_value: 42.5,
      sum_value_sq: 1056.25,
      sum_cov: 6,
    });
  });

  it("has only segments with a unit, each with every variation, metric and mode", (context) => {
    const outcome = outcomes.get(kind);
    if (!outcome) return context.skip();
    const segments = new Set(outcome.bySegment.map((r) => `${r.segment_attribute}=${r.segment_value}`));
    expect([...segments].sort()).toEqual([
      "country=(not set)",
      "country=DE",
      "country=US",
      "platform=(not set)",
      "platform=android",
      "platform=ios",
      "platform=web",
    ]);
    expect(outcome.bySegment).toHaveLength(7 * 3 * 2 * 2);
    // platform=android has no exposed unit: its exposed rows exist with n = 0.
    expect(
      outcome.bySegment
        .filter((r) => r.segment_value === "android" && r.analysis_mode === "exposed")
        .map((r) => r.n),
    ).toEqual(Array(6).fill(0));
  });

  // Warehouses only: on DuckDB the warehouse path and the DuckDB path are the same code.
  const onWarehouse = kind === "duckdb" ? () => undefined : it;
  onWarehouse(
    "writes the DuckDB path's segment CSVs from the warehouse (assay analyze --engine)",
    async (context) => {
      if (!opened || kind === "duckdb") return context.skip();
      const config = await loadConfigFile(join(inputDir, "assay.yaml"));
      const duckOut = join(work, `${kind}-duckdb`);
      const warehouseOut = join(work, kind);
      await runPipeline({
        source: { kind: "folder", dir: inputDir },
        sink: { kind: "folder", dir: duckOut },
        config,
      });
      await runPipeline({
        source: { kind: "loaded" },
        warehouse: opened,
        sink: { kind: "folder", dir: warehouseOut },
        config,
      });
      for (const { file } of segmentAnalysisOutputs) {
        const read = (dir: string) => readFileSync(join(dir, `${file}.csv`), "utf8");
        expect(csvDifferences(read(warehouseOut), read(duckOut)), file).toEqual([]);
      }
    },
    60_000,
  );

  it("adds up, over the values of each attribute, to agg_experiment_metric_by_variant", (context) => {
    const outcome = outcomes.get(kind);
    if (!outcome) return context.skip();
    expect(checkSegmentInvariant(outcome.byVariant, outcome.bySegment, ["platform", "country"])).toEqual([]);
  });
});

describe("segment models: engines agree with each other", () => {
  const relative = (a: number, b: number) => Math.abs(a - b) <= Math.max(1e-9 * Math.abs(b), 1e-15);
  const compare = (base: Row[], other: Row[], key: (r: Row) => string) => {
    const mismatches: string[] = [];
    const index = new Map(other.map((r) => [key(r), r]));
    for (const want of base) {
      const row = index.get(key(want));
      for (const [column, value] of Object.entries(want)) {
        const actual = row?.[column] ?? null;
        const ok =
          typeof value === "number" && typeof actual === "number"
            ? Number.isInteger(value) && column.startsWith("n")
              ? actual === value
              : relative(actual, value)
            : actual === value;
        if (!ok) mismatches.push(`${key(want)}.${column}: ${String(actual)} != ${String(value)}`);
      }
    }
    if (other.length !== base.length) mismatches.push(`rows ${other.length} != ${base.length}`);
    return mismatches;
  };

  it.for(["postgres", "clickhouse"] as const)(
    "%s matches duckdb (counts exact, numbers to relative 1e-9)",
    (kind, context) => {
      const base = outcomes.get("duckdb");
      const other = outcomes.get(kind);
      if (!base || !other) return context.skip();
      expect([...other.units].sort()).toEqual([...base.units].sort());
      expect(compare(base.bySegment, other.bySegment, segmentKey).slice(0, 10)).toEqual([]);
      const results = (o: SegmentOutcome) => o.analysis.segmentResults as unknown as Row[];
      expect(compare(results(base), results(other), segmentKey).slice(0, 10)).toEqual([]);
    },
  );
});
