import { existsSync } from "node:fs";
import { lakeConfigPath, loadConfigFile } from "@assay/pipeline";
import { createAssayClient, createEventClient } from "@assay/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registeredRoutes } from "../src/http/route-catalog.js";
import { createPgliteDatabase, type Database } from "../src/index.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

describe("server and dashboard as one product", () => {
  let db: Database;
  let t: TestApp;

  beforeAll(async () => {
    db = await createPgliteDatabase();
    t = await createTestApp(db);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  const start = async (key: string, who: "ana" | "pat" = "ana", reviewer: "rui" | "pam" = "rui") => {
    expect(
      (await t.request(who, "POST", `/api/experiments/${key}/status`, { status: "submitted" })).status,
    ).toBe(200);
    expect(
      (await t.request(reviewer, "POST", `/api/experiments/${key}/status`, { status: "approved" })).status,
    ).toBe(200);
    expect(
      (await t.request(who, "POST", `/api/experiments/${key}/status`, { status: "running" })).status,
    ).toBe(200);
  };

  it("writes <lake>/assay.yaml from the registry: running, paused and completed experiments of every team", async () => {
    const path = lakeConfigPath(t.context.lake.dir);
    expect((await t.request("ana", "POST", "/api/experiments", experimentBody("exp_api"))).status).toBe(201);
    expect(existsSync(path)).toBe(false); // a draft is not analysed
    await start("exp_api");
    const config = await loadConfigFile(path);
    expect(config.experiments.map((e) => e.id)).toEqual(["exp_api"]);
    const e = config.experiments[0]!;
    expect(e.variants).toEqual([
      { id: "control", allocation: 50, isControl: true },
      { id: "treatment", allocation: 50, isControl: false },
    ]);
    expect([...e.metricIds].sort()).toEqual(["conversion_7d", "refund_rate"]);
    expect(new Date(e.startMs).toISOString()).toBe("2026-02-01T00:00:00.000Z");
    expect(config.metrics.find((m) => m.id === "refund_rate")).toMatchObject({
      type: "conversion",
      windowDays: 14,
    });
    // Another team's experiment is analysed too; a paused one stays, an archived one leaves.
    expect(
      (
        await t.request(
          "pat",
          "POST",
          "/api/experiments",
          experimentBody("exp_pay", { owner_team: "payments" }),
        )
      ).status,
    ).toBe(201);
    await start("exp_pay", "pat", "pam");
    expect(
      (await t.request("ana", "POST", "/api/experiments/exp_api/status", { status: "paused" })).status,
    ).toBe(200);
    expect((await loadConfigFile(path)).experiments.map((x) => x.id)).toEqual(["exp_api", "exp_pay"]);
    for (const s of ["completed", "archived"])
      expect((await t.request("pat", "POST", "/api/experiments/exp_pay/status", { status: s })).status).toBe(
        200,
      );
    expect((await loadConfigFile(path)).experiments.map((x) => x.id)).toEqual(["exp_api"]);
    expect(
      (await t.request("ana", "POST", "/api/experiments/exp_api/status", { status: "running" })).status,
    ).toBe(200);
  }, 60_000);

  it("kills and restores a flag atomically, audited as kill and restore, leaving the rollout alone", async () => {
    const flag = {
      type: "boolean",
      default_value: false,
      variation_value: true,
      enabled: true,
      rollout_percentage: 30,
    };
    expect((await t.request("ana", "PUT", "/api/flags/big_button", flag)).status).toBe(200);
    expect((await t.request("vic", "POST", "/api/flags/big_button/kill")).status).toBe(403);
    expect((await t.request("ana", "POST", "/api/flags/nope/kill")).status).toBe(404);
    const killed = await t.request("ana", "POST", "/api/flags/big_button/kill");
    expect(killed.json).toMatchObject({ key: "big_button", enabled: false, rollout_percentage: 30 });
    const again = await t.request("ana", "POST", "/api/flags/big_button/kill");
    expect(again.json.enabled).toBe(false);
    const restored = await t.request("ana", "POST", "/api/flags/big_button/restore");
    expect(restored.json).toMatchObject({ enabled: true, rollout_percentage: 30 });
    const audit = await t.request("ana", "GET", "/api/audit?entity_type=flag&entity_key=big_button");
    const actions = audit.json.entries.map((e: { action: string }) => e.action);
    expect([...actions].sort()).toEqual(["create", "kill", "restore"]); // the repeated kill changed nothing
    const kill = audit.json.entries.find((e: { action: string }) => e.action === "kill");
    expect(kill.before.enabled).toBe(true);
    expect(kill.after.enabled).toBe(false);
    // Another team cannot switch it.
    expect((await t.request("pat", "POST", "/api/flags/big_button/kill")).status).toBe(404);
  });

  it("accepts what the SDK's event client really sends (event_time_utc, spread properties, exp.exposed)", async () => {
    const payload = (await t.request("vic", "GET", "/api/sdk/config")).json;
    const answers: Array<{ accepted: number; rejected: unknown[] }> = [];
    const events = createEventClient({
      endpoint: "/api/events",
      flushIntervalMs: 0,
      flushOnExit: false,
      headers: { authorization: `Bearer ${t.keys.vic}` },
      fetch: async (url, init) => {
        const res = await t.app.inject({
          method: "POST",
          url,
          headers: { ...init.headers, "content-type": "application/json" },
          payload: init.body,
        });
        answers.push(res.json());
        return { ok: res.statusCode < 300, status: res.statusCode };
      },
    });
    const assay = createAssayClient({
      payload,
      attributes: { identity_id: "sdk-user" },
      onExposure: events.exposureHandler,
    });
    expect(assay.getVariant("exp_api")).not.toBeNull();
    events.track("purchase", "sdk-user", { value: 12.5, currency: "EUR" });
    events.track("timestamp_alias_is_not_needed", "sdk-user"); // not in the tracking plan: rejected by name
    await events.flush();
    const sent = answers.flatMap((a) => a.rejected);
    expect(answers.reduce((n, a) => n + a.accepted, 0)).toBe(2);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ index: 2, field: "event_name" });
    // `timestamp` stays accepted as an alias.
    const legacy = await t.request("vic", "POST", "/api/events", {
      events: [
        { event_id: "legacy-1", user_id: "u1", event_name: "signup", timestamp: new Date().toISOString() },
        {
          type: "exposure",
          event_id: "legacy-2",
          user_id: "u1",
          experiment_id: "exp_api",
          variant_id: "control",
          timestamp: new Date().toISOString(),
        },
      ],
    });
    expect(legacy.json).toMatchObject({ accepted: 2, rejected: [] });
    await events.close();
  });

  it("assigns an erased user (the product renders) without logging a new assignment", async () => {
    expect((await t.request("ada", "DELETE", "/api/users/gone-user")).status).toBe(200);
    const firstBefore = t.context.assignments.counters.first;
    const res = await t.request("vic", "POST", "/api/assign", {
      user_id: "gone-user",
      experiments: ["exp_api"],
    });
    expect(res.json.assignments[0]).toMatchObject({
      experiment_key: "exp_api",
      in_experiment: true,
      first_assignment: false,
    });
    expect(t.context.assignments.counters.first).toBe(firstBefore);
    await t.context.compact();
    expect(
      (await t.context.lake.readAssignedPairs(["exp_api"])).get("exp_api")?.has("gone-user") ?? false,
    ).toBe(false);
    // Anyone else is still logged once.
    const other = await t.request("vic", "POST", "/api/assign", {
      user_id: "kept-user",
      experiments: ["exp_api"],
    });
    expect(other.json.assignments[0].first_assignment).toBe(true);
  });

  it("documents every registered route in /api/openapi.json", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = registeredRoutes(t.app).filter(
      (r) => r.method !== "HEAD" && r.method !== "OPTIONS" && !r.url.includes("*"),
    );
    expect(routes.length).toBeGreaterThan(30);
    const missing = routes.filter((r) => {
      const path = r.url.replace(/:([A-Za-z_]+)/g, "{$1}");
      return doc.paths[path]?.[r.method.toLowerCase()] === undefined;
    });
    expect(missing).toEqual([]);
    for (const p of [
      "/api/experiments/{key}/decision",
      "/api/admin/retention",
      "/api/flags/{key}/kill",
      "/api/flags/{key}/restore",
    ])
      expect(Object.keys(doc.paths)).toContain(p);
  });
});
