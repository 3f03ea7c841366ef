import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRandom } from "../bench/bench-payload.js";
import { type AssayEvent, createAssayClient, createEventClient } from "../src/index.js";
import { experiment, payload } from "./fixtures.js";

let server: Server;
let url: string;
let requests: AssayEvent[][];

beforeEach(async () => {
  requests = [];
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => {
      body += d;
    });
    req.on("end", () => {
      requests.push((JSON.parse(body) as { events: AssayEvent[] }).events);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const quick = { flushIntervalMs: 0, random: createRandom(3), flushOnExit: false };

describe("analytics consent", () => {
  it("without consent, assignment still works but nothing leaves the device", async () => {
    const page = new EventTarget() as EventTarget & { visibilityState?: string };
    const beaconed: string[] = [];
    let fetchCalls = 0;
    const events = createEventClient({
      endpoint: url,
      ...quick,
      batchSize: 1,
      analyticsConsent: false,
      pageLifecycle: page,
      beacon: (_u, body) => {
        beaconed.push(body);
        return true;
      },
      fetch: async (u, init) => {
        fetchCalls++;
        const r = await fetch(u, init);
        return { ok: r.ok, status: r.status };
      },
    });
    const client = createAssayClient({
      payload: payload({ experiments: [experiment("pricing")] }),
      onExposure: events.exposureHandler,
    });
    const variant = client.getVariant("pricing", { identity_id: "u-1" });
    expect(variant).not.toBeNull();
    expect(client.getVariant("pricing", { identity_id: "u-1" })).toBe(variant);
    expect(events.track("purchase", "u-1", { value: 3 })).toBeNull();
    expect(events.identify("anon-1", "u-1")).toBeNull();
    page.dispatchEvent(new Event("pagehide"));
    await events.flush();
    await events.close();
    expect(events.queued).toBe(0);
    expect(fetchCalls).toBe(0);
    expect(beaconed).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("withdrawing consent discards the queue; granting it again sends only later events", async () => {
    const events = createEventClient({ endpoint: url, ...quick, batchSize: 100 });
    events.track("a", "u-1");
    events.track("b", "u-1");
    events.setConsent(false);
    expect(events.consent).toBe(false);
    expect(events.queued).toBe(0);
    events.track("c", "u-1");
    events.setConsent(true);
    events.track("d", "u-1");
    await events.close();
    expect(requests.flat().map((e) => e.event_name)).toEqual(["d"]);
    expect(requests.flat()[0]!.analytics_consent).toBe(true);
  });
});

describe("identify", () => {
  it("sends one identify event linking the anonymous id to the identity", async () => {
    const events = createEventClient({ endpoint: url, ...quick, createEventId: () => "e-1" });
    expect(events.identify("anon-7", "user-7")).toBe("e-1");
    await events.close();
    expect(requests.flat()).toEqual([
      expect.objectContaining({
        event_id: "e-1",
        type: "identify",
        event_name: "identify",
        user_id: "user-7",
        anon_id: "anon-7",
        analytics_consent: true,
      }),
    ]);
  });
});
