import { join } from "node:path";
import { runPipeline } from "@assay/pipeline";
import { validate } from "@readme/openapi-parser";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTypesAreFresh, apiTypesPath } from "../../../scripts/api-types.js";
import {
  errorResponseSchema,
  experimentListSchema,
  experimentResponseSchema,
  experimentSummarySchema,
  flagListSchema,
  flagResponseSchema,
  segmentResultsSchema,
} from "../src/http/response-schemas.js";
import { registeredRoutes } from "../src/http/route-catalog.js";
import { createPgliteDatabase } from "../src/index.js";
import {
  createTestApp,
  experimentBody,
  generateGuardrailRegressionLake,
  type TestApp,
} from "./helpers/test-app.js";

// Issue 18 item 8: the OpenAPI document is generated from the routes' zod schemas, passes an independent
// validator, and the dashboard's types are generated from it; /metrics declares its counters as counters.
describe("OpenAPI document, generated API types and /metrics", () => {
  let t: TestApp;
  // biome-ignore lint/suspicious/noExplicitAny: the document is plain JSON.
  let doc: any;
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase(), { results: true });
    doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json();
  }, 60_000);
  afterAll(async () => t?.close());

  it("is a valid OpenAPI 3 document by @readme/openapi-parser, every $ref resolving", async () => {
    const result = await validate(structuredClone(doc));
    expect(result.valid ? [] : result.errors).toEqual([]);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const r of refs) expect(r).toMatch(/^"\$ref":"#\/components\/schemas\/[A-Za-z]+"$/);
    expect(JSON.stringify(doc)).not.toContain("__schema");
    expect(JSON.stringify(doc)).not.toContain("#/definitions");
  });

  it("describes what an event batch holds and what the flag and experiment routes answer", () => {
    const items = doc.components.schemas.EventBatch.properties.events.items;
    expect(items.anyOf).toEqual([
      { $ref: "#/components/schemas/ProductEvent" },
      { $ref: "#/components/schemas/ExposureEvent" },
    ]);
    expect(doc.paths["/api/flags/{key}"].get.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/StoredFlag",
    });
    expect(doc.components.schemas.Flag.properties.default_value).toEqual({
      $ref: "#/components/schemas/JsonValue",
    });
  });

  it("has a path for every registered route", () => {
    const paths = new Set(Object.keys(doc.paths));
    const missing = registeredRoutes(t.app)
      .filter((r) => r.method !== "HEAD" && r.url.startsWith("/api/"))
      .map((r) => r.url.replaceAll(/:([a-z_]+)/g, "{$1}"))
      .filter((url) => !paths.has(url));
    expect(missing).toEqual([]);
  });

  it("generates the dashboard's API types (packages/web/src/api/openapi-types.ts), checked in and fresh", async () => {
    expect(await apiTypesAreFresh(), `${apiTypesPath} is stale: run npm run api-types`).toBe(true);
  });

  it("answers with the documented response shapes (real responses parsed with the response schemas)", async () => {
    const key = "exp_guard";
    await t.request("ana", "POST", "/api/experiments", experimentBody(key));
    await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "submitted" });
    await t.request("rui", "POST", `/api/experiments/${key}/status`, { status: "approved" });
    await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "running" });
    const lake = join(t.dir, "lake");
    await generateGuardrailRegressionLake(lake);
    await runPipeline({
      source: { kind: "lake", lake, dt: "2026-02-22" },
      sink: { kind: "lake", lake, dt: "2026-02-22" },
    });
    const flag = await t.request("ana", "PUT", "/api/flags/new-checkout", {
      key: "new-checkout",
      type: "boolean",
      default_value: false,
      variation_value: true,
      enabled: true,
      rollout_percentage: 25,
    });
    expect(flag.status).toBe(200);
    flagResponseSchema.parse(flag.json);
    flagListSchema.parse((await t.request("vic", "GET", "/api/flags")).json);
    experimentResponseSchema.parse((await t.request("vic", "GET", `/api/experiments/${key}`)).json);
    const list = experimentListSchema.parse((await t.request("vic", "GET", "/api/experiments")).json);
    expect(list.experiments.find((e) => e.key === key)?.results).toBeTruthy();
    const summary = await t.request("vic", "GET", `/api/experiments/${key}/summary`);
    expect(summary.status).toBe(200);
    const parsed = experimentSummarySchema.parse(summary.json);
    expect(parsed.cumulative?.length).toBeGreaterThan(0);
    const segments = await t.request("vic", "GET", `/api/experiments/${key}/segments/platform`);
    expect(segments.status).toBe(200);
    segmentResultsSchema.parse(segments.json);
    errorResponseSchema.parse((await t.request("vic", "GET", "/api/experiments/nope")).json);
  }, 120_000);

  it("declares every *_total as a counter (Prometheus text format parsed by parse-prometheus-text-format)", async () => {
    await t.request("vic", "GET", "/api/flags");
    const text = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
    const families = parsePrometheusTextFormat(text);
    const totals = families.filter((f) => f.name.endsWith("_total"));
    expect(totals.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        "assay_http_requests_total",
        "assay_events_accepted_total",
        "assay_wal_fsyncs_total",
      ]),
    );
    for (const f of totals) expect([f.name, f.type]).toEqual([f.name, "COUNTER"]);
    expect(families.find((f) => f.name === "assay_http_request_duration_seconds")?.type).toBe("HISTOGRAM");
  });
});
