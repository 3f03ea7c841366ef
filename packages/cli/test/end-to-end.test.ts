import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createAssayApi,
  rehash,
  runSimulation,
  type ServerProcess,
  type SimulationReport,
  simulationDefaults,
  spawnServer,
} from "../src/simulate/index.js";

// The whole platform as one loop: `assay serve` in its own process, simulated users through the SDK
// (payload, local assignment, event client with seeded network faults), the collector, the pipeline
// run by the decision API, the summary and the decision.
const USERS = Number(process.env.ASSAY_E2E_USERS ?? 50_000);
const TRUE_EFFECT = 0.02;

describe(`end to end: ${USERS} simulated users against a real server`, () => {
  let home: string;
  let server: ServerProcess;
  let report: SimulationReport;
  let guarded: SimulationReport;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "assay-e2e-"));
    server = await spawnServer(home);
    const base = {
      ...simulationDefaults,
      url: server.url,
      key: server.key,
      lakeDir: join(home, "lake"),
      concurrency: 128,
      faults: { dropBeforeSend: 0.05, lostAck: 0.05, duplicateSend: 0.05 },
    };
    report = await runSimulation({
      ...base,
      experiment: "sim_checkout",
      runId: "e2e",
      users: USERS,
      seed: 20_261_123,
      effects: { treatment: TRUE_EFFECT },
    });
    guarded = await runSimulation({
      ...base,
      experiment: "sim_guardrail",
      runId: "e2eguard",
      users: Math.min(USERS, 12_000),
      seed: 7,
      effects: { treatment: TRUE_EFFECT },
      guardrailRegression: 0.4,
    });
  }, 900_000);

  afterAll(async () => {
    await server?.stop();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it("stores in fact_assignment exactly what the SDK decided (re-hash check: zero mismatches)", () => {
    const a = report.lake!.assignments;
    expect(a.lakeRows).toBe(USERS);
    expect(a).toMatchObject({
      sdkVsRehash: 0,
      serverVsSdk: 0,
      lakeMismatches: 0,
      lakeMissing: 0,
      lakeUnexpected: 0,
    });
    const first = report.outcome.users[0]!;
    expect(first.sdkVariant).toBe(rehash(report.rule, first.userId));
  });

  it("counts every acknowledged event exactly once despite dropped connections, lost acks and duplicate sends", () => {
    const { faults } = report.outcome;
    expect(faults.droppedBeforeSend).toBeGreaterThan(0);
    expect(faults.lostAcks).toBeGreaterThan(0);
    expect(faults.duplicateSends).toBeGreaterThan(0);
    expect(report.outcome.rejected).toEqual([]);
    expect(report.outcome.sdkErrors).toEqual([]);
    const e = report.lake!.events;
    expect(e.acknowledged).toBe(e.sent);
    expect(e.lakeRows).toBe(e.acknowledged);
    expect(e).toMatchObject({ storedMoreThanOnce: 0, acknowledgedMissing: 0, unknownStored: 0 });
    expect(e.ordersByVariant).not.toBeNull();
    for (const counts of Object.values(e.ordersByVariant ?? {})) {
      expect(counts.acknowledged).toBeGreaterThan(0);
      expect(counts.pipeline).toBe(counts.acknowledged);
    }
  });

  it("covers the true effect with the interval and decides consistently with it", () => {
    const [effect] = report.effects;
    expect(effect?.variant).toBe("treatment");
    expect(effect!.ci.low).toBeLessThanOrEqual(TRUE_EFFECT);
    expect(effect!.ci.high).toBeGreaterThanOrEqual(TRUE_EFFECT);
    // The interval excludes zero, so the efficacy boundary must have been crossed: ship, no fail-closed.
    expect(effect!.ci.low).toBeGreaterThan(0);
    expect(report.decision.status).toBe("ship");
    expect(report.decision.failClosed).toBe(false);
    expect(report.decision.served).toEqual({ status: "running", weights: { control: 50, treatment: 50 } });
  });

  it("fails closed on an injected guardrail regression: roll back, paused, control served to everyone", async () => {
    expect(guarded.lake!.assignments.lakeMismatches).toBe(0);
    expect(guarded.lake!.events.storedMoreThanOnce).toBe(0);
    expect(guarded.decision.status).toBe("roll_back");
    expect(guarded.decision.failClosed).toBe(true);
    expect(guarded.decision.experimentStatus).toBe("paused");
    const revenue = guarded.decision.guardrails.find((g) => g.metric_key === "revenue_7d");
    expect(revenue?.breached).toBe(true);
    expect(revenue!.relative_harm).toBeGreaterThan(0.1);
    expect(guarded.decision.served).toEqual({ status: "paused", weights: { control: 100, treatment: 0 } });
    // A client fetching the payload now gets no treatment: the server-side assignment says so too.
    const api = createAssayApi(server.url, server.key);
    const after = await api.request<{ assignments: Array<{ variant: string | null }> }>(
      "POST",
      "/api/assign",
      {
        body: { user_id: "after-breach-1", attributes: {}, experiments: ["sim_guardrail"] },
      },
    );
    expect(after.json.assignments[0]?.variant ?? null).not.toBe("treatment");
  });

  it("reports the loop's throughput and the time from the last event to a fresh summary", () => {
    expect(report.timings.usersPerSecond).toBeGreaterThan(0);
    expect(report.timings.eventsPerSecond).toBeGreaterThan(0);
    expect(report.timings.lastEventToSummaryMs).toBeGreaterThan(0);
  });
});
