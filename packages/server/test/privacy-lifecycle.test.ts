import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLakeReader, generateToLake, runPipeline } from "@assay/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteDatabase, listFiles } from "../src/index.js";
import { createTestApp, type TestApp } from "./helpers/test-app.js";

/** Every place a user id could remain: each text column of each Parquet file, each JSON/NDJSON file (the registry holds
 * no per-user rows; its tombstone and audit entry name the id on purpose). */
async function tracesOf(t: TestApp, userId: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of await listFiles(t.dir, ".parquet")) {
    const text = (await t.context.lake.reader.fileSchema(file)).filter((c) => c.type === "VARCHAR");
    if (text.length === 0) continue;
    const hits = await t.context.lake.reader.countRows([file], {
      kind: "any",
      of: text.map((c) => ({ kind: "equals", column: c.name, value: userId })),
    });
    if (hits > 0) found.push(file);
  }
  for (const suffix of [".json", ".ndjson", ".log", ".csv"]) {
    for (const file of await listFiles(t.dir, suffix)) {
      if ((await readFile(file, "utf8")).includes(JSON.stringify(userId))) found.push(file);
    }
  }
  return found;
}

describe("privacy: consent, identify, DSAR with tombstones (PGlite)", () => {
  let t: TestApp;
  let lake: string;
  const dt = "2026-02-14";
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase());
    lake = t.context.lake.dir;
    await generateToLake({ lake, dt, from: "2026-01-25", seed: 11, users: 400 });
  });
  afterAll(async () => t?.close());

  const at = "2026-02-10T10:00:00.000Z";

  it("rejects events flagged without consent and keeps consented ones", async () => {
    const res = await t.request("vic", "POST", "/api/events", {
      events: [
        {
          event_id: "k1",
          user_id: "c-1",
          event_name: "purchase",
          value: 1,
          timestamp: at,
          analytics_consent: false,
        },
        {
          event_id: "k2",
          user_id: "c-1",
          event_name: "purchase",
          value: 1,
          timestamp: at,
          analytics_consent: true,
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.rejected).toHaveLength(1);
    expect(res.json.accepted).toBe(1);
    expect(res.json.rejected).toEqual([
      expect.objectContaining({ index: 0, event_id: "k1", field: "analytics_consent" }),
    ]);
  });

  it("erases a user from raw, silver, gold, the assignment log and reports; drops their late events", async () => {
    const withEvents = new Set(
      (
        await t.context.lake.reader.fileRows(await listFiles(join(lake, "raw", "events"), ".parquet"), {
          columns: ["user_id"],
        })
      ).map((r) => r.user_id),
    );
    const victim = (
      await t.context.lake.reader.fileRows(await listFiles(join(lake, "raw", "assignments"), ".parquet"), {
        columns: ["user_id", "experiment_id"],
        orderBy: ["user_id"],
      })
    )
      .filter((r) => withEvents.has(r.user_id))
      .map((r) => ({ user_id: String(r.user_id), experiment_id: String(r.experiment_id) }))[0];
    const userId = victim!.user_id;
    // The user logged in from a second device; the link is an identify event through the collector.
    const identify = await t.request("vic", "POST", "/api/events", {
      events: [
        { type: "identify", event_id: "id-1", user_id: userId, anon_id: "anon-device-2", timestamp: at },
      ],
    });
    expect(identify.json.accepted).toBe(1);
    await t.request("vic", "POST", "/api/events", {
      events: [{ event_id: "pre-erase", user_id: userId, event_name: "purchase", value: 3, timestamp: at }],
    });
    await t.context.compact();
    await runPipeline({ source: { kind: "lake", lake, dt }, sink: { kind: "lake", lake, dt } });
    const before = await createLakeReader(lake).experimentResults({
      experimentIds: [victim!.experiment_id],
      dt,
    });
    const traces = await tracesOf(t, userId);
    expect(traces.length).toBeGreaterThan(3);
    // The generator's user attributes: the raw table and the per-unit segment table hold the user too.
    expect(traces.some((f) => f.includes("/raw/user_attributes/"))).toBe(true);
    expect(traces.some((f) => f.includes("/silver/int_experiment_unit_segments/"))).toBe(true);

    const erased = await t.request("ada", "DELETE", `/api/users/${userId}`);
    expect(erased.status).toBe(200);
    expect(erased.json.tombstoned).toBe(true);
    expect(erased.json.removed.lake_rows_by_area.raw).toBeGreaterThan(0);
    expect(erased.json.removed.lake_rows_by_area.silver).toBeGreaterThan(0);
    expect(erased.json.removed.lake_rows_by_area.gold).toBeGreaterThan(0);
    expect(await tracesOf(t, userId)).toEqual([]);
    expect(await tracesOf(t, "anon-device-2")).toEqual([]);

    const late = await t.request("vic", "POST", "/api/events", {
      events: [
        { event_id: "late-1", user_id: userId, event_name: "purchase", value: 9, timestamp: at },
        {
          type: "identify",
          event_id: "late-2",
          user_id: "someone-else",
          anon_id: userId,
          timestamp: at,
        },
      ],
    });
    expect(late.json.accepted).toBe(0);
    expect(late.json.erased_user_events).toBe(2);
    await t.context.compact();

    // A restarted server keeps the tombstone.
    const { rows } = await t.context.db.query<{ user_id: string }>("select user_id from user_tombstone");
    expect(rows.map((r) => r.user_id)).toEqual([userId]);

    await runPipeline({ source: { kind: "lake", lake, dt }, sink: { kind: "lake", lake, dt } });
    expect(await tracesOf(t, userId)).toEqual([]);
    const after = await createLakeReader(lake).experimentResults({
      experimentIds: [victim!.experiment_id],
      dt,
    });
    const total = (r: typeof before, metric: string) =>
      (r?.rows ?? [])
        .filter((x) => x.analysis_mode === "itt" && x.metric_id === metric)
        .reduce((s, x) => s + x.n_users, 0);
    const metric = before!.rows[0]!.metric_id;
    expect(total(after, metric)).toBe(total(before, metric) - 1);
  });
});
