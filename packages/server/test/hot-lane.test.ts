import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { productEventLine } from "../src/collector/collector.js";
import { createPgliteDatabase } from "../src/index.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

// POST /api/assign and /api/events over a socket take the hot lane (node:http); app.inject takes Fastify.
// Both must answer the same.
describe("hot lane (PGlite)", () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase());
    await t.request("ana", "POST", "/api/experiments", experimentBody("hot_exp"));
    for (const [who, status] of [
      ["ana", "submitted"],
      ["rui", "approved"],
      ["ana", "running"],
    ] as const) {
      await t.request(who, "POST", "/api/experiments/hot_exp/status", { status });
    }
    url = await t.app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => t?.close());

  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response bodies.
  type Answer = { status: number; type: string | null | undefined; json: any };
  const post = async (path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.keys.vic}`, "content-type": "application/json", ...headers },
      body,
    });
    return { status: res.status, type: res.headers.get("content-type"), json: await res.json() };
  };
  const inject = async (
    path: string,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const res = await t.app.inject({
      method: "POST",
      url: path,
      headers: { authorization: `Bearer ${t.keys.vic}`, "content-type": "application/json", ...headers },
      payload: body,
    });
    return { status: res.statusCode, type: res.headers["content-type"], json: JSON.parse(res.body) };
  };

  it("assigns exactly once per pair over the socket, with Fastify's answer for a repeat", async () => {
    const body = JSON.stringify({ user_id: "hot-u1", experiments: ["hot_exp"] });
    const first = await post("/api/assign", body);
    expect(first.status).toBe(200);
    expect(first.type).toBe("application/json; charset=utf-8");
    expect(first.json.assignments[0]).toMatchObject({ experiment_key: "hot_exp", first_assignment: true });
    const again = await post("/api/assign", body);
    const viaFastify = await inject("/api/assign", body);
    expect(again).toEqual(viaFastify);
    expect(again.json.assignments[0].first_assignment).toBe(false);
    expect(t.context.assignments.counters.first).toBe(1);
  });

  it("answers like Fastify: bad field, bad key, malformed JSON, empty body, prototype keys, escapes", async () => {
    const cases: Array<[string, string, Record<string, string>]> = [
      ["/api/assign", JSON.stringify({ user_id: 42 }), {}],
      ["/api/assign", JSON.stringify({ user_id: "u" }), { authorization: "Bearer nope" }],
      ["/api/assign", "{not json", {}],
      ["/api/assign", "", {}],
      ["/api/assign", '{"user_id":"u","__proto__":{"x":1}}', {}],
      ["/api/events", JSON.stringify({ events: [] }), {}],
      ["/api/events", '{"events":[{"event_id":"\\u0065"}]}', {}],
    ];
    for (const [path, body, headers] of cases) {
      expect(await post(path, body, headers)).toEqual(await inject(path, body, headers));
    }
  });

  it("ingests a batch over the socket as Fastify does, and counts it in /metrics", async () => {
    const at = "2026-02-03T10:00:00.000Z";
    const batch = (prefix: string) =>
      JSON.stringify({
        events: [
          { event_id: `${prefix}1`, user_id: "u1", event_name: "purchase", value: 3, timestamp: at },
          { event_id: `${prefix}2`, user_id: "u1", event_name: "teleport", timestamp: at },
        ],
      });
    const served = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const m = /assay_http_requests_total\{route="\/api\/events",method="POST",status="200"\} (\d+)/.exec(
        text,
      );
      return Number(m?.[1] ?? 0);
    };
    const before = await served();
    const viaLane = await post("/api/events", batch("hl"));
    expect(await served()).toBe(before + 1);
    const viaFastify = await inject("/api/events", batch("hf"));
    expect(viaLane.status).toBe(200);
    expect(JSON.stringify(viaLane.json).replaceAll('"hl', '"hf')).toBe(JSON.stringify(viaFastify.json));
    expect(viaLane.json.accepted).toBe(1);
  });

  it("refuses a body over the limit with 413", async () => {
    const big = JSON.stringify({ user_id: "u", attributes: { pad: "x".repeat(17 * 1024 * 1024) } });
    const res = await post("/api/assign", big);
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("payload_too_large");
  });
});

describe("WAL lines", () => {
  it("a product event line is JSON.stringify of the line object", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.string(),
        fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
        fc.dictionary(fc.string(), fc.jsonValue()),
        (event_id, user_id, event_name, value, properties) => {
          const time = "2026-02-03T10:00:00.000Z";
          const expected = JSON.stringify({
            kind: "event",
            event_id,
            user_id,
            event_name,
            event_time_utc: time,
            value,
            properties: JSON.stringify(properties),
          });
          expect(productEventLine({ event_id, user_id, event_name, value, properties }, time)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
