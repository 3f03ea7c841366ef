import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { lakeConfigPath, runPipeline } from "@assay/pipeline";
import { createSeededRandom } from "@assay/stats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { createPgliteDatabase, listFiles } from "../src/index.js";
import {
  defaultSegmentAttributes,
  observedAttributes,
  SegmentAttributesError,
  segmentAttributesFromEnv,
  userAttributeLine,
} from "../src/registry/segment-attributes.js";
import { writePipelineConfig } from "../src/results/pipeline-config.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

describe("segment attribute allowlist", () => {
  it("reads ASSAY_SEGMENT_ATTRIBUTES (default, list, empty) and refuses a bad name naming the setting", () => {
    expect(segmentAttributesFromEnv({})).toEqual([...defaultSegmentAttributes]);
    expect(segmentAttributesFromEnv({ ASSAY_SEGMENT_ATTRIBUTES: " plan, platform ,plan" })).toEqual([
      "plan",
      "platform",
    ]);
    expect(segmentAttributesFromEnv({ ASSAY_SEGMENT_ATTRIBUTES: "" })).toEqual([]);
    expect(() => segmentAttributesFromEnv({ ASSAY_SEGMENT_ATTRIBUTES: "platform,E-Mail" })).toThrow(
      SegmentAttributesError,
    );
    expect(() => segmentAttributesFromEnv({ ASSAY_SEGMENT_ATTRIBUTES: "E-Mail" })).toThrow(
      /ASSAY_SEGMENT_ATTRIBUTES: "E-Mail"/,
    );
  });

  it("builds the WAL line as JSON.stringify of the line object would", () => {
    const at = "2026-02-01T10:00:00.000Z";
    const line = userAttributeLine('u"1\\', ["country", "Côte d'Ivoire \u2028"], at);
    expect(line.endsWith("\n")).toBe(true);
    expect(JSON.parse(line)).toEqual({
      kind: "user_attribute",
      event_id: `u"1\\\u0000country\u0000${at}`,
      user_id: 'u"1\\',
      attribute: "country",
      attribute_value: "Côte d'Ivoire \u2028",
      observed_time_utc: at,
    });
  });

  it("keeps only allowlisted scalar values", () => {
    expect(
      observedAttributes(["platform", "country", "plan", "device", "browser"], {
        platform: "ios",
        country: "DE",
        plan: { tier: "pro" },
        device: 12,
        browser: "x".repeat(500),
        email: "ada@example.com",
      }),
    ).toEqual([
      ["platform", "ios"],
      ["country", "DE"],
      ["device", "12"],
    ]);
  });
});

