import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { allTeams } from "@assay/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteDatabase } from "../src/index.js";
import { createLastEvaluationReader, isFlagStale, staleAfterDays } from "../src/registry/flag-staleness.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

describe("isFlagStale", () => {
  const now = new Date("2026-03-01T00:00:00Z");
  it("marks a flag unchanged for N days, with no evaluation on record, as not_changed", () => {
    const flag = { updated_at: "2026-01-15T00:00:00Z", experiment_key: null };
    expect(isFlagStale(flag, new Map(), now, 30)).toEqual({
      since: "2026-01-15T00:00:00.000Z",
      reason: "not_changed",
    });
    expect(isFlagStale(flag, new Map(), now, 60)).toBeNull();
  });
  it("uses the linked experiment's last assignment/exposure: recent ones keep an old flag fresh, old ones make it not_evaluated", () => {
    const flag = { updated_at: "2025-06-01T00:00:00Z", experiment_key: "exp" };
    expect(isFlagStale(flag, new Map([["exp", "2026-02-25T00:00:00Z"]]), now, 30)).toBeNull();
    expect(isFlagStale(flag, new Map([["exp", "2026-01-10T12:00:00Z"]]), now, 30)).toEqual({
      since: "2026-01-10T12:00:00.000Z",
      reason: "not_evaluated",
    });
  });
  it("reads N from ?stale_after_days, then ASSAY_STALE_FLAG_DAYS, else 30", () => {
    expect(staleAfterDays({}, {})).toBe(30);
    expect(staleAfterDays({}, { ASSAY_STALE_FLAG_DAYS: "14" })).toBe(14);
    expect(staleAfterDays({ stale_after_days: "7" }, { ASSAY_STALE_FLAG_DAYS: "14" })).toBe(7);
    expect(staleAfterDays({ stale_after_days: "-3" }, {})).toBe(30);
  });
});

describe("GET /api/flags marks stale flags (pglite registry, DuckDB lake)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase());
  });
  afterAll(async () => {
    await t?.close();
  });

  it("by last change, by the lake's last assignment or exposure, and by the configured N", async () => {
    // A flag linked to an experiment serves each variant's configuration: a JSON flag over configured variants.
    const configured = {
      variants: [
        { key: "control", allocation: 50, is_control: true, configuration: { color: "grey" } },
        { key: "treatment", allocation: 50, configuration: { color: "green" } },
      ],
    };
    for (const key of ["stale_exp", "live_exp"]) {
      const created = await t.request("ana", "POST", "/api/experiments", experimentBody(key, configured));
      expect(created.status, JSON.stringify(created.json)).toBe(201);
    }
    // A flag may only name an experiment the SDK payload carries (the registry refuses what the SDK would): run them.
    for (const key of ["stale_exp", "live_exp"]) {
      for (const [who, status] of [
        ["ana", "submitted"],
        ["rui", "approved"],
        ["ana", "running"],
      ] as const) {
        const moved = await t.request(who, "POST", `/api/experiments/${key}/status`, { status });
        expect(moved.status, JSON.stringify(moved.json)).toBe(200);
      }
    }
    for (const [key, experiment_key] of [
      ["fresh_flag", null],
      ["old_flag", null],
      ["old_unused_exp_flag", "stale_exp"],
      ["old_used_exp_flag", "live_exp"],
    ] as const) {
      const res = await t.request("ana", "PUT", `/api/flags/${key}`, {
        ...(experiment_key === null
          ? { type: "boolean", default_value: false }
          : { type: "json", default_value: { color: "grey" } }),
        enabled: true,
        experiment_key,
      });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
    }
    // A flag's last change is the later of its own and its environment state's (per environment since issue 19).
    for (const table of ["feature_flag", "flag_environment"])
      await t.context.db.query(
        `update ${table} set updated_at = $1 where flag_key in ('old_flag', 'old_unused_exp_flag', 'old_used_exp_flag')`,
        [daysAgo(90)],
      );
    // The lake's logs, written as the compactor writes them (Parquet under raw/<table>/dt=.../).
    const lake = t.context.lake;
    const write = async (table: string, column: string, experiment: string, at: string) => {
      const dir = join(lake.dir, "raw", table, `dt=${at.slice(0, 10)}`);
      await mkdir(dir, { recursive: true });
      await lake.query(
        `COPY (SELECT '${experiment}' AS experiment_id, 'u1' AS user_id, 'control' AS variant_id, '${at}' AS ${column})
         TO '${join(dir, `${table}-${experiment}.parquet`)}' (FORMAT parquet)`,
      );
    };
    await write("assignments", "assignment_time_utc", "stale_exp", daysAgo(50));
    await write("exposures", "exposure_time_utc", "stale_exp", daysAgo(45));
    await write("assignments", "assignment_time_utc", "live_exp", daysAgo(60));
    await write("exposures", "exposure_time_utc", "live_exp", daysAgo(2));

    const res = await t.request("vic", "GET", "/api/flags");
    expect(res.status).toBe(200);
    const stale = Object.fromEntries(
      (res.json.flags as Array<{ key: string; stale: unknown }>).map((f) => [f.key, f.stale]),
    );
    expect(stale.fresh_flag).toBeNull();
    expect(stale.old_flag).toMatchObject({ reason: "not_changed" });
    expect(Date.now() - Date.parse((stale.old_flag as { since: string }).since)).toBeGreaterThan(89 * DAY);
    expect(stale.old_unused_exp_flag).toMatchObject({ reason: "not_evaluated" });
    const since = Date.parse((stale.old_unused_exp_flag as { since: string }).since);
    expect(Math.abs(since - Date.parse(daysAgo(45)))).toBeLessThan(DAY);
    expect(stale.old_used_exp_flag).toBeNull();

    const lenient = await t.request("vic", "GET", "/api/flags?stale_after_days=100");
    expect(lenient.json.flags.every((f: { stale: unknown }) => f.stale === null)).toBe(true);
  });

  it("reads the latest evaluation per experiment straight from the lake's Parquet", async () => {
    const latest = await createLastEvaluationReader(t.context.lake, 0).read(allTeams);
    expect([...latest.keys()].sort()).toEqual(["live_exp", "stale_exp"]);
    expect(Math.abs(Date.parse(latest.get("live_exp") ?? "") - Date.parse(daysAgo(2)))).toBeLessThan(DAY);
  });
});
