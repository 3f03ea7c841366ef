import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningServer, seedDemo, startServer } from "../src/index.js";

describe("demo data on the first start", () => {
  let home: string | undefined;
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it("registers running experiments whose keys match generated data and serves their results at once", async () => {
    home = await mkdtemp(join(tmpdir(), "assay-demo-"));
    const lines: string[] = [];
    server = await startServer({
      home,
      port: 0,
      print: (line) => lines.push(line),
      decisions: false,
      onFirstStart: (s) =>
        seedDemo(s, {
          users: 2000,
          days: 7,
          now: new Date("2026-03-01T10:00:00Z"),
          print: (l) => lines.push(l),
        }),
    });
    const get = async (path: string) => {
      const res = await fetch(`${server!.url}${path}`, {
        headers: { authorization: `Bearer ${server!.adminKey}` },
      });
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response bodies.
      return { status: res.status, json: (await res.json()) as any };
    };
    const { json } = await get("/api/experiments");
    expect(json.experiments.map((e: { key: string }) => e.key).sort()).toEqual([
      "exp_checkout",
      "exp_onboarding",
    ]);
    for (const e of json.experiments) {
      expect(e.status).toBe("running");
      expect(e.power_analysis.n_per_variant).toBeGreaterThan(0);
      expect(e.prereg_url).toMatch(/^https:/);
      expect(e.metrics.map((m: { role: string }) => m.role)).toEqual(
        expect.arrayContaining(["primary", "guardrail"]),
      );
      // The list carries each experiment's primary result and badges (no summary call needed).
      expect(e.results.primary.metric_key).toBe("conversion_7d");
      expect(e.results.primary.comparisons[0].n).toBeGreaterThan(100);
      expect(typeof e.results.badges.srm).toBe("boolean");
      const summary = await get(`/api/experiments/${e.key}/summary`);
      // Several results partitions: the cumulative series has history.
      expect(summary.json.cumulative[0].points.length).toBeGreaterThan(1);
      expect(summary.status).toBe(200);
      expect(summary.json.data_window.dt).toBe("2026-02-28");
      expect(summary.json.metrics[0]).toMatchObject({ metric_key: "conversion_7d", role: "primary" });
      const variants = summary.json.metrics[0].itt.map((v: { variant: string }) => v.variant);
      expect(variants).toEqual(e.variants.map((v: { key: string }) => v.key));
      for (const v of summary.json.metrics[0].itt) expect(v.n).toBeGreaterThan(100);
      expect(summary.json.srm.itt.p_value).toBeGreaterThan(0);
      // The metric types of docs/metrics.md show sensible figures: a cap, a p90 load time, a day-7 retention.
      const metric = (key: string) =>
        summary.json.metrics.find((m: { metric_key: string }) => m.metric_key === key).itt;
      for (const v of metric("revenue_capped_7d")) {
        expect(v.details.cap_value).toBeGreaterThan(0);
        expect(v.mean).toBeLessThanOrEqual(v.details.cap_value);
      }
      for (const v of metric("page_load_p90")) {
        expect(v.mean).toBeGreaterThan(300);
        expect(v.mean).toBeLessThan(3000);
        expect(v.details.design_effect).toBeGreaterThan(1);
        expect(v.details.n_values).toBeGreaterThan(v.n);
      }
      // 7 days of data: no unit's day-7 window [anchor + 7 d, anchor + 8 d) has ended, so every unit is
      // excluded and counted (the default demo's 14 days give results).
      const conversion = metric("conversion_7d");
      for (const v of metric("retention_d7")) {
        expect(v.n).toBe(0);
        expect(v.details.excluded_units).toBe(
          conversion.find((c: { variant: string }) => c.variant === v.variant).n,
        );
      }
      expect(summary.json.metric_types).toMatchObject({
        page_load_p90: "quantile",
        retention_d7: "retention",
      });
      // The generator's platform and country attributes give a drill-down on the first start.
      expect(summary.json.segments).toMatchObject({ available: true, attributes: ["country", "platform"] });
      const byPlatform = await get(`/api/experiments/${e.key}/segments/platform`);
      expect(byPlatform.status).toBe(200);
      expect(byPlatform.json.values.length).toBeGreaterThan(1);
      expect(byPlatform.json.metrics[0].segments[0].comparisons[0].p_value_adjusted).toBeGreaterThan(0);
    }
    const config = await readFile(join(home, "lake", "assay.yaml"), "utf8");
    expect(config).toContain("exp_onboarding");
    expect(config).toContain("segment_attributes:");
    expect(lines.some((l) => l.startsWith("Demo: experiments"))).toBe(true);
  }, 120_000);

  it("starts again on the same home (the demo's raw files have no event_id column), logged pairs kept", async () => {
    const first = await fetch(`${server!.url}/api/assign`, {
      method: "POST",
      headers: { authorization: `Bearer ${server!.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ user_id: "restart-user", experiments: ["exp_checkout"] }),
    });
    expect(
      ((await first.json()) as { assignments: { first_assignment: boolean }[] }).assignments[0]!
        .first_assignment,
    ).toBe(true);
    await server!.close();
    server = undefined;
    const lines: string[] = [];
    server = await startServer({ home: home!, port: 0, print: (line) => lines.push(line), decisions: false });
    expect(lines.some((l) => l.startsWith("Demo:"))).toBe(false);
    const again = await fetch(`${server.url}/api/assign`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ user_id: "restart-user", experiments: ["exp_checkout"] }),
    });
    expect(again.status).toBe(200);
    expect(
      ((await again.json()) as { assignments: { first_assignment: boolean }[] }).assignments[0]!
        .first_assignment,
    ).toBe(false);
  }, 120_000);
});
