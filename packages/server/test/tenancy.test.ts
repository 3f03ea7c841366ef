import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, createPgliteDatabase, listFiles } from "../src/index.js";
import { createTestApp, type TestApp } from "./helpers/test-app.js";

const now = () => new Date().toISOString();
const event = (event_id: string, user_id: string, event_name = "purchase", value: number | null = 10) => ({
  event_id,
  user_id,
  event_name,
  value,
  timestamp: now(),
});

/** Issue 16, findings 2, 3 and 6: tenants apart in the data plane, and the platform owner. */
describe("tenancy: tracking plan, event ids, raw rows and erasure are per team", () => {
  let t: TestApp;
  let owner: string;
  const asOwner = async (method: "POST" | "DELETE" | "GET", url: string, body?: unknown) => {
    const res = await t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${owner}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, json: res.json() };
  };
  const rawRows = async (userId: string) => {
    const files = await listFiles(join(t.context.lake.dir, "raw", "events"), ".parquet");
    const rows = await t.context.lake.reader.fileRows(files, {
      columns: ["team"],
      filter: { kind: "equals", column: "user_id", value: userId },
    });
    const byTeam = new Map<string, number>();
    for (const { team } of rows) byTeam.set(String(team), (byTeam.get(String(team)) ?? 0) + 1);
    return [...byTeam].sort(([a], [b]) => (a < b ? -1 : 1)).map(([team, n]) => ({ team, n }));
  };
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase());
    owner = (await createApiKey(t.context.db, { team: "growth", role: "owner", name: "platform-owner" }))
      .secret;
  });
  afterAll(async () => {
    await t?.close();
  });

  it("one team's tracking plan does not change another's (finding 3)", async () => {
    const put = await t.request("pam", "PUT", "/api/tracking-plan", { events: { page_view: {} } });
    expect(put.status).toBe(200);
    const growth = await t.request("ana", "POST", "/api/events", { events: [event("plan-g", "u-plan")] });
    expect(growth.json).toMatchObject({ accepted: 1, rejected: [] });
    const payments = await t.request("pat", "POST", "/api/events", { events: [event("plan-p", "u-plan")] });
    expect(payments.json.accepted).toBe(0);
    expect(payments.json.rejected[0].reason).toMatch(/not in the tracking plan/);
    expect((await t.request("vic", "GET", "/api/tracking-plan")).json.plan.events.purchase).toBeDefined();
    expect(Object.keys((await t.request("pat", "GET", "/api/tracking-plan")).json.plan.events)).toEqual([
      "page_view",
    ]);
    // Restore payments' plan for the tests below.
    const restore = await t.request("pam", "PUT", "/api/tracking-plan", {
      events: { page_view: {}, purchase: { value: "required" } },
    });
    expect(restore.status).toBe(200);
  });

  it("event ids are a team's own, and raw rows carry the team (finding 6)", async () => {
    const a = await t.request("ana", "POST", "/api/events", { events: [event("same-id", "shared-u")] });
    const b = await t.request("pat", "POST", "/api/events", { events: [event("same-id", "shared-u")] });
    expect(a.json).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(b.json).toMatchObject({ accepted: 1, duplicates: 0 });
    const again = await t.request("pat", "POST", "/api/events", { events: [event("same-id", "shared-u")] });
    expect(again.json).toMatchObject({ accepted: 0, duplicates: 1 });
    await t.context.compact();
    expect(await rawRows("shared-u")).toEqual([
      { team: "growth", n: 1 },
      { team: "payments", n: 1 },
    ]);
  });

  it("a team admin erases within the team only, audited there (finding 2)", async () => {
    const res = await t.request("pam", "DELETE", "/api/users/shared-u");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ scope: "team", teams: ["payments"] });
    expect(await rawRows("shared-u")).toEqual([{ team: "growth", n: 1 }]);
    // Growth still takes the user's events; payments does not.
    const g = await t.request("ana", "POST", "/api/events", { events: [event("after-g", "shared-u")] });
    expect(g.json.accepted).toBe(1);
    const p = await t.request("pat", "POST", "/api/events", { events: [event("after-p", "shared-u")] });
    expect(p.json.accepted).toBe(0);
    const paymentsAudit = await t.request("pam", "GET", "/api/audit?entity_type=user&entity_key=shared-u");
    expect(paymentsAudit.json.entries.length).toBe(1);
    const growthAudit = await t.request("ada", "GET", "/api/audit?entity_type=user&entity_key=shared-u");
    expect(growthAudit.json.entries.length).toBe(0);
  });

  it("the platform owner creates teams; no one else can", async () => {
    expect((await t.request("ada", "POST", "/api/teams", { key: "search", name: "Search" })).status).toBe(
      403,
    );
    const created = await asOwner("POST", "/api/teams", { key: "search", name: "Search" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ team: "search", name: "Search" });
    const list = await t.app.inject({
      method: "GET",
      url: "/api/experiments",
      headers: { authorization: `Bearer ${created.json.admin_key}` },
    });
    expect(list.statusCode).toBe(200);
    expect((await asOwner("POST", "/api/teams", { key: "search", name: "Again" })).status).toBe(409);
    expect((await asOwner("POST", "/api/teams", { key: "growth", name: "Taken" })).status).toBe(409);
    // A team admin cannot mint an owner key.
    expect((await t.request("ada", "POST", "/api/keys", { name: "x", role: "owner" })).status).toBe(400);
  });

  it("the owner erases a user across all teams, audited in every team", async () => {
    await t.request("pat", "POST", "/api/events", { events: [event("x-p", "everywhere")] });
    await t.request("ana", "POST", "/api/events", { events: [event("x-g", "everywhere")] });
    const res = await asOwner("DELETE", "/api/users/everywhere");
    expect(res.status).toBe(200);
    expect(res.json.scope).toBe("all_teams");
    expect(res.json.teams).toEqual(expect.arrayContaining(["growth", "payments", "search"]));
    expect(await rawRows("everywhere")).toEqual([]);
    for (const who of ["ada", "pam"] as const) {
      const audit = await t.request(who, "GET", "/api/audit?entity_type=user&entity_key=everywhere");
      expect(audit.json.entries.length, who).toBe(1);
    }
  });
});