describe("POST /api/assign records allowlisted attributes into raw/user_attributes", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase(), { results: true });
    // A window around now: the pipeline analyses what the server assigns in this test.
    const day = 86_400_000;
    const body = experimentBody("exp_seg", {
      start_at: new Date(Date.now() - day).toISOString(),
      end_at: new Date(Date.now() + 30 * day).toISOString(),
    });
    expect((await t.request("ana", "POST", "/api/experiments", body)).status).toBe(201);
    for (const [who, status] of [
      ["ana", "submitted"],
      ["rui", "approved"],
      ["ana", "running"],
    ] as const) {
      expect((await t.request(who, "POST", "/api/experiments/exp_seg/status", { status })).status).toBe(200);
    }
  });
  afterAll(async () => t?.close());

  it("writes them with the first assignment, observed at the assignment time, never for repeats or other keys", async () => {
    const assign = (userId: string, attributes: Record<string, unknown>) =>
      t.request("vic", "POST", "/api/assign", { user_id: userId, attributes, experiments: ["exp_seg"] });
    const first = await assign("seg-u1", { platform: "ios", country: "DE", email: "ada@example.com" });
    expect(first.status).toBe(200);
    expect(first.json.assignments[0]).toMatchObject({ in_experiment: true, first_assignment: true });
    // A repeat assignment writes nothing, even with changed attributes.
    const repeat = await assign("seg-u1", { platform: "android" });
    expect(repeat.json.assignments[0].first_assignment).toBe(false);
    await assign("seg-u2", { plan: "pro", name: "Ada Lovelace" });
    await assign("seg-u3", {});

    const compacted = await t.context.compact();
    expect(compacted).toMatchObject({ assignments: 3, user_attributes: 3 });
    const lake = t.context.lake.dir;
    const attributeFiles = await listFiles(join(lake, "raw", "user_attributes"), ".parquet");
    const attributes = await t.context.lake.reader.fileRows(attributeFiles, {
      orderBy: ["user_id", "attribute"],
    });
    const assignments = await t.context.lake.reader.fileRows(
      await listFiles(join(lake, "raw", "assignments"), ".parquet"),
      { columns: ["user_id", "assignment_time_utc"] },
    );
    const time = (v: unknown) => (v instanceof Date ? v.getTime() : Number.NaN);
    const rows = attributes.flatMap((a) =>
      assignments
        .filter((s) => s.user_id === a.user_id)
        .map((s) => ({
          user_id: a.user_id,
          attribute: a.attribute,
          value: a.value,
          same_time: time(a.observed_time_utc) === time(s.assignment_time_utc),
        })),
    );
    expect(rows).toEqual([
      { user_id: "seg-u1", attribute: "country", value: "DE", same_time: true },
      { user_id: "seg-u1", attribute: "platform", value: "ios", same_time: true },
      { user_id: "seg-u2", attribute: "plan", value: "pro", same_time: true },
    ]);
    const schema = await t.context.lake.reader.fileSchema(attributeFiles[0] ?? "");
    expect(schema.find((c) => c.name === "observed_time_utc")?.type).toBe("TIMESTAMP WITH TIME ZONE");
  });

  it("writes the allowlist into the lake's assay.yaml as segment_attributes", async () => {
    const config = YAML.parse(await readFile(lakeConfigPath(t.context.lake.dir), "utf8"));
    expect(config.segment_attributes).toEqual([...defaultSegmentAttributes]);
    await writePipelineConfig(t.context.db, t.context.lake.dir, ["platform"]);
    expect(YAML.parse(await readFile(lakeConfigPath(t.context.lake.dir), "utf8")).segment_attributes).toEqual(
      ["platform"],
    );
  });

  it("end to end: attributes recorded by the server drive the pipeline's segments and the drill-down", async () => {
    // Seeded: 120 users, platform ios/android (every fifth sends none), a purchase for some.
    const random = createSeededRandom(7);
    const platformOf = new Map<string, string>();
    const exposures: unknown[] = [];
    for (let i = 0; i < 120; i++) {
      const user = `e2e-${i}`;
      const attributes: Record<string, unknown> = { email: `${user}@example.com` };
      if (i % 5 !== 0) {
        attributes.platform = random() < 0.5 ? "ios" : "android";
        platformOf.set(user, String(attributes.platform));
      }
      const res = await t.request("vic", "POST", "/api/assign", {
        user_id: user,
        attributes,
        experiments: ["exp_seg"],
      });
      expect(res.json.assignments[0].in_experiment).toBe(true);
      exposures.push({
        type: "exposure",
        event_id: `exp-${user}`,
        user_id: user,
        experiment_id: "exp_seg",
        variant_id: res.json.assignments[0].variant,
        timestamp: new Date(Date.now() + 500).toISOString(),
      });
    }
    const now = new Date();
    const purchases = Array.from({ length: 40 }, (_, i) => ({
      event_id: `buy-${i}`,
      user_id: `e2e-${i * 3}`,
      event_name: "purchase",
      value: 10 + i,
      timestamp: new Date(now.getTime() + 1000).toISOString(),
    }));
    const ingested = await t.request("vic", "POST", "/api/events", { events: [...exposures, ...purchases] });
    expect(ingested.json.accepted).toBe(160);
    await t.context.compact();
    const dt = new Date(now.getTime() + 2000).toISOString().slice(0, 10);
    await runPipeline({
      source: { kind: "lake", lake: t.context.lake.dir, dt },
      sink: { kind: "lake", lake: t.context.lake.dir, dt },
    });

    const summary = await t.request("vic", "GET", "/api/experiments/exp_seg/summary");
    expect(summary.status).toBe(200);
    expect(summary.json.segments.available).toBe(true);
    expect(summary.json.segments.attributes).toContain("platform");
    expect(summary.json.segments.values.platform).toEqual(["(not set)", "android", "ios"]);
    const res = await t.request("vic", "GET", "/api/experiments/exp_seg/segments/platform");
    expect(res.status).toBe(200);
    const conversion = res.json.metrics.find((m: { metric_key: string }) => m.metric_key === "conversion_7d");
    const units = (value: string) =>
      Object.values(
        conversion.segments.find((s: { value: string }) => s.value === value).n as Record<string, number>,
      ).reduce((a, b) => a + b, 0);
    const count = (p: string) => [...platformOf.values()].filter((v) => v === p).length;
    // seg-u1 of the first test sent platform ios.
    expect(units("ios")).toBe(count("ios") + 1);
    expect(units("android")).toBe(count("android"));
    // 24 of the e2e users sent no platform, plus seg-u2 and seg-u3 of the first test.
    expect(units("(not set)")).toBe(26);
    // The e-mail address never reached the lake.
    const values = await t.context.lake.reader.fileRows(
      await listFiles(join(t.context.lake.dir, "raw", "user_attributes"), ".parquet"),
      { columns: ["value"] },
    );
    expect(values.filter((r) => String(r.value).includes("@"))).toEqual([]);
  }, 120_000);
});
