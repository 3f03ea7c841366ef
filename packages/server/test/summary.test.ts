import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLakeReader, generateToLake, runPipeline } from "@assay/pipeline";
import { adjustPValues } from "@assay/stats";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createApiKey, createPgliteDatabase, createServerContext, type ServerContext } from "../src/index.js";
import { createLakeSummary } from "../src/results/experiment-summary.js";
import { createLakeSegmentResults } from "../src/results/segment-results-provider.js";
import { experimentBody, metricDefinitions } from "./helpers/test-app.js";

describe("GET /api/experiments/{key}/summary", () => {
  let dir: string;
  let app: FastifyInstance;
  let context: ServerContext;
  let close: () => Promise<void>;
  const keys: Record<string, string> = {};
  const get = async (who: string, url: string, headers: Record<string, string> = {}) => {
    const res = await app.inject({
      method: "GET",
      url,
      headers: { authorization: `Bearer ${keys[who]}`, ...headers },
    });
    return { status: res.statusCode, json: res.body === "" ? undefined : res.json(), headers: res.headers };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-summary-"));
    const db = await createPgliteDatabase();
    context = await createServerContext({ db, walDir: join(dir, "wal"), lakeDir: join(dir, "lake") });
    app = await createApp({
      context,
      summary: createLakeSummary(db, context.lake.dir),
      segmentResults: createLakeSegmentResults(db, context.lake.dir),
    });
    keys.ana = (await createApiKey(db, { team: "growth", role: "editor", name: "ana" })).secret;
    keys.pat = (await createApiKey(db, { team: "payments", role: "editor", name: "pat" })).secret;
    const send = (method: "PUT" | "POST", url: string, payload: object) =>
      app.inject({ method, url, payload, headers: { authorization: `Bearer ${keys.ana}` } });
    for (const m of metricDefinitions) await send("PUT", `/api/metrics/${m.key}`, m);
    const created = await send(
      "POST",
      "/api/experiments",
      experimentBody("exp_checkout", {
        metrics: [
          { metric_key: "conversion_7d", role: "primary", direction: "increase" },
          { metric_key: "revenue_7d", role: "secondary", direction: "increase" },
          { metric_key: "refund_rate", role: "guardrail", direction: "decrease", threshold: 0.2 },
        ],
      }),
    );
    expect(created.statusCode).toBe(201);
    close = async () => {
      await app.close();
      await context.close();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    };
  });
  afterAll(async () => close?.());

  it("answers 404 before the pipeline has results, then the latest results with SRM and quality", async () => {
    const before = await get("ana", "/api/experiments/exp_checkout/summary");
    expect(before.status).toBe(404);
    expect(before.json.error.message).toContain("pipeline run");
    expect((await get("ana", "/api/experiments/exp_checkout/segments/platform")).status).toBe(404);

    const lake = context.lake.dir;
    await generateToLake({ lake, dt: "2026-02-14", from: "2026-02-01", seed: 7, users: 3000 });
    await runPipeline({
      source: { kind: "lake", lake, dt: "2026-02-10" },
      sink: { kind: "lake", lake, dt: "2026-02-10" },
    });
    await runPipeline({
      source: { kind: "lake", lake, dt: "2026-02-14" },
      sink: { kind: "lake", lake, dt: "2026-02-14" },
    });
    const res = await get("ana", "/api/experiments/exp_checkout/summary");
    expect(res.status).toBe(200);
    const s = res.json;
    const rows = (await createLakeReader(lake).experimentResults({ experimentIds: ["exp_checkout"] }))!.rows;
    const quality = (await createLakeReader(lake).qualityReport())!.report.experiments.exp_checkout!;

    expect(s.data_window).toEqual({
      start: "2026-02-01T00:00:00.000Z",
      end: "2026-02-15T00:00:00.000Z",
      dt: "2026-02-14",
    });
    expect(Number.isNaN(Date.parse(s.computed_at))).toBe(false);
    // The dashboard's shape: raw result rows of the latest partition, metric types, alpha.
    expect(s.alpha).toBe(0.05);
    expect(s.results).toHaveLength(rows.length);
    expect(s.results).toEqual(expect.arrayContaining(rows.map((r) => expect.objectContaining(r))));
    expect(s.metric_types).toMatchObject({ conversion_7d: "conversion", revenue_7d: "sum" });
    // The generator's platform and country attributes; the allowlist's others have no observed value.
    expect(s.segments).toMatchObject({
      available: true,
      attributes: ["country", "platform"],
      dt: "2026-02-14",
      adjustment: "holm",
    });
    expect(s.segments.values.platform.length).toBeGreaterThan(1);
    const again = await get("ana", "/api/experiments/exp_checkout/summary", {
      "if-none-match": String(res.headers.etag),
    });
    expect(again.status).toBe(304);
    expect(s.decision).toBeNull();
    // Exposure health per day: the experiment's rows of fct_experiment_exposure_quality_daily.
    expect(s.exposure_daily.length).toBeGreaterThan(5);
    expect(s.exposure_daily[0]).toMatchObject({ date_day: expect.stringMatching(/^2026-02-\d\d$/) });
    expect(
      s.exposure_daily.reduce((n: number, d: { assigned_units: number }) => n + d.assigned_units, 0),
    ).toBe(quality.canonical_units);
    // Cumulative: one point per results partition, the last equal to the latest results.
    const series = s.cumulative.find(
      (c: { metric_id: string; variation_id: string; analysis_mode: string }) =>
        c.metric_id === "conversion_7d" && c.variation_id === "treatment" && c.analysis_mode === "itt",
    );
    expect(series.points.map((p: { date_day: string }) => p.date_day)).toEqual(["2026-02-10", "2026-02-14"]);
    const latest = rows.find(
      (r) => r.metric_id === "conversion_7d" && r.variation_id === "treatment" && r.analysis_mode === "itt",
    )!;
    expect(series.points[1]).toMatchObject({
      n_users: latest.n_users,
      uplift_abs: latest.uplift_abs,
      ci_low: latest.ci_low,
      ci_high: latest.ci_high,
    });
    // The boundary is the decision policy's for the experiment's method: always-valid by default, the confidence
    // sequence's half-width at the point's sample (stats-contract.md: ρ tuned at the planned total, N = both arms).
    expect(s.analysis).toMatchObject({ method: "always_valid", alpha: 0.05, final: true });
    const p = series.points[1];
    const se = (latest.ci_high! - latest.ci_low!) / (2 * 1.959963984540054);
    const control = rows.find(
      (r) => r.metric_id === "conversion_7d" && r.is_control && r.analysis_mode === "itt",
    )!;
    const n = latest.n_users + control.n_users;
    const l = -2 * Math.log(0.05);
    const rho2 = (l + Math.log(l + 1)) / (2 * s.sequential.planned_per_variant);
    const u = n * rho2;
    const z = Math.sqrt(((2 * (u + 1)) / u) * Math.log(Math.sqrt(u + 1) / 0.05));
    expect(p.bound_high).toBeCloseTo(z * se, 10);
    expect(p.bound_low).toBeCloseTo(-p.bound_high, 12);
    // Each treatment's row carries the method's interval: wider than the fixed-sample one (any look is safe).
    const conversion = s.metrics.find((m: { metric_key: string }) => m.metric_key === "conversion_7d");
    const treated = conversion.itt.find((v: { is_control: boolean }) => !v.is_control);
    expect(treated.inference.ci.high - treated.inference.ci.low).toBeGreaterThan(
      treated.ci.high - treated.ci.low,
    );
    expect(conversion.itt.find((v: { is_control: boolean }) => v.is_control).inference).toBeNull();
    // Contract metrics first (primary, secondary, guardrail), extra pipeline metrics after.
    expect(
      s.metrics.slice(0, 2).map((m: { metric_key: string; role: string }) => [m.metric_key, m.role]),
    ).toEqual([
      ["conversion_7d", "primary"],
      ["revenue_7d", "secondary"],
    ]);
    expect(s.metrics.map((m: { metric_key: string }) => m.metric_key).sort()).toEqual(
      [...new Set(rows.map((r) => r.metric_id))].sort(),
    );
    for (const metric of s.metrics) {
      for (const mode of ["itt", "exposed"] as const) {
        expect(metric[mode].map((v: { variant: string }) => v.variant)).toEqual(["control", "treatment"]);
        for (const v of metric[mode]) {
          const row = rows.find(
            (r) =>
              r.metric_id === metric.metric_key && r.analysis_mode === mode && r.variation_id === v.variant,
          )!;
          expect(v).toMatchObject({
            n: row.n_users,
            mean: row.mean,
            uplift_abs: row.uplift_abs,
            p_value: row.p_value_two_sided,
            ci: { low: row.ci_low, high: row.ci_high },
            cuped: { theta: row.cuped_theta, p_value: row.cuped_p_value },
          });
        }
      }
    }
    const revenue = s.metrics.find((m: { metric_key: string }) => m.metric_key === "revenue_7d");
    expect(revenue.itt[1].cuped.variance_reduction_pct).not.toBeNull();
    expect(s.srm.itt).toMatchObject({
      p_value: quality.srm_p_value_itt,
      detected: quality.srm_detected_itt,
      observed: quality.units_by_variant_itt,
      expected_shares: { control: 0.5, treatment: 0.5 },
    });
    const total = Object.values(quality.units_by_variant_exposed).reduce((a, b) => a + b, 0);
    expect(s.srm.exposed.observed_shares.control).toBeCloseTo(
      quality.units_by_variant_exposed.control! / total,
      12,
    );
    expect(s.quality).toMatchObject({
      canonical_units: quality.canonical_units,
      exposure_rate: quality.exposure_rate,
    });
    expect(Array.isArray(s.quality.data_tests)).toBe(true);

    expect((await get("pat", "/api/experiments/exp_checkout/summary")).status).toBe(404);
  }, 60_000);

  it("drills down by a segment attribute: per value and treatment, Holm-adjusted across values", async () => {
    const lake = context.lake.dir;
    const all = (await createLakeReader(lake).segmentResults({ experimentId: "exp_checkout" }))!.rows;
    const whole = (await createLakeReader(lake).experimentResults({ experimentIds: ["exp_checkout"] }))!.rows;
    const res = await get("ana", "/api/experiments/exp_checkout/segments/platform?mode=itt");
    expect(res.status).toBe(200);
    const v = res.json;
    expect(v).toMatchObject({
      experiment_key: "exp_checkout",
      attribute: "platform",
      analysis_mode: "itt",
      cuped: false,
      alpha: 0.05,
      dt: "2026-02-14",
      exploratory: true,
      adjustment: { method: "holm" },
    });
    expect(v.note).toMatch(/exploratory/i);
    expect(v.metrics[0].metric_key).toBe("conversion_7d");
    const rows = all.filter((r) => r.segment_attribute === "platform" && r.analysis_mode === "itt");
    expect(v.values.sort()).toEqual([...new Set(rows.map((r) => r.segment_value))].sort());
    for (const m of v.metrics) {
      // Segment values partition the cohort: units add up to the whole-cohort count per variant.
      for (const variant of ["control", "treatment"]) {
        const total = m.segments.reduce(
          (n: number, s: { n: Record<string, number> }) => n + (s.n[variant] ?? 0),
          0,
        );
        const cohort = whole.find(
          (r) => r.metric_id === m.metric_key && r.analysis_mode === "itt" && r.variation_id === variant,
        )!;
        expect(total).toBe(cohort.n_users);
      }
      type Seg = {
        value: string;
        comparisons: Array<{
          p_value: number | null;
          p_value_adjusted: number | null;
          uplift_abs: number | null;
          ci: object;
          significant: boolean;
        }>;
      };
      // The family: the values with a p-value (a value too small to compare has none and no adjusted one).
      const tested = (m.segments as Seg[]).filter((s) => s.comparisons[0]!.p_value !== null);
      expect(tested.length).toBeGreaterThan(1);
      const expected = adjustPValues(
        "holm",
        tested.map((s) => s.comparisons[0]!.p_value!),
      );
      for (const s of m.segments as Seg[]) {
        const c = s.comparisons[0]!;
        const row = rows.find(
          (r) =>
            r.metric_id === m.metric_key && r.segment_value === s.value && r.variation_id === "treatment",
        )!;
        expect(c).toMatchObject({
          p_value: row.p_value_two_sided,
          uplift_abs: row.uplift_abs,
          ci: { low: row.ci_low, high: row.ci_high },
        });
        const i = tested.indexOf(s);
        if (i < 0) {
          expect(c.p_value_adjusted).toBeNull();
          continue;
        }
        expect(c.p_value_adjusted).toBeCloseTo(expected[i]!, 12);
        expect(c.p_value_adjusted!).toBeGreaterThanOrEqual(c.p_value!);
        expect(c.significant).toBe(c.p_value_adjusted! < 0.05);
      }
    }
    // CUPED: revenue_7d's comparisons use the CUPED columns.
    const cuped = (
      await get("ana", "/api/experiments/exp_checkout/segments/platform?mode=exposed&cuped=true")
    ).json;
    const revenue = cuped.metrics.find((m: { metric_key: string }) => m.metric_key === "revenue_7d");
    const first = revenue.segments[0];
    const row = all.find(
      (r) =>
        r.segment_attribute === "platform" &&
        r.analysis_mode === "exposed" &&
        r.metric_id === "revenue_7d" &&
        r.segment_value === first.value &&
        r.variation_id === "treatment",
    )!;
    expect(first.comparisons[0]).toMatchObject({
      cuped: true,
      uplift_abs: row.cuped_uplift_abs,
      p_value: row.cuped_p_value,
    });

    // ETag revalidation, validation naming the field, unknown attribute, another team.
    const etag = String(res.headers.etag);
    expect(
      (
        await get("ana", "/api/experiments/exp_checkout/segments/platform?mode=itt", {
          "if-none-match": etag,
        })
      ).status,
    ).toBe(304);
    for (const [url, field] of [
      ["/api/experiments/exp_checkout/segments/platform?mode=all", "mode"],
      ["/api/experiments/exp_checkout/segments/platform?cuped=yes", "cuped"],
      ["/api/experiments/exp_checkout/segments/platform?sort=n", "sort"],
      ["/api/experiments/exp_checkout/segments/no%20such", "attribute"],
    ] as const) {
      const bad = await get("ana", url);
      expect(bad.status, url).toBe(400);
      expect(bad.json.error.field, url).toBe(field);
    }
    const unknown = await get("ana", "/api/experiments/exp_checkout/segments/device");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ field: "attribute" });
    expect(unknown.json.error.message).toContain("available: country, platform");
    expect((await get("pat", "/api/experiments/exp_checkout/segments/platform")).status).toBe(404);
    const openapi = (await get("ana", "/api/openapi.json")).json;
    expect(openapi.paths["/api/experiments/{key}/segments/{attribute}"].get.parameters).toHaveLength(4);
  }, 60_000);
});
