import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admitJson, calendarProblem, isAdmissionError } from "../src/http/admission.js";
import { createPgliteDatabase } from "../src/index.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

const now = () => new Date().toISOString();
const deep = (depth: number, leaf: unknown = 1): unknown => {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

describe("admission rules (unit)", () => {
  it("rejects lone surrogates, NUL and control characters, naming the field", () => {
    for (const [body, field] of [
      [{ user_id: "\udc00" }, "user_id"],
      [{ a: [{ b: "x\ud800y" }] }, "a[0].b"],
      [{ name: "a\u0000b" }, "name"],
      [{ name: "a\u0007b" }, "name"],
      [{ "k\u0000": 1 }, "k\u0000"],
    ] as const) {
      let caught: unknown;
      try {
        admitJson(body);
      } catch (error) {
        caught = error;
      }
      expect(isAdmissionError(caught), JSON.stringify(body)).toBe(true);
      expect((caught as { field: string; status: number }).field).toBe(field);
      expect((caught as { status: number }).status).toBe(400);
    }
    expect(() => admitJson({ text: "line\nnext\ttab\r\n", emoji: "😀" })).not.toThrow();
  });

  it("rejects nesting past the limit without recursion (100,000 deep)", () => {
    expect(() => admitJson(deep(100_000))).toThrow(/nested deeper/);
    expect(() => admitJson(deep(50))).not.toThrow();
  });

  it("knows the calendar", () => {
    expect(calendarProblem("2026-02-30T10:00:00Z")).toMatch(/no day 30/);
    expect(calendarProblem("2026-02-01T24:00:00Z")).toMatch(/time of day/);
    expect(calendarProblem("2024-02-29T23:59:59.999+02:00")).toBeUndefined();
    expect(calendarProblem("2023-02-29")).toMatch(/no day 29/);
    expect(calendarProblem("not a date")).toBeUndefined();
  });

  it("accepts only http(s) in *url fields", () => {
    expect(() => admitJson({ prereg_url: "javascript:alert(1)" })).toThrow(/http\(s\)/);
    expect(() => admitJson({ prereg_url: "https://example.com/x" })).not.toThrow();
  });
});

describe("admission at the edge: the issue's low findings answer 400, never 500 (issue 16, finding 7)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase());
  });
  afterAll(async () => {
    await t?.close();
  });

  const rawPost = (url: string, text: string, method: "POST" | "PUT" = "POST") =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${t.keys.ada}`, "content-type": "application/json" },
      payload: text,
    });

  it("a lone surrogate in an event or an assignment is refused at the door (finding 1)", async () => {
    const event = await rawPost(
      "/api/events",
      `{"events":[{"event_id":"p1","user_id":"\\udc00","event_name":"page_view","timestamp":"${now()}"}]}`,
    );
    expect(event.statusCode).toBe(400);
    expect(event.json().error.field).toBe("events[0].user_id");
    const assign = await rawPost("/api/assign", `{"user_id":"\\ud800x"}`);
    expect(assign.statusCode).toBe(400);
    expect(assign.json().error.field).toBe("user_id");
  });

  it("a NUL in an allowlisted attribute is a 400 before it can reach the lake or SQL (finding 5)", async () => {
    const res = await rawPost("/api/assign", `{"user_id":"u-nul","attributes":{"platform":"a\\u0000b"}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("attributes.platform");
  });

  it("NUL in names, descriptions and salts is a 400", async () => {
    for (const overrides of [
      { name: "a\u0000b" },
      { description: "a\u0000b" },
      { assignment_salt: "s\u0000" },
    ]) {
      const res = await t.request("ana", "POST", "/api/experiments", experimentBody("exp_nul", overrides));
      expect(res.status, JSON.stringify(overrides)).toBe(400);
      expect(res.json.error.field).toBe(Object.keys(overrides)[0]);
    }
  });

  it("%00 in a query or a path is a 400", async () => {
    const audit = await t.request("ada", "GET", "/api/audit?entity_key=%00");
    expect(audit.status).toBe(400);
    expect(audit.json.error.field).toBe("query.entity_key");
    const erase = await t.request("ada", "DELETE", "/api/users/a%00b");
    expect(erase.status).toBe(400);
    expect(erase.json.error.field).toBe("id");
  });

  it("alpha 1e-300 is a 400 naming power_analysis.alpha", async () => {
    const res = await t.request(
      "ana",
      "POST",
      "/api/experiments",
      experimentBody("exp_alpha", {
        power_analysis: { baseline_rate: 0.1, mde_abs: 0.01, alpha: 1e-300, power: 0.8 },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.json.error.field).toBe("power_analysis.alpha");
  });

  it("JSON nested thousands deep is a 400, on the hot lane and through Fastify", async () => {
    const text = `{"events":[${"[".repeat(5000)}${"]".repeat(5000)}]}`;
    const res = await rawPost("/api/events", text);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/nested deeper/);
    const flag = await rawPost(
      "/api/flags/deep",
      `{"name":"d","type":"json","default_value":${"[".repeat(3000)}${"]".repeat(3000)}}`,
      "PUT",
    );
    expect(flag.statusCode).toBe(400);
  });

  it("impossible dates are refused, not shifted", async () => {
    for (const timestamp of ["2026-02-30T10:00:00Z", "2026-02-01T24:00:00Z"]) {
      const res = await t.request("ana", "POST", "/api/events", {
        events: [{ event_id: `d-${timestamp}`, user_id: "u1", event_name: "page_view", timestamp }],
      });
      expect(res.status, timestamp).toBe(400);
      expect(res.json.error.field).toBe("events[0].timestamp");
    }
    const exp = await t.request(
      "ana",
      "POST",
      "/api/experiments",
      experimentBody("exp_feb30", { start_at: "2026-02-30T10:00:00Z" }),
    );
    expect(exp.status).toBe(400);
    expect(exp.json.error.field).toBe("start_at");
  });

  it("a minimum_sample_size past the registry's integer column is a 400 (found by a probe of the fuzz's bodies)", async () => {
    const res = await t.request(
      "ana",
      "POST",
      "/api/experiments",
      experimentBody("exp_big", { minimum_sample_size: 2 ** 40 }),
    );
    expect(res.status).toBe(400);
    expect(res.json.error.field).toBe("minimum_sample_size");
  });

  it("prereg_url javascript: is refused", async () => {
    const res = await t.request(
      "ana",
      "POST",
      "/api/experiments",
      experimentBody("exp_js", { prereg_url: "javascript:alert(1)" }),
    );
    expect(res.status).toBe(400);
    expect(res.json.error.field).toBe("prereg_url");
  });

  it("a __proto__ key is a 400 naming it, not 'Body is not valid JSON'", async () => {
    const res = await rawPost("/api/assign", `{"user_id":"u1","attributes":{"__proto__":{"admin":true}}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("attributes.__proto__");
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("plain valid requests still pass", async () => {
    const res = await t.request("ana", "POST", "/api/events", {
      events: [
        {
          event_id: "ok-1",
          user_id: "u1",
          event_name: "page_view",
          timestamp: now(),
          properties: { path: "/\u00e9😀" },
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.accepted).toBe(1);
    expect((await t.request("vic", "GET", "/health")).status).toBe(200);
  });
});
