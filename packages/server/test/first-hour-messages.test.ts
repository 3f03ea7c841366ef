import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteDatabase } from "../src/index.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

// Issue 18 item 7: answers that say what is wrong, and switches that do only what they say.
describe("first-hour messages and switches", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase());
    await t.request("ana", "POST", "/api/experiments", experimentBody("draft_exp"));
  });
  afterAll(async () => t?.close());

  it("POST /api/assign names an unknown experiment and a not-running one, and says why", async () => {
    const res = await t.request("vic", "POST", "/api/assign", {
      user_id: "u1",
      experiments: ["no_such_exp", "draft_exp"],
    });
    expect(res.status).toBe(200);
    const [unknown, draft] = res.json.assignments;
    expect(unknown).toMatchObject({
      experiment_key: "no_such_exp",
      in_experiment: false,
      reason: "UNKNOWN_EXPERIMENT",
    });
    expect(unknown.message).toContain('unknown experiment "no_such_exp"');
    expect(unknown.message).toContain('team "growth"');
    expect(draft).toMatchObject({ experiment_key: "draft_exp", in_experiment: false, reason: "NOT_RUNNING" });
    expect(draft.message).toMatch(/"draft_exp" is draft: only running and paused experiments assign/);
  });

  it("refuses a PUT whose body names another key than the URL (400 on field key)", async () => {
    const flag = { key: "b", type: "boolean", default_value: false };
    const res = await t.request("ana", "PUT", "/api/flags/a", flag);
    expect(res.status).toBe(400);
    expect(res.json.error.field).toBe("key");
    expect(res.json.error.message).toContain('"b"');
    expect((await t.request("ana", "GET", "/api/flags/a")).status).toBe(404);
    const metric = { key: "other", type: "count", event: "purchase", window_days: 7 };
    expect((await t.request("ada", "PUT", "/api/metrics/orders", metric)).status).toBe(400);
    // Without a key, or with the same key, the body is saved under the URL's key.
    expect(
      (await t.request("ana", "PUT", "/api/flags/a", { type: "boolean", default_value: false })).status,
    ).toBe(200);
    expect((await t.request("ana", "PUT", "/api/flags/a", { ...flag, key: "a" })).status).toBe(200);
  });

  it("restores only a killed flag: one created disabled stays off (409)", async () => {
    await t.request("ana", "PUT", "/api/flags/created_off", {
      type: "boolean",
      default_value: false,
      variation_value: true,
      enabled: false,
      rollout_percentage: 100,
    });
    const refused = await t.request("ana", "POST", "/api/flags/created_off/restore");
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toContain("was not killed");
    const after = await t.request("vic", "GET", "/api/flags/created_off");
    expect(after.json).toMatchObject({ enabled: false, killed: false });

    await t.request("ana", "PUT", "/api/flags/killable", {
      type: "boolean",
      default_value: false,
      variation_value: true,
      enabled: true,
      rollout_percentage: 100,
    });
    expect((await t.request("ana", "POST", "/api/flags/killable/kill")).json).toMatchObject({
      enabled: false,
      killed: true,
    });
    expect((await t.request("ana", "POST", "/api/flags/killable/restore")).json).toMatchObject({
      enabled: true,
      killed: false,
    });
    // A save after a kill states `enabled` itself: the flag is then off as saved, not restorable.
    await t.request("ana", "POST", "/api/flags/killable/kill");
    await t.request("ana", "PUT", "/api/flags/killable", {
      type: "boolean",
      default_value: false,
      enabled: false,
    });
    expect((await t.request("ana", "POST", "/api/flags/killable/restore")).status).toBe(409);
  });

  it("serves /favicon.ico", async () => {
    const res = await t.app.inject({ method: "GET", url: "/favicon.ico" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("image/svg+xml");
    expect(res.body).toContain("<svg");
  });
});
