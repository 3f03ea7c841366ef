import { utimes } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteDatabase, listFiles } from "../src/index.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

describe("collector, lake and DSAR (PGlite)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase());
    await t.request("ana", "POST", "/api/experiments", experimentBody("col_exp"));
  });
  afterAll(async () => t?.close());

  const at = "2026-02-03T10:00:00.000Z";

  it("keeps the valid events of a batch and rejects each invalid one with its field and reason", async () => {
    const res = await t.request("vic", "POST", "/api/events", {
      events: [
        { event_id: "c1", user_id: "u1", event_name: "purchase", value: 12.5, timestamp: at },
        { event_id: "c2", user_id: "u1", event_name: "teleport", timestamp: at },
        { event_id: "c3", user_id: "u1", event_name: "purchase", timestamp: at },
        { event_id: "c4", user_id: "u2", event_name: "page_view", timestamp: "last tuesday" },
        { event_id: "c5", user_id: "u2", event_name: "page_view", timestamp: at, properties: { path: 42 } },
        {
          type: "exposure",
          event_id: "c6",
          user_id: "u1",
          experiment_id: "col_exp",
          variant_id: "treatment",
          timestamp: at,
        },
        {
          type: "exposure",
          event_id: "c7",
          user_id: "u1",
          experiment_id: "col_exp",
          variant_id: "nope",
          timestamp: at,
        },
        {
          type: "exposure",
          event_id: "c8",
          user_id: "u1",
          experiment_id: "ghost",
          variant_id: "control",
          timestamp: at,
        },
        { event_id: "", user_id: "u3", event_name: "page_view", timestamp: at },
        { event_id: "c1", user_id: "u1", event_name: "purchase", value: 12.5, timestamp: at },
        { event_id: "c9", user_id: "u2", event_name: "page_view", timestamp: at },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.accepted).toBe(3);
    expect(res.json.duplicates).toBe(1);
    expect(res.json.tracking_plan_version).toBe(1);
    expect(res.json.rejected.map((r: { index: number; field: string }) => [r.index, r.field])).toEqual([
      [1, "event_name"],
      [2, "value"],
      [3, "timestamp"],
      [4, "properties.path"],
      [6, "variant_id"],
      [7, "experiment_id"],
      [8, "event_id"],
    ]);
    const again = await t.request("vic", "POST", "/api/events", {
      events: [{ event_id: "c9", user_id: "u2", event_name: "page_view", timestamp: at }],
    });
    expect(again.json).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it("refuses a malformed batch with 400", async () => {
    const res = await t.request("vic", "POST", "/api/events", { events: [] });
    expect(res.status).toBe(400);
    expect(res.json.error.field).toBe("events");
    expect((await t.request("vic", "POST", "/api/events", { nope: 1 })).json.error.field).toBe("events");
  });

  it("follows a new tracking plan version", async () => {
    const plan = {
      events: {
        page_view: {},
        purchase: { value: "required" },
        teleport: { properties: { to: { type: "string", required: true } } },
      },
    };
    expect((await t.request("ana", "PUT", "/api/tracking-plan", plan)).status).toBe(403);
    const published = await t.request("ada", "PUT", "/api/tracking-plan", plan);
    expect(published.json.version).toBe(2);
    const res = await t.request("vic", "POST", "/api/events", {
      events: [
        { event_id: "p1", user_id: "u5", event_name: "teleport", timestamp: at, properties: { to: "mars" } },
        { event_id: "p2", user_id: "u5", event_name: "teleport", timestamp: at },
      ],
    });
    expect(res.json.accepted).toBe(1);
    expect(res.json.rejected[0]).toMatchObject({ index: 1, field: "properties.to" });
  });

  it("compacts the log into the lake's Parquet partitions with the canonical columns", async () => {
    const done = await t.request("ada", "POST", "/api/admin/compact");
    expect(done.json.events).toBeGreaterThan(0);
    const lake = join(t.dir, "lake");
    const eventFiles = await listFiles(join(lake, "raw", "events"), ".parquet");
    expect(eventFiles.some((f) => f.includes("dt=2026-02-03"))).toBe(true);
    const rows = await t.context.lake.reader.fileRows(eventFiles, { orderBy: ["event_id"] });
    expect(rows.map((r) => r.event_id)).toEqual(["c1", "c9", "p1"]);
    expect(Object.keys(rows[0]!)).toEqual(
      expect.arrayContaining(["event_id", "user_id", "event_name", "event_time_utc", "value"]),
    );
    expect(new Date(rows[0]!.event_time_utc as string).toISOString()).toBe(at);
    const exposureFiles = await listFiles(join(lake, "raw", "exposures"), ".parquet");
    const exposures = await t.context.lake.reader.fileRows(exposureFiles.slice(0, 1));
    expect(exposures).toHaveLength(1);
    expect(exposures[0]).toMatchObject({ experiment_id: "col_exp", user_id: "u1", variant_id: "treatment" });
  });

  it("exports first assignments to raw/assignments and erases a user everywhere on DELETE /api/users/{id}", async () => {
    const key = "col_exp";
    await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "submitted" });
    await t.request("rui", "POST", `/api/experiments/${key}/status`, { status: "approved" });
    await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "running" });
    await t.request("vic", "POST", "/api/assign", { user_id: "u1", experiments: [key] });
    await t.request("vic", "POST", "/api/assign", { user_id: "u2", experiments: [key] });
    await t.request("vic", "POST", "/api/events", {
      events: [{ event_id: "late-u1", user_id: "u1", event_name: "page_view", timestamp: at }],
    });
    expect((await t.request("ana", "DELETE", "/api/users/u1")).status).toBe(403);
    const erased = await t.request("ada", "DELETE", "/api/users/u1");
    expect(erased.status).toBe(200);
    expect(erased.json.removed.lake_rows).toBeGreaterThanOrEqual(4);
    // The assignment log is the lake's raw/assignments: u1's pair is gone from it, u2's kept.
    expect((await t.context.lake.readAssignedPairs([key])).get(key)).toEqual(new Set(["u2"]));
    const all = await listFiles(join(t.dir, "lake", "raw"), ".parquet");
    const left = await t.context.lake.reader.fileRows(all, { columns: ["user_id"] });
    expect(left.map((r) => r.user_id)).not.toContain("u1");
    expect(left.map((r) => r.user_id)).toContain("u2");
    const audit = await t.request("ada", "GET", "/api/audit?entity_type=user");
    expect(audit.json.entries[0]).toMatchObject({ action: "dsar_erase", entityKey: "u1" });
  });

  it("serves health, Prometheus metrics and the OpenAPI document", async () => {
    const health = await t.app.inject({ method: "GET", url: "/health" });
    expect(health.json()).toMatchObject({ status: "ok", database: "pglite" });
    const metrics = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(/assay_events_accepted_total \d+/);
    expect(metrics.body).toContain(
      'assay_http_requests_total{route="/api/events",method="POST",status="200"}',
    );
    const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json();
    expect(doc.openapi).toBe("3.0.3");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/assign",
        "/api/events",
        "/api/sdk/config",
        "/api/experiments/{key}/summary",
      ]),
    );
    expect(doc.components.schemas.ExperimentInput.properties.variants).toBeDefined();
    const anonymous = await t.app.inject({ method: "GET", url: "/api/experiments" });
    expect(anonymous.statusCode).toBe(401);
  });

  it("reloads at start only the event ids the lake took in within the de-duplication window", async () => {
    await t.request("vic", "POST", "/api/events", {
      events: [
        { event_id: "w-old", user_id: "u5", event_name: "page_view", timestamp: at },
        {
          type: "exposure",
          event_id: "w-exp",
          user_id: "u5",
          experiment_id: "col_exp",
          variant_id: "control",
          timestamp: at,
        },
      ],
    });
    await t.context.compact();
    const fresh = await t.context.lake.readEventIds(Date.now() - 3_600_000);
    // Team-qualified: event ids are a team's own (issue 16).
    expect(fresh).toEqual(
      expect.arrayContaining(["growth\u0000c9", "growth\u0000w-old", "growth\u0000w-exp"]),
    );
    // Files compacted two hours ago (their time is their compaction's) are outside a one-hour window.
    const twoHoursAgo = new Date(Date.now() - 7_200_000);
    for (const file of await listFiles(join(t.context.lake.dir, "raw"), ".parquet"))
      await utimes(file, twoHoursAgo, twoHoursAgo);
    expect(await t.context.lake.readEventIds(Date.now() - 3_600_000)).toEqual([]);
    expect(await t.context.lake.readEventIds()).toEqual(expect.arrayContaining(fresh));
  });

  it("logs the assignment of a running experiment's exposure the server has not seen, once, at the earliest exposure", async () => {
    await t.request("ana", "POST", "/api/experiments", experimentBody("col_draft"));
    const exposure = (id: string, user: string, experiment: string, variant: string, time: string) => ({
      type: "exposure",
      event_id: id,
      user_id: user,
      experiment_id: experiment,
      variant_id: variant,
      timestamp: time,
    });
    const flushes = t.context.log.stats.flushes;
    const firstBefore = t.context.assignments.counters.first;
    const res = await t.request("vic", "POST", "/api/events", {
      events: [
        exposure("x1", "sdk-user", "col_exp", "treatment", "2026-02-03T10:05:00Z"),
        exposure("x2", "sdk-user", "col_exp", "treatment", "2026-02-03T10:01:00Z"),
        exposure("x3", "draft-user", "col_draft", "control", "2026-02-03T10:02:00Z"),
        { event_id: "x4", user_id: "sdk-user", event_name: "purchase", value: 3, timestamp: at },
      ],
    });
    expect(res.json).toMatchObject({ accepted: 4, duplicates: 0 });
    // One group commit for the events and the assignment; a draft experiment's exposure logs none.
    expect(t.context.log.stats.flushes).toBe(flushes + 1);
    expect(t.context.assignments.counters.first).toBe(firstBefore + 1);
    expect(t.context.assignments.has("col_exp", "sdk-user")).toBe(true);
    expect(t.context.assignments.has("col_draft", "draft-user")).toBe(false);

    const again = await t.request("vic", "POST", "/api/events", {
      events: [exposure("x5", "sdk-user", "col_exp", "treatment", "2026-02-03T09:00:00Z")],
    });
    expect(again.json).toMatchObject({ accepted: 1 });
    expect(t.context.assignments.counters.first).toBe(firstBefore + 1);
    const assign = await t.request("vic", "POST", "/api/assign", {
      user_id: "sdk-user",
      experiments: ["col_exp"],
    });
    expect(assign.json.assignments[0].first_assignment).toBe(false);

    await t.context.compact();
    const files = await listFiles(join(t.context.lake.dir, "raw", "assignments"), ".parquet");
    const rows = (
      await t.context.lake.reader.fileRows(files, {
        columns: ["user_id", "variant_id", "assignment_time_utc"],
        filter: { kind: "in", column: "user_id", values: ["sdk-user", "draft-user"] },
      })
    ).map(({ user_id, variant_id, assignment_time_utc }) => ({
      user_id,
      variant_id,
      at: new Date(assignment_time_utc as Date).toISOString().replace(".000Z", "Z"),
    }));
    expect(rows).toEqual([{ user_id: "sdk-user", variant_id: "treatment", at: "2026-02-03T10:01:00Z" }]);
  });
});
