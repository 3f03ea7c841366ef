// The server's decision runner around @assay/decisions' evaluate: one pipeline refresh per tick shared by every
// experiment due, and a failed run answered as an error with its run id (never the previous decision with 200).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createDecisionService, type DecisionService } from "../src/decisions/decision-service.js";
import type { ResultsSource } from "../src/decisions/lake-results-source.js";
import {
  createApiKey,
  createPgliteDatabase,
  createServerContext,
  type Database,
  type ServerContext,
} from "../src/index.js";
import { experimentBody, metricDefinitions } from "./helpers/test-app.js";

const NOW = new Date("2026-02-22T03:00:00Z");

describe("decision runner", () => {
  let dir: string;
  let db: Database;
  let context: ServerContext;
  let app: FastifyInstance;
  let decisions: DecisionService;
  let refreshes = 0;
  let failNext = false;
  const keys: Record<string, string> = {};
  const call = async (who: string, method: "GET" | "POST" | "PUT", url: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${keys[who]}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
    return { status: res.statusCode, json: JSON.parse(res.body) as any };
  };
  const source: ResultsSource = {
    async refresh() {
      refreshes += 1;
      await new Promise((r) => setTimeout(r, 50));
      if (failNext) {
        failNext = false;
        throw new Error("pipeline failed: lake unreachable");
      }
      return { dt: "2026-02-22" };
    },
    async read(key, _mode, at) {
      const arm = (n: number, k: number) => ({ n, sum: k, sum_squares: k });
      return {
        dt: "2026-02-22",
        kinds: new Map([["conversion_7d", "mean" as const]]),
        snapshot: {
          at: at.toISOString(),
          units: { control: 1000, treatment: 1000 },
          metrics: {
            conversion_7d: { control: arm(1000, 100), treatment: arm(1000, key.endsWith("3") ? 200 : 100) },
          },
          data_quality: [],
        },
      };
    },
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-runner-"));
    db = await createPgliteDatabase();
    context = await createServerContext({ db, walDir: join(dir, "wal"), lakeDir: join(dir, "lake") });
    decisions = createDecisionService({
      db,
      source,
      timers: {
        now: () => NOW,
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      },
    });
    app = await createApp({ context, decisions });
    for (const [name, role] of [
      ["ana", "editor"],
      ["rui", "reviewer"],
    ] as const) {
      keys[name] = (await createApiKey(db, { team: "growth", role, name })).secret;
    }
    for (const m of metricDefinitions) await call("ana", "PUT", `/api/metrics/${m.key}`, m);
    for (const key of ["exp_r1", "exp_r2", "exp_r3"]) {
      expect((await call("ana", "POST", "/api/experiments", experimentBody(key))).status).toBe(201);
      for (const [who, status] of [
        ["ana", "submitted"],
        ["rui", "approved"],
        ["ana", "running"],
      ] as const) {
        expect((await call(who, "POST", `/api/experiments/${key}/status`, { status })).status).toBe(200);
      }
    }
  }, 120_000);

  afterAll(async () => {
    await decisions?.stop();
    await app?.close();
    await context?.close();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs the pipeline once per tick for every experiment due, then evaluates each from the shared data", async () => {
    refreshes = 0;
    await decisions.scheduler.tick();
    for (let i = 0; i < 200 && decisions.scheduler.busy.size > 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(decisions.scheduler.busy.size).toBe(0);
    expect(refreshes).toBe(1);
    for (const key of ["exp_r1", "exp_r2", "exp_r3"]) {
      const d = await call("ana", "GET", `/api/experiments/${key}/decision`);
      expect(d.json.evaluated_at).not.toBeNull();
      expect(d.json.details.method).toBe("always_valid");
    }
    expect((await call("ana", "GET", "/api/experiments/exp_r3/decision")).json.status).toBe("ship");
  });

  it("records the analysis method with the preregistration: it cannot change once the experiment has left draft", async () => {
    const config = (await call("ana", "GET", "/api/experiments/exp_r2/decision-config")).json;
    expect(config.method).toBe("always_valid");
    const changed = await call("ana", "PUT", "/api/experiments/exp_r2/decision-config", {
      ...config,
      method: "fixed_horizon",
    });
    expect(changed.status).toBe(409);
    expect(changed.json.error.field).toBe("method");
    // Other settings may still change (schedules, retry, alphas of monitoring).
    const ok = await call("ana", "PUT", "/api/experiments/exp_r2/decision-config", {
      ...config,
      auto_fail_closed: false,
    });
    expect(ok.status).toBe(200);
  });

  it("answers a failed run with an error naming the run, records it failed, and keeps the last decision", async () => {
    const before = (await call("ana", "GET", "/api/experiments/exp_r1/decision")).json;
    failNext = true;
    const run = await call("ana", "POST", "/api/experiments/exp_r1/decision/run");
    expect(run.status).toBe(500);
    expect(run.json.error.code).toBe("run_failed");
    expect(run.json.error.message).toMatch(/pipeline failed: lake unreachable/);
    const runs = (await call("ana", "GET", "/api/experiments/exp_r1/decision/runs")).json.runs;
    expect(runs[0]).toMatchObject({ status: "failed", error: "pipeline failed: lake unreachable" });
    expect(run.json.error.run_id).toBe(runs[0].run_id ?? runs[0].runId);
    expect((await call("ana", "GET", "/api/experiments/exp_r1/decision")).json.run_id).toBe(before.run_id);
    // The next run refreshes again (a failed refresh is never reused) and succeeds.
    const again = await call("ana", "POST", "/api/experiments/exp_r1/decision/run");
    expect(again.status).toBe(200);
  });
});
