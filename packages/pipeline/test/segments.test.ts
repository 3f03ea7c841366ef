import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ConfigError,
  computeSegmentResults,
  createDuckDbWarehouse,
  type Engine,
  generateDataset,
  InputError,
  loadConfigFile,
  parseConfigText,
  type SegmentAggregate,
  stringifyConfig,
  type Warehouse,
} from "../src/index.js";
import { computeResults } from "../src/results/compute-results.js";
import { analyzeFolder, analyzeLoaded } from "./helpers/analyze.js";
import { checkSegmentInvariant } from "./helpers/segment-invariant.js";

const segmentsInput = join(import.meta.dirname, "../../../fixtures/segments/input");

/** A digest of a table's rows, independent of row order. */
async function digest(engine: Engine, table: string): Promise<string> {
  const [row] = await engine.query<{ n: number; d: string }>(
    `SELECT count(*) AS n, md5(string_agg(x, chr(10) ORDER BY x)) AS d FROM (SELECT concat_ws('|', COLUMNS(*)) AS x FROM ${table}) t`,
  );
  return `${row?.n}:${row?.d}`;
}

async function withEngine<T>(work: (engine: Engine, warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await createDuckDbWarehouse();
  try {
    return await work(warehouse.engine, warehouse);
  } finally {
    await warehouse.close();
  }
}

describe("generator user attributes", () => {
  it("leave assignments, exposures and events row for row the same, and are deterministic", async () => {
    const tables = ["raw_assignments", "raw_exposures", "raw_events", "raw_user_attributes"];
    const run = (userAttributes: boolean) =>
      withEngine(async (engine) => {
        await generateDataset(engine, { seed: 3, users: 1500, userAttributes });
        const digests = await Promise.all(tables.map((t) => digest(engine, t)));
        const shares = await engine.query<{ value: string; share: number }>(
          `SELECT value, count(*) / sum(count(*)) OVER () AS share FROM raw_user_attributes a
           WHERE attribute = 'platform' AND observed_time_utc <= (SELECT min(assignment_time_utc) FROM raw_assignments r WHERE r.user_id = a.user_id)
           GROUP BY value ORDER BY value`,
        );
        const [late] = await engine.query<{ n: number }>(
          `SELECT count(*) AS n FROM (SELECT DISTINCT user_id FROM raw_assignments) u
           WHERE NOT EXISTS (SELECT 1 FROM raw_user_attributes a WHERE a.user_id = u.user_id AND a.attribute = 'platform'
             AND a.observed_time_utc <= (SELECT min(assignment_time_utc) FROM raw_assignments r WHERE r.user_id = u.user_id))`,
        );
        return { digests, shares, late: late?.n };
      });
    const withAttributes = await run(true);
    const again = await run(true);
    const without = await run(false);
    expect(without.digests.slice(0, 3)).toEqual(withAttributes.digests.slice(0, 3));
    expect(without.digests[3]).toMatch(/^0:/);
    expect(again.digests).toEqual(withAttributes.digests);
    // Every assigned user has a platform known at their first assignment, drawn 40/35/25.
    expect(withAttributes.late).toBe(0);
    const share = Object.fromEntries(withAttributes.shares.map((s) => [s.value, s.share]));
    expect(share.ios).toBeCloseTo(0.4, 1);
    expect(share.android).toBeCloseTo(0.35, 1);
    expect(share.web).toBeCloseTo(0.25, 1);
  });
});

describe("segment results on generated data (DuckDB)", () => {
  it("add up to the by-variant aggregate for every attribute; every unit once per attribute", async () => {
    await withEngine(async (engine, warehouse) => {
      const { config } = await generateDataset(engine, {
        seed: 11,
        users: 3000,
        faults: { variantMismatch: 0.03, multiVariationExposure: 0.02 },
      });
      const analysis = await analyzeLoaded(warehouse, { config, alpha: 0.05 });
      expect(analysis.quality.data_tests.filter((t) => t.status !== "pass")).toEqual([]);
      expect(analysis.segmentAttributes).toEqual(["country", "platform"]);
      const byVariant = await engine.query("SELECT * FROM agg_experiment_metric_by_variant");
      const bySegment = await engine.query("SELECT * FROM agg_experiment_metric_by_segment");
      expect(checkSegmentInvariant(byVariant, bySegment, ["country", "platform"])).toEqual([]);
      const [units] = await engine.query<{ cohort: number; segments: number; post: number }>(
        `SELECT (SELECT count(*) FROM fct_experiment_cohort) AS cohort,
           (SELECT count(*) FROM int_experiment_unit_segments) AS segments,
           (SELECT count(*) FROM int_experiment_unit_segments WHERE segment_observed_time_utc > assignment_time_utc) AS post`,
      );
      expect(units?.segments).toBe(2 * (units?.cohort ?? 0));
      expect(units?.post).toBe(0);
      // The result rows are the per-variant computation per segment: one row per aggregate row.
      expect(analysis.segmentResults).toHaveLength(bySegment.length);
      const countries = new Set(
        analysis.segmentResults.filter((r) => r.segment_attribute === "country").map((r) => r.segment_value),
      );
      expect(countries).toContain("(not set)");
    });
  });

  it("shows a lift planted on web only in the web segment", async () => {
    await withEngine(async (engine, warehouse) => {
      const { config } = await generateDataset(engine, {
        seed: 21,
        users: 20_000,
        effects: {},
        effectsByPlatform: { exp_checkout: { treatment: { web: 1 } } },
      });
      const { segmentResults } = await analyzeLoaded(warehouse, { config, alpha: 0.05, skipTests: true });
      const lift = (platform: string) =>
        segmentResults.find(
          (r) =>
            r.experiment_id === "exp_checkout" &&
            r.metric_id === "orders_7d" &&
            r.analysis_mode === "itt" &&
            r.segment_attribute === "platform" &&
            r.segment_value === platform &&
            r.variation_id === "treatment",
        );
      // A doubled purchase probability on web; nothing on ios or android.
      expect(lift("web")?.uplift_rel).toBeGreaterThan(0.5);
      expect(lift("web")?.p_value_two_sided).toBeLessThan(0.001);
      for (const platform of ["ios", "android"]) {
        expect(Math.abs(lift(platform)?.uplift_rel ?? 1)).toBeLessThan(0.15);
      }
    });
  });
});

describe("computeSegmentResults", () => {
  it("is computeResults per experiment × segment, only for segments that have rows, in byte order", async () => {
    const config = await loadConfigFile(join(segmentsInput, "assay.yaml"));
    const base = {
      experiment_id: "exp_seg",
      metric_id: "revenue_7d",
      analysis_mode: "itt",
      sum_den: 0,
      sum_den_sq: 0,
      sum_value_den: 0,
      sum_cov: 0,
      sum_cov_sq: 0,
      sum_value_cov: 0,
    };
    const arm = (value: string, variation: string, n: number, sum: number, sq: number) => ({
      ...base,
      segment_attribute: "platform",
      segment_value: value,
      variation_id: variation,
      is_control: variation === "control",
      n,
      sum_value: sum,
      sum_value_sq: sq,
    });
    const aggregates: SegmentAggregate[] = [
      arm("web", "control", 10, 20, 80),
      arm("web", "treatment", 12, 30, 120),
      arm("Web", "control", 5, 5, 9),
      arm("Web", "treatment", 1, 2, 4),
    ];
    const { rows, skipped } = computeSegmentResults(aggregates, config, { alpha: 0.05 });
    expect([...new Set(rows.map((r) => r.segment_value))]).toEqual(["Web", "web"]);
    const web = rows.filter((r) => r.segment_value === "web");
    const expected = computeResults(
      config,
      aggregates.filter((a) => a.segment_value === "web"),
      { alpha: 0.05 },
    ).rows;
    expect(web).toEqual(expected.map((r) => ({ ...r, segment_attribute: "platform", segment_value: "web" })));
    // One unit in an arm: the comparison is refused and reported with its segment, not thrown.
    expect(skipped).toContainEqual(
      expect.objectContaining({ segment_value: "Web", metric_id: "revenue_7d", variation_id: "treatment" }),
    );
  });
});

describe("segment_attributes in assay.yaml", () => {
  const yaml = `
experiments:
  - id: exp_a
    start: "2026-02-01T00:00:00Z"
    end: "2026-02-15T00:00:00Z"
    variants: [{id: control, allocation: 50, control: true}, {id: b, allocation: 50}]
    metrics: [conv]
metrics:
  - {id: conv, type: conversion, event: purchase, window_days: 7}
`;
  const issues = (text: string) => {
    try {
      parseConfigText(text);
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.issues.map((i) => `${i.path}: ${i.message}`);
    }
  };

  it("is optional, round-trips, and errors name the key", () => {
    expect(parseConfigText(yaml).segmentAttributes).toBeUndefined();
    const config = parseConfigText(`${yaml}segment_attributes: [platform, country]\n`);
    expect(config.segmentAttributes).toEqual(["platform", "country"]);
    expect(parseConfigText(stringifyConfig(config))).toEqual(config);
    expect(issues(`${yaml}segment_attributes: platform\n`)).toEqual([
      expect.stringMatching(/^segment_attributes: /),
    ]);
    expect(issues(`${yaml}segment_attributes: [platform, platform]\n`)).toEqual([
      'segment_attributes[1]: duplicate attribute "platform"',
    ]);
    expect(issues(`${yaml}segment_attributes: [""]\n`)[0]).toMatch(/^segment_attributes\[0\]: /);
  });
});

describe("user_attributes input", () => {
  const work = mkdtempSync(join(tmpdir(), "assay-segments-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** The segments fixture with another user_attributes.csv (null: none), and its config with or without segment_attributes. */
  const copyWith = async (name: string, userAttributes: string | null, keepSegmentAttributes = false) => {
    const dir = join(work, name);
    await cp(segmentsInput, dir, { recursive: true });
    if (userAttributes === null) rmSync(join(dir, "user_attributes.csv"));
    else writeFileSync(join(dir, "user_attributes.csv"), userAttributes);
    const config = await loadConfigFile(join(dir, "assay.yaml"));
    const { segmentAttributes: _, ...rest } = config;
    return { dir, config: keepSegmentAttributes ? config : rest };
  };

  it("names the file and column of a missing column, and the line of a bad time", async () => {
    const missing = await copyWith(
      "missing",
      "user_id,attribute,observed_time_utc\nu01,platform,2026-02-20T00:00:00Z\n",
    );
    const error = await analyzeFolder({
      ...missing,
      dataDir: missing.dir,
      outDir: join(work, "o1"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).column).toBe("value");
    expect((error as InputError).message).toMatch(/user_attributes\.csv: missing column "value"/);
    const bad = await copyWith(
      "bad",
      "user_id,attribute,value,observed_time_utc\nu01,platform,web,2026-02-20T00:00:00Z\nu02,platform,ios,yesterday\n",
    );
    const badError = await analyzeFolder({ ...bad, dataDir: bad.dir, outDir: join(work, "o2") }).catch(
      (e: unknown) => e,
    );
    expect(badError).toBeInstanceOf(InputError);
    expect((badError as InputError).message).toMatch(
      /user_attributes\.csv line 3: column "observed_time_utc"/,
    );
  });

  it("absent: no segment models run; configured attributes without rows: every unit is (not set)", async () => {
    const absent = await copyWith("absent", null);
    const none = await analyzeFolder({ ...absent, dataDir: absent.dir, outDir: join(work, "o3") });
    expect(none.segmentAttributes).toEqual([]);
    expect(none.segmentResults).toEqual([]);
    expect(none.models.map((m) => m.model)).not.toContain("int_experiment_unit_segments");

    const notSet = await copyWith("not-set", null, true);
    const all = await analyzeFolder({ ...notSet, dataDir: notSet.dir, outDir: join(work, "o4") });
    expect(all.segmentAttributes).toEqual(["platform", "country"]);
    expect(new Set(all.segmentResults.map((r) => r.segment_value))).toEqual(new Set(["(not set)"]));
    // Without segment_attributes in the config, every attribute in the data (in byte order), "plan" included.
    const inferred = await copyWith(
      "inferred",
      await readFile(join(segmentsInput, "user_attributes.csv"), "utf8"),
    );
    const found = await analyzeFolder({ ...inferred, dataDir: inferred.dir, outDir: join(work, "o5") });
    expect(found.segmentAttributes).toEqual(["country", "plan", "platform"]);
  });
});
