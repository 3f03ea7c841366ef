import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, seedDemo, startServer } from "../src/index.js";

// Issue 18 item 4: the demo is finished when the server says "Ready": decisions evaluated, realistic flags, and a
// pre-period covariate that makes CUPED reduce variance.
describe("the demo on a first start, with the decision engine", () => {
  let home: string;
  let server: RunningServer | undefined;
  const lines: string[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response bodies.
  const get = async (path: string): Promise<any> => {
    const res = await fetch(`${server!.url}${path}`, {
      headers: { authorization: `Bearer ${server!.adminKey}` },
    });
    expect(res.status, path).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "assay-demo-hour-"));
    server = await startServer({
      home,
      port: 0,
      print: (line) => lines.push(line),
      onFirstStart: (s) =>
        seedDemo(s, {
          users: 2000,
          days: 7,
          now: new Date("2026-03-01T10:00:00Z"),
          print: (l) => lines.push(l),
        }),
    });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    await rm(home, { recursive: true, force: true });
  }, 240_000);

  it("has evaluated every demo decision before it prints Ready, as its last line", async () => {
    const ready = lines.findIndex((l) => l.startsWith("Ready:"));
    expect(ready).toBe(lines.length - 1);
    expect(lines.findIndex((l) => l.startsWith("Demo: experiments"))).toBeLessThan(ready);
    for (const key of ["exp_checkout", "exp_onboarding"]) {
      const decision = await get(`/api/experiments/${key}/decision`);
      expect(decision.evaluated_at).not.toBeNull();
      expect(["ship", "roll_back", "keep_running", "inconclusive"]).toContain(decision.status);
    }
  });

  it("comes with realistic flags: rollouts, rules, a segment, a JSON value, one saved off", async () => {
    const { flags } = await get("/api/flags");
    expect(flags.length).toBeGreaterThanOrEqual(4);
    // biome-ignore lint/suspicious/noExplicitAny: flag rows from the API.
    const some = (test: (f: any) => boolean) => expect(flags.some(test)).toBe(true);
    some((f) => f.enabled && f.rollout_percentage > 0 && f.rollout_percentage < 100);
    some((f) => f.targeting.condition !== null);
    some((f) => f.targeting.include_segments.length > 0);
    some((f) => f.type === "json");
    some((f) => !f.enabled && !f.killed);
  });

  it("gives CUPED a pre-period covariate correlated with revenue: a real variance reduction", async () => {
    const summary = await get("/api/experiments/exp_checkout/summary");
    const revenue = summary.results.find(
      (r: { metric_id: string; analysis_mode: string; is_control: boolean }) =>
        r.metric_id === "revenue_7d" && r.analysis_mode === "itt" && !r.is_control,
    );
    expect(revenue.cuped_variance_reduction_pct).toBeGreaterThan(5);
  });
});
