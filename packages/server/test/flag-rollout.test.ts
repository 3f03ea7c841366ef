import { createServer, type Server } from "node:http";
import type { ArmStats } from "@assay/decisions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replaceRoutes } from "../src/decisions/decision-store.js";
import { createPgliteDatabase, type Database } from "../src/index.js";
import { createNotifier } from "../src/notifications/notifier.js";
import { withTeam } from "../src/registry/team-scope.js";
import { createRolloutScheduler, type RolloutArms } from "../src/rollouts/rollout-scheduler.js";
import { createTestApp, type TestApp } from "./helpers/test-app.js";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();
const ramp = [5, 25, 50, 100].map((percentage, i) => ({ percentage, at: at(i + 1) }));
const guardrails = [{ metric_key: "refund_rate", direction: "decrease", threshold: 0.05 }];

/** A conversion arm of `n` units with `rate` converted (sum = sum of squares for 0/1 outcomes). */
const conversion = (n: number, rate: number): ArmStats => {
  const sum = Math.round(n * rate);
  return { n, sum, sum_squares: sum };
};

/** Issue 19 part 3: guarded rollouts — the schedule, the guardrails, the rollback. */
describe("guarded flag rollouts", () => {
  let db: Database;
  let t: TestApp;
  let clock = T0;
  let arms = new Map<string, RolloutArms>();
  let hook: Server;
  const received: Array<Record<string, unknown>> = [];
  const scheduler = () =>
    createRolloutScheduler({
      db,
      now: () => new Date(clock),
      // Reads the registry as the server's source does (the flag's linked experiment): on PGlite's one connection
      // that must not happen inside the step's transaction.
      metrics: async (r) => {
        await withTeam(db, r.team, (tx) =>
          tx.query("select flag_key from feature_flag where flag_key = $1", [r.flagKey]),
        );
        return arms;
      },
      // The real notifier: the team's routes, a webhook over HTTP.
      notify: createNotifier({ db }),
    });
  const putFlag = (key: string) =>
    t.request("ana", "PUT", `/api/flags/${key}`, {
      type: "boolean",
      default_value: false,
      enabled: false,
      rollout_percentage: 0,
      variation_value: true,
    });
  const flag = async (key: string) => (await t.request("ana", "GET", `/api/flags/${key}`)).json;

  beforeAll(async () => {
    db = await createPgliteDatabase();
    t = await createTestApp(db, { app: { rollouts: { now: () => new Date(clock), intervalMs: 0 } } });
    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    const address = hook.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    await withTeam(db, "growth", (tx) =>
      replaceRoutes(tx, "growth", [
        {
          id: "oncall",
          events: ["rollout_stopped"],
          channel: "webhook",
          target: `http://127.0.0.1:${port}/hook`,
          secret: "0123456789abcdef0123",
        },
      ]),
    );
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => hook?.close(r));
  });

  it("refuses bad schedules with 400s naming the field", async () => {
    expect((await putFlag("checkout_v2")).status).toBe(200);
    const post = (body: unknown) => t.request("ana", "POST", "/api/flags/checkout_v2/rollout", body);
    const cases: Array<[unknown, string]> = [
      [{ steps: [{ percentage: 5, at: "2030-02-30T00:00:00Z" }] }, "steps[0].at"],
      [{ steps: [{ percentage: 5, at: "tomorrow" }] }, "steps[0].at"],
      [{ steps: [ramp[1], ramp[0]] }, "steps[1].percentage"],
      [
        {
          steps: [
            { percentage: 5, at: at(2) },
            { percentage: 25, at: at(1) },
          ],
        },
        "steps[1].at",
      ],
      [{ steps: [{ percentage: 0, at: at(1) }] }, "steps[0].percentage"],
      [{ steps: [{ percentage: 101, at: at(1) }] }, "steps[0].percentage"],
      [{ steps: [{ percentage: 5, at: new Date(T0 - HOUR).toISOString() }] }, "steps[0].at"],
      [{ steps: [] }, "steps"],
      [{ steps: ramp, guardrails: [{ ...guardrails[0], direction: "up" }] }, "guardrails[0].direction"],
      [{ steps: ramp, environment: "Prod X" }, "environment"],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.field).toBe(field);
    }
    expect((await t.request("ana", "POST", "/api/flags/nope/rollout", { steps: ramp })).status).toBe(404);
  });

  it("tenancy: another team's flag rollout is a 404 to view, create or cancel", async () => {
    const created = await t.request("ana", "POST", "/api/flags/checkout_v2/rollout", {
      steps: ramp,
      guardrails,
    });
    expect(created.status).toBe(201);
    expect((await t.request("pat", "GET", "/api/flags/checkout_v2/rollout")).status).toBe(404);
    expect((await t.request("pat", "DELETE", "/api/flags/checkout_v2/rollout")).status).toBe(404);
    expect((await t.request("pat", "POST", "/api/flags/checkout_v2/rollout", { steps: ramp })).status).toBe(
      404,
    );
    expect((await t.request("vic", "POST", "/api/flags/checkout_v2/rollout", { steps: ramp })).status).toBe(
      403,
    );
    // A second active schedule for the same flag and environment is a conflict.
    expect((await t.request("ana", "POST", "/api/flags/checkout_v2/rollout", { steps: ramp })).status).toBe(
      409,
    );
    const cancelled = await t.request("ana", "DELETE", "/api/flags/checkout_v2/rollout");
    expect(cancelled.json.status).toBe("cancelled");
    clock = T0 + 5 * HOUR;
    expect(await scheduler().tick()).toEqual([]);
    expect((await flag("checkout_v2")).rollout_percentage).toBe(0);
    clock = T0;
  });

  it("advances each step at its time (injected clock) while the guardrails hold, and reaches 100 %", async () => {
    expect((await putFlag("search_v3")).status).toBe(200);
    const created = await t.request("ana", "POST", "/api/flags/search_v3/rollout", {
      steps: ramp,
      guardrails,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ status: "scheduled", current_step: -1, next_at: ramp[0]!.at });
    const s = scheduler();
    // Refund rates equal in both arms: within the threshold, never a breach.
    arms = new Map([["refund_rate", { control: conversion(5000, 0.02), treatment: conversion(5000, 0.02) }]]);
    const expected = [5, 25, 50, 100];
    clock = T0 + 0.5 * HOUR;
    expect(await s.tick()).toEqual([]);
    expect((await flag("search_v3")).enabled).toBe(false);
    for (let i = 0; i < 4; i++) {
      clock = T0 + (i + 1) * HOUR - 1;
      expect((await s.tick()).filter((r) => r.flagKey === "search_v3")).toEqual([]);
      clock = T0 + (i + 1) * HOUR;
      const [result] = (await s.tick()).filter((r) => r.flagKey === "search_v3");
      expect(result?.outcome).toBe(i === 3 ? "completed" : "advanced");
      const f = await flag("search_v3");
      expect(f).toMatchObject({ enabled: true, rollout_percentage: expected[i] });
      // The step is applied once: a second tick at the same time changes nothing.
      expect((await s.tick()).filter((r) => r.flagKey === "search_v3")).toEqual([]);
    }
    const view = (await t.request("vic", "GET", "/api/flags/search_v3/rollout")).json;
    expect(view).toMatchObject({ status: "completed", current_step: 3, next_at: null, stop_reason: null });
    expect(view.history).toHaveLength(4);
    expect(view.history[1].guardrails[0]).toMatchObject({
      code: "guardrail_within_threshold",
      metric: "refund_rate",
    });
    const audit = (await t.request("ana", "GET", "/api/audit?entity_type=flag&entity_key=search_v3")).json
      .entries;
    expect(audit.filter((e: { action: string }) => e.action === "rollout_step")).toHaveLength(4);
    expect(audit.map((e: { action: string }) => e.action)).toContain("rollout_create");
    // The SDK payload serves the flag to everyone now.
    const payload = (await t.request("vic", "GET", "/api/sdk/config")).json;
    expect(payload.flags.find((f: { key: string }) => f.key === "search_v3")).toMatchObject({
      enabled: true,
    });
  });

  it("a guardrail breach stops the ramp, rolls the flag back, notifies and audits why", async () => {
    clock = T0;
    expect((await putFlag("pricing_page")).status).toBe(200);
    const created = await t.request("ana", "POST", "/api/flags/pricing_page/rollout", {
      steps: ramp,
      guardrails,
    });
    expect(created.status).toBe(201);
    const s = scheduler();
    arms = new Map();
    clock = T0 + HOUR;
    await s.tick();
    expect(await flag("pricing_page")).toMatchObject({ enabled: true, rollout_percentage: 5 });
    // Served users refund twice as often: far beyond the 5 % tolerated.
    arms = new Map([["refund_rate", { control: conversion(8000, 0.02), treatment: conversion(8000, 0.04) }]]);
    clock = T0 + 2 * HOUR;
    const [result] = (await s.tick()).filter((r) => r.flagKey === "pricing_page");
    expect(result?.outcome).toBe("stopped");
    // Rolled back to the state before the rollout: off, 0 %.
    expect(await flag("pricing_page")).toMatchObject({
      enabled: false,
      rollout_percentage: 0,
      killed: false,
    });
    const view = (await t.request("vic", "GET", "/api/flags/pricing_page/rollout")).json;
    expect(view.status).toBe("stopped");
    expect(view.current_step).toBe(0);
    expect(view.stop_reason).toMatchObject({ code: "guardrail_breach", metric: "refund_rate" });
    expect(view.stop_reason.values.relative_harm).toBeCloseTo(1, 5);
    expect(view.stop_reason.values.p_value).toBeLessThan(0.05);
    expect(view.stop_reason.values.threshold).toBe(0.05);
    // Audited with the reason and the numbers.
    const audit = (await t.request("ana", "GET", "/api/audit?entity_type=flag&entity_key=pricing_page")).json
      .entries;
    const stopped = audit.find((e: { action: string }) => e.action === "rollout_stopped");
    expect(stopped.actor).toBe("assay-rollouts");
    expect(stopped.after.reason).toMatchObject({ code: "guardrail_breach", metric: "refund_rate" });
    expect(stopped.after.flag_restored_to).toMatchObject({ enabled: false, rollout_percentage: 0 });
    // Notified through the team's webhook route.
    const start = Date.now();
    while (received.length === 0 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(received[0]?.event).toMatchObject({ type: "rollout_stopped", experiment_key: "pricing_page" });
    // Nothing more happens at later step times.
    clock = T0 + 5 * HOUR;
    expect((await s.tick()).filter((r) => r.flagKey === "pricing_page")).toEqual([]);
    expect((await flag("pricing_page")).rollout_percentage).toBe(0);
  });

  it("a rollout changes one environment only; in a reviewed environment only a reviewer schedules it", async () => {
    clock = T0;
    expect((await putFlag("per_env")).status).toBe(200);
    expect(
      (
        await t.request("ana", "PUT", "/api/flags/per_env?environment=staging", {
          type: "boolean",
          default_value: false,
          enabled: false,
          rollout_percentage: 0,
          variation_value: true,
        })
      ).status,
    ).toBe(200);
    const created = await t.request("ana", "POST", "/api/flags/per_env/rollout", {
      environment: "staging",
      steps: ramp,
    });
    expect(created.status).toBe(201);
    expect((await t.request("ana", "GET", "/api/flags/per_env/rollout")).status).toBe(404);
    clock = T0 + 2 * HOUR;
    // One step per tick (each step's guardrails are judged before the next): two ticks catch up two due steps.
    await scheduler().tick();
    await scheduler().tick();
    const staging = (await t.request("ana", "GET", "/api/flags/per_env?environment=staging")).json;
    expect(staging).toMatchObject({ enabled: true, rollout_percentage: 25 });
    expect(await flag("per_env")).toMatchObject({ enabled: false, rollout_percentage: 0 });
    expect(
      (await t.request("ana", "GET", "/api/flags/per_env/rollout?environment=staging")).json.current_step,
    ).toBe(1);
    // Production requires review: an editor's schedule is refused, a reviewer's accepted.
    clock = T0;
    expect(
      (await t.request("ada", "PATCH", "/api/environments/production", { requires_review: true })).status,
    ).toBe(200);
    const byEditor = await t.request("ana", "POST", "/api/flags/per_env/rollout", { steps: ramp });
    expect(byEditor.status).toBe(403);
    expect(byEditor.json.error.field).toBe("environment");
    expect((await t.request("rui", "POST", "/api/flags/per_env/rollout", { steps: ramp })).status).toBe(201);
    expect(
      (await t.request("ada", "PATCH", "/api/environments/production", { requires_review: false })).status,
    ).toBe(200);
    expect(
      (await t.request("ana", "POST", "/api/flags/per_env/rollout", { environment: "nowhere", steps: ramp }))
        .json.error.field,
    ).toBe("environment");
  });

  it("a kill during the ramp stops it: the kill switch wins, nothing is turned back on", async () => {
    clock = T0;
    expect((await putFlag("banner")).status).toBe(200);
    expect((await t.request("ana", "POST", "/api/flags/banner/rollout", { steps: ramp })).status).toBe(201);
    const s = scheduler();
    clock = T0 + HOUR;
    await s.tick();
    expect((await t.request("ana", "POST", "/api/flags/banner/kill")).status).toBe(200);
    clock = T0 + 2 * HOUR;
    await s.tick();
    expect(await flag("banner")).toMatchObject({ enabled: false, killed: true, rollout_percentage: 5 });
    expect((await t.request("vic", "GET", "/api/flags/banner/rollout")).json.stop_reason.code).toBe(
      "flag_killed",
    );
  });
});
