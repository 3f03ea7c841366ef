import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteDatabase } from "../src/index.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

const nested = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** Issue 16, finding 4: a flag write the SDK would reject is refused and leaves every assignment working. */
describe("registry writes are checked with the SDK's validatePayload before they commit", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase());
    const body = experimentBody("exp_live", { start_at: null, end_at: null });
    expect((await t.request("ana", "POST", "/api/experiments", body)).status).toBe(201);
    for (const status of ["submitted", "approved", "running"]) {
      const who = status === "approved" ? "rui" : "ana";
      const res = await t.request(who, "POST", "/api/experiments/exp_live/status", { status });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  const assignOk = async () => {
    const res = await t.request("ana", "POST", "/api/assign", { user_id: "u-1" });
    expect(res.status).toBe(200);
    for (const a of res.json.assignments) expect(a.reason).not.toBe("ERROR");
  };

  it("a JSON default nested 66 deep (the SDK reads 64) is a 400 and is not stored", async () => {
    const res = await t.request("ana", "PUT", "/api/flags/deep_json", {
      name: "deep",
      type: "json",
      default_value: nested(66),
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/SDK would refuse.*deep_json/);
    expect((await t.request("ana", "GET", "/api/flags/deep_json")).status).toBe(404);
    const ok = await t.request("ana", "PUT", "/api/flags/shallow_json", {
      name: "ok",
      type: "json",
      default_value: nested(10),
    });
    expect(ok.status).toBe(200);
    await assignOk();
  });

  it("a two-flag prerequisite cycle is a 400 on the write that closes it", async () => {
    const first = await t.request("ana", "PUT", "/api/flags/flag_b", {
      name: "b",
      type: "boolean",
      default_value: false,
    });
    expect(first.status).toBe(200);
    const a = await t.request("ana", "PUT", "/api/flags/flag_a", {
      name: "a",
      type: "boolean",
      default_value: false,
      dependencies: [{ flag_key: "flag_b", value: true }],
    });
    expect(a.status).toBe(200);
    const b = await t.request("ana", "PUT", "/api/flags/flag_b", {
      name: "b",
      type: "boolean",
      default_value: false,
      dependencies: [{ flag_key: "flag_a", value: true }],
    });
    expect(b.status).toBe(400);
    expect(b.json.error.message).toMatch(/SDK would refuse/);
    await assignOk();
  });
});
