import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createDecisionService, type DecisionService } from "../src/decisions/decision-service.js";
import {
  createApiKey,
  createPgliteDatabase,
  createServerContext,
  type Database,
  type ServerContext,
} from "../src/index.js";
import { experimentBody, generateGuardrailRegressionLake, metricDefinitions } from "./helpers/test-app.js";

const SECRET = "whsec-test-0123456789abcdef";
const NOW = new Date("2026-02-22T03:00:00Z");

interface Received {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly signatureValid: boolean;
}

/** A webhook receiver on 127.0.0.1 that checks the HMAC like a real consumer would. */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const timestamp = String(req.headers["x-assay-timestamp"] ?? "");
      const expected = Buffer.from(
        `sha256=${createHmac("sha256", SECRET).update(`${timestamp}.${body}`).digest("hex")}`,
      );
      const given = Buffer.from(String(req.headers["x-assay-signature"] ?? ""));
      const signatureValid = given.length === expected.length && timingSafeEqual(given, expected);
      received.push({ headers: req.headers, body, signatureValid });
      res.statusCode = signatureValid ? 200 : 401;
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hooks/assay`, received, server };
}

describe("decisions end to end: a guardrail regression fails closed", () => {
  let dir: string;
  let db: Database;
  let context: ServerContext;
  let app: FastifyInstance;
  let decisions: DecisionService;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const keys: Record<string, string> = {};
  const call = async (
    who: string,
    method: "GET" | "POST" | "PUT",
    url: string,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
  ): Promise<any> => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${keys[who]}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, json: res.body === "" ? undefined : JSON.parse(res.body) };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-decisions-"));
    db = await createPgliteDatabase();
    context = await createServerContext({ db, walDir: join(dir, "wal"), lakeDir: join(dir, "lake") });
    decisions = createDecisionService({
      db,
      lakeDir: join(dir, "lake"),
      timers: {
        now: () => NOW,
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      },
      notifierOptions: { webhook: { backoffMs: 10 } },
    });
    app = await createApp({ context, decisions });
    for (const [name, role] of [
      ["ana", "editor"],
      ["rui", "reviewer"],
      ["ada", "admin"],
    ] as const) {
      keys[name] = (await createApiKey(db, { team: "growth", role, name })).secret;
    }
    for (const m of metricDefinitions) await call("ana", "PUT", `/api/metrics/${m.key}`, m);
    receiver = await startReceiver();
    // Synthetic lake: the treatment halves purchase probability, so revenue (a guardrail) regresses.
    await generateGuardrailRegressionLake(join(dir, "lake"));
    const created = await call(
      "ana",
      "POST",
      "/api/experiments",
      experimentBody("exp_guard", {
        metrics: [
          { metric_key: "conversion_7d", role: "primary", direction: "increase" },
          { metric_key: "revenue_7d", role: "guardrail", direction: "increase", threshold: 0.1 },
        ],
      }),
    );
    expect(created.status).toBe(201);
    expect(
      (await call("ana", "POST", "/api/experiments/exp_guard/status", { status: "submitted" })).status,
    ).toBe(200);
    expect(
      (await call("rui", "POST", "/api/experiments/exp_guard/status", { status: "approved" })).status,
    ).toBe(200);
    expect(
      (await call("ana", "POST", "/api/experiments/exp_guard/status", { status: "running" })).status,
    ).toBe(200);
    const routes = await call("ada", "PUT", "/api/notifications", {
      routes: [
        {
          id: "slack",
          events: ["guardrail_breach", "reenabled"],
          channel: "webhook",
          target: receiver.url,
          secret: SECRET,
        },
      ],
    });
    expect(routes.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await decisions?.stop();
    await app?.close();
    await context?.close();
    await db?.close();
    receiver?.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("detects the breach, serves control, pauses, audits and delivers a signed webhook", async () => {
    const before = await call("ana", "GET", "/api/sdk/config");
    const sdkBefore = before.json.experiments.find((e: { key: string }) => e.key === "exp_guard");
    expect(sdkBefore.status).toBe("running");
    expect(sdkBefore.variants.map((v: { weight: number }) => v.weight)).toEqual([50, 50]);

    const listed = async () =>
      (await call("ana", "GET", "/api/experiments")).json.experiments.find(
        (e: { key: string }) => e.key === "exp_guard",
      );
    expect((await listed()).results).toBeNull();

    const run = await call("ana", "POST", "/api/experiments/exp_guard/decision/run");
    expect(run.status).toBe(200);
    expect(run.json.status).toBe("roll_back");
    expect(run.json.experiment_status).toBe("paused");
    expect(run.json.fail_closed.active).toBe(true);
    const breach = run.json.details.guardrails.find(
      (g: { metric_key: string }) => g.metric_key === "revenue_7d",
    );
    expect(breach.breached).toBe(true);
    expect(breach.relative_harm).toBeGreaterThan(0.1);
    expect(breach.z).toBeGreaterThanOrEqual(breach.boundary);
    expect(
      run.json.reasons.some(
        (r: { kind: string; severity: string }) => r.kind === "guardrail" && r.severity === "blocking",
      ),
    ).toBe(true);

    // The list's guardrail badge is the engine's verdict (sequential boundary), not a fixed-sample rule.
    const entry = await listed();
    expect(entry.results.badges.guardrail_breach).toBe(true);
    // The list row's verdict is the engine's decision (not a fixed-sample p-value), its SRM badge the engine's test.
    expect(entry.results.decision).toMatchObject({ status: "roll_back", method: "always_valid" });
    expect(entry.results.badges.srm).toBe(false);
    expect(entry.results.guardrails_evaluated_at).toBe(run.json.evaluated_at);
    const line = entry.results.badge_reasons.find((r: string) => r.startsWith("guardrail revenue_7d"));
    expect(line).toContain(`z = ${breach.z.toFixed(2)} ≥ ${breach.boundary.toFixed(2)}`);
    expect(entry.results.badge_reasons).toContain("failed closed after a guardrail breach: serving control");

    const after = await call("ana", "GET", "/api/sdk/config");
    const sdkAfter = after.json.experiments.find((e: { key: string }) => e.key === "exp_guard");
    expect(sdkAfter.status).toBe("paused");
    expect(sdkAfter.variants).toEqual([
      expect.objectContaining({ key: "control", weight: 100, isControl: true }),
      expect.objectContaining({ key: "treatment", weight: 0 }),
    ]);
    const assigned = await call("ana", "POST", "/api/assign", {
      user_id: "u-after-breach",
      experiments: ["exp_guard"],
    });
    expect(assigned.json.assignments[0].variant).toBeNull();

    expect((await call("ana", "GET", "/api/experiments/exp_guard")).json.status).toBe("paused");
    const audit = (await call("ana", "GET", "/api/experiments/exp_guard/audit")).json.entries;
    const failClosed = audit.find((e: { action: string }) => e.action === "decision:fail_closed");
    expect(failClosed.actor).toBe("assay-decisions");
    expect(failClosed.after.served).toBe("control");
    expect(failClosed.after.message).toMatch(/revenue_7d/);
    expect(
      audit.some(
        (e: { action: string; actor: string }) =>
          e.action === "status:paused" && e.actor === "assay-decisions",
      ),
    ).toBe(true);

    const hooks = receiver.received.filter((r) => r.headers["x-assay-event"] === "guardrail_breach");
    expect(hooks).toHaveLength(1);
    expect(hooks[0]?.signatureValid).toBe(true);
    const payload = JSON.parse(hooks[0]?.body ?? "{}");
    expect(payload.text).toMatch(/exp_guard failed closed/);
    expect(payload.event.details.guardrails[0].metric_key).toBe("revenue_7d");

    const runs = (await call("ana", "GET", "/api/experiments/exp_guard/decision/runs")).json.runs;
    expect(runs[0]).toMatchObject({ status: "succeeded", schedule: "manual", attempt: 1 });
    expect(runs[0].inputs.dt).toBe("2026-02-22");
    expect(runs[0].duration_ms ?? runs[0].durationMs).toBeGreaterThan(0);
  }, 120_000);

  it("re-enabling is a deliberate, audited action", async () => {
    expect((await call("ana", "POST", "/api/experiments/exp_guard/reenable", {})).status).toBe(400);
    const done = await call("ana", "POST", "/api/experiments/exp_guard/reenable", {
      reason: "refund spike traced to a payment outage; fixed",
    });
    expect(done.status).toBe(200);
    expect(done.json.fail_closed).toMatchObject({
      active: false,
      clear_reason: "refund spike traced to a payment outage; fixed",
    });
    const audit = (await call("ana", "GET", "/api/experiments/exp_guard/audit")).json.entries;
    expect(audit[0]).toMatchObject({ action: "decision:reenable", actor: "ana" });
    const sdk = (await call("ana", "GET", "/api/sdk/config")).json.experiments.find(
      (e: { key: string }) => e.key === "exp_guard",
    );
    expect(sdk.variants.map((v: { weight: number }) => v.weight)).toEqual([50, 50]);
    expect(sdk.status).toBe("paused");
    expect(
      (await call("ana", "POST", "/api/experiments/exp_guard/reenable", { reason: "again" })).status,
    ).toBe(409);
  });
});
