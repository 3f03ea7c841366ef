import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPipeline } from "@assay/pipeline";
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
import { createLakeSummary } from "../src/results/experiment-summary.js";
import { guardrailVerdicts, type SummaryGuardrails } from "../src/results/guardrail-verdicts.js";
import { experimentBody, generateGuardrailRegressionLake, metricDefinitions } from "./helpers/test-app.js";

const NOW = new Date("2026-02-22T03:00:00Z");

describe("summary guardrails: the decision engine's latest stored verdict per guardrail metric", () => {
  let dir: string;
  let db: Database;
  let context: ServerContext;
  let app: FastifyInstance;
  let decisions: DecisionService;
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
  const guardrails = async (): Promise<SummaryGuardrails> => {
    const res = await call("ana", "GET", "/api/experiments/exp_guard/summary");
    expect(res.status).toBe(200);
    return res.json.guardrails;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-summary-guardrails-"));
    db = await createPgliteDatabase();
    const lake = join(dir, "lake");
    context = await createServerContext({ db, walDir: join(dir, "wal"), lakeDir: lake });
    decisions = createDecisionService({
      db,
      lakeDir: lake,
      timers: {
        now: () => NOW,
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      },
    });
    app = await createApp({
      context,
      decisions,
      summary: createLakeSummary(db, lake, { decision: (tx, key) => decisions.engine.current(tx, key) }),
    });
    for (const [name, role] of [
      ["ana", "editor"],
      ["rui", "reviewer"],
    ] as const) {
      keys[name] = (await createApiKey(db, { team: "growth", role, name })).secret;
    }
    for (const m of [
      ...metricDefinitions,
      { key: "orders_7d", type: "count", event: "purchase", window_days: 7 },
    ]) {
      expect((await call("ana", "PUT", `/api/metrics/${m.key}`, m)).status).toBe(200);
    }
    // The treatment halves purchase probability: revenue and orders regress. The generated pipeline config has
    // no refund_rate metric, so the engine has no data for that guardrail.
    await generateGuardrailRegressionLake(lake);
    const created = await call(
      "ana",
      "POST",
      "/api/experiments",
      experimentBody("exp_guard", {
        metrics: [
          { metric_key: "conversion_7d", role: "primary", direction: "increase" },
          { metric_key: "revenue_7d", role: "guardrail", direction: "increase", threshold: 0.1 },
          { metric_key: "orders_7d", role: "guardrail", direction: "increase", threshold: 0.45 },
          { metric_key: "refund_rate", role: "guardrail", direction: "decrease", threshold: 0.2 },
        ],
      }),
    );
    expect(created.status).toBe(201);
    for (const [who, status] of [
      ["ana", "submitted"],
      ["rui", "approved"],
      ["ana", "running"],
    ] as const) {
      expect((await call(who, "POST", "/api/experiments/exp_guard/status", { status })).status).toBe(200);
    }
  }, 120_000);

  afterAll(async () => {
    await decisions?.stop();
    await app?.close();
    await context?.close();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("says not evaluated before the engine ran, even where the fixed-sample interval shows harm", async () => {
    const lake = join(dir, "lake");
    const dt = "2026-02-22";
    await runPipeline({ source: { kind: "lake", lake, dt }, sink: { kind: "lake", lake, dt } });
    const g = await guardrails();
    expect(g).toMatchObject({
      source: "decision_engine",
      evaluated_at: null,
      results_dt: null,
      fail_closed: null,
    });
    expect(g.metrics.map((m) => [m.metric_key, m.status]).sort()).toEqual([
      ["orders_7d", "not_evaluated"],
      ["refund_rate", "not_evaluated"],
      ["revenue_7d", "not_evaluated"],
    ]);
    expect(g.metrics.find((m) => m.metric_key === "revenue_7d")?.reason).toBe(
      "The decision engine has not evaluated this experiment yet.",
    );
    // The fixed-sample rows the dashboard used to judge by already show a significant revenue drop.
    const s = (await call("ana", "GET", "/api/experiments/exp_guard/summary")).json;
    const revenue = s.metrics.find((m: { metric_key: string }) => m.metric_key === "revenue_7d");
    expect(revenue.itt[1].uplift_rel).toBeLessThan(-0.1);
    expect(revenue.itt[1].p_value).toBeLessThan(0.05);
  }, 60_000);

  it("after a run: breached / within threshold / not evaluated (no data) with the engine's reasons, time and guard", async () => {
    const run = await call("ana", "POST", "/api/experiments/exp_guard/decision/run");
    expect(run.status).toBe(200);
    expect(run.json.fail_closed.active).toBe(true);
    const g = await guardrails();
    expect(g.evaluated_at).toBe(run.json.evaluated_at);
    expect(g.results_dt).toBe(run.json.details.results_dt);
    expect(g.fail_closed).toMatchObject({ active: true, cleared_at: null });
    expect(g.fail_closed?.message).toMatch(
      /^revenue_7d \(treatment\): .*% worse than control, beyond the tolerated/,
    );
    const metric = (key: string) => g.metrics.find((m) => m.metric_key === key);
    const [revenue, orders, refunds] = [metric("revenue_7d"), metric("orders_7d"), metric("refund_rate")];
    const engine = (key: string) =>
      run.json.details.guardrails.find((d: { metric_key: string }) => d.metric_key === key);
    const reasonOf = (key: string) =>
      run.json.reasons.find(
        (r: { kind: string; message: string }) => r.kind === "guardrail" && r.message.startsWith(`${key} (`),
      ).message;

    expect(revenue).toMatchObject({
      metric_key: "revenue_7d",
      status: "breached",
      threshold: 0.1,
      reason: null,
    });
    expect(revenue?.variants).toEqual([
      {
        variant: "treatment",
        status: "breached",
        relative_harm: engine("revenue_7d").relative_harm,
        z: engine("revenue_7d").z,
        boundary: engine("revenue_7d").boundary,
        p_value: engine("revenue_7d").p_value,
        harm_lower_bound: engine("revenue_7d").harm_lower_bound,
        reason: reasonOf("revenue_7d"),
      },
    ]);
    expect(revenue?.variants[0]?.reason).toMatch(/: breached$/);

    // orders_7d is worse than its 45% tolerance and significant at a fixed sample (the old dashboard rule would
    // call it breached), but not beyond the tolerance at the sequential boundary: the engine keeps it within.
    const s = (await call("ana", "GET", "/api/experiments/exp_guard/summary")).json;
    const ordersRow = s.metrics.find((m: { metric_key: string }) => m.metric_key === "orders_7d").itt[1];
    expect(-ordersRow.uplift_rel).toBeGreaterThanOrEqual(0.45);
    expect(ordersRow.p_value).toBeLessThan(0.05);
    expect(orders).toMatchObject({ metric_key: "orders_7d", status: "within_threshold", reason: null });
    expect(orders?.variants[0]).toMatchObject({ status: "within_threshold", reason: reasonOf("orders_7d") });
    expect(orders?.variants[0]?.z).toBeLessThan(orders?.variants[0]?.boundary ?? 0);

    // No refund event in the data: the engine's z is not finite and it stores "not breached"; the summary says
    // not evaluated (missing data), never "within threshold".
    expect(engine("refund_rate")).toMatchObject({ breached: false, z: null, relative_harm: null });
    expect(refunds).toMatchObject({ metric_key: "refund_rate", status: "not_evaluated", reason: null });
    expect(refunds?.variants).toEqual([
      {
        variant: "treatment",
        status: "not_evaluated",
        relative_harm: null,
        z: null,
        boundary: null,
        p_value: null,
        harm_lower_bound: null,
        reason: `refund_rate (treatment): not testable in the evaluation of ${run.json.evaluated_at} (missing values or no variance)`,
      },
    ]);
  }, 120_000);

  it("keeps the stored verdict after a re-enable and shows the guard cleared", async () => {
    const done = await call("ana", "POST", "/api/experiments/exp_guard/reenable", {
      reason: "fixed the outage",
    });
    expect(done.status).toBe(200);
    const g = await guardrails();
    expect(g.fail_closed).toMatchObject({ active: false, cleared_at: expect.any(String) });
    expect(g.metrics.find((m) => m.metric_key === "revenue_7d")?.status).toBe("breached");
  });

  it("explains a missing verdict: an evaluation without pipeline results, a metric without a comparison", () => {
    const metrics = [
      { metric_key: "refund_rate", role: "guardrail", direction: "decrease", threshold: 0.2 },
    ] as const;
    const base = {
      experimentKey: "e",
      evaluatedAt: "2026-02-22T03:00:00.000Z",
      runId: 1,
      status: "keep_running",
    } as const;
    const noResults = guardrailVerdicts(
      { metrics: [...metrics] },
      {
        ...base,
        reasons: [
          {
            kind: "data_quality",
            severity: "warning",
            code: "no_results",
            values: {},
            message: "no pipeline results for this experiment yet",
          },
        ],
        details: {},
      },
      null,
    );
    expect(noResults.metrics[0]).toMatchObject({ status: "not_evaluated", variants: [] });
    expect(noResults.metrics[0]?.reason).toBe(
      "Not evaluated: no pipeline results for this experiment yet (evaluated 2026-02-22T03:00:00.000Z).",
    );
    const noComparison = guardrailVerdicts(
      { metrics: [...metrics] },
      {
        ...base,
        reasons: [],
        details: { results_dt: "2026-02-22", guardrails: [] },
      },
      null,
    );
    expect(noComparison.metrics[0]?.reason).toBe(
      "Not evaluated: no refund_rate comparison in the results of dt=2026-02-22 (evaluated 2026-02-22T03:00:00.000Z).",
    );
  });
});
