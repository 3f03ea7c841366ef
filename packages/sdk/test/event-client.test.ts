import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRandom } from "../bench/bench-payload.js";
import {
  type AssayEvent,
  createAssayClient,
  createEventClient,
  type EventClientError,
} from "../src/index.js";
import { experiment, payload } from "./fixtures.js";

interface Collector {
  url: string;
  batches: AssayEvent[][];
  /** HTTP statuses to answer, in order, before answering 200. */
  failWith: number[];
  attempts: number;
}

let server: Server;
let collector: Collector;

beforeEach(async () => {
  collector = { url: "", batches: [], failWith: [], attempts: 0 };
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => {
      body += d;
    });
    req.on("end", () => {
      collector.attempts++;
      const status = collector.failWith.shift() ?? 200;
      if (status === 200) collector.batches.push((JSON.parse(body) as { events: AssayEvent[] }).events);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  collector.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const quick = {
  flushIntervalMs: 0,
  baseBackoffMs: 5,
  maxBackoffMs: 20,
  random: createRandom(7),
  flushOnExit: false,
};

describe("event client", () => {
  it("batches, and tags every event with a unique event_id", async () => {
    const events = createEventClient({ endpoint: collector.url, batchSize: 50, ...quick });
    for (let i = 0; i < 120; i++) events.track("page_view", `u-${i % 7}`, { path: `/p/${i}`, value: i });
    await events.close();
    expect(collector.batches.map((b) => b.length)).toEqual([50, 50, 20]);
    const all = collector.batches.flat();
    expect(new Set(all.map((e) => e.event_id)).size).toBe(120);
    expect(all[3]).toMatchObject({ event_name: "page_view", user_id: "u-3", path: "/p/3", value: 3 });
    expect(Number.isNaN(Date.parse(all[0]!.event_time_utc))).toBe(false);
  });

  it("retries 5xx and 429 with backoff, then delivers once", async () => {
    collector.failWith = [503, 429, 500];
    const events = createEventClient({ endpoint: collector.url, ...quick });
    events.track("a", "u");
    events.track("b", "u");
    await events.flush();
    expect(collector.attempts).toBe(4);
    expect(collector.batches).toHaveLength(1);
    expect(collector.batches[0]!.map((e) => e.event_name)).toEqual(["a", "b"]);
    await events.close();
  });

  it("gives up after maxRetries and reports the dropped events; does not retry a 400", async () => {
    const errors: EventClientError[] = [];
    collector.failWith = [503, 503, 503, 400];
    const events = createEventClient({
      endpoint: collector.url,
      maxRetries: 2,
      onError: (e) => errors.push(e),
      ...quick,
    });
    events.track("a", "u");
    await events.flush();
    events.track("b", "u");
    await events.flush();
    expect(collector.attempts).toBe(4);
    expect(errors.map((e) => [e.code, e.status, e.dropped])).toEqual([
      ["DELIVERY_FAILED", 503, 1],
      ["REJECTED", 400, 1],
    ]);
    expect(events.dropped).toBe(2);
    await events.close();
  });

  it("never drops silently: without onError a 401 is written to console.warn with the status and the fix", async () => {
    collector.failWith = [401];
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const events = createEventClient({ endpoint: collector.url, ...quick });
      events.track("a", "u");
      await events.flush();
      expect(events.dropped).toBe(1);
      expect(warn).toHaveBeenCalledTimes(1);
      const line = String(warn.mock.calls[0]?.[0]);
      expect(line).toContain("HTTP 401");
      expect(line).toContain("API key");
      expect(line).toContain(collector.url);
      await events.close();
    } finally {
      warn.mockRestore();
    }
  });

  it("sends apiKey as the bearer authorization header the collector requires", async () => {
    const seen: Array<string | undefined> = [];
    const guarded = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      req.on("end", () => res.writeHead(req.headers.authorization === "Bearer k-1" ? 200 : 401).end());
    });
    await new Promise<void>((resolve) => guarded.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(guarded.address() as AddressInfo).port}/api/events`;
      const errors: EventClientError[] = [];
      const events = createEventClient({
        endpoint: url,
        apiKey: "k-1",
        onError: (e) => errors.push(e),
        ...quick,
      });
      events.track("a", "u");
      await events.close();
      expect(seen).toEqual(["Bearer k-1"]);
      expect(errors).toEqual([]);
    } finally {
      await new Promise((resolve) => guarded.close(resolve));
    }
  });

  it("retries network errors (nothing listening)", async () => {
    const errors: EventClientError[] = [];
    const events = createEventClient({
      endpoint: "http://127.0.0.1:9/none",
      maxRetries: 1,
      onError: (e) => errors.push(e),
      ...quick,
    });
    events.track("a", null);
    await events.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe("DELIVERY_FAILED");
  });

  it("caps its queue by dropping the oldest events", async () => {
    const errors: EventClientError[] = [];
    const events = createEventClient({
      endpoint: collector.url,
      batchSize: 100,
      maxQueueSize: 10,
      onError: (e) => errors.push(e),
      ...quick,
    });
    for (let i = 0; i < 15; i++) events.track("e", "u", { i });
    expect(events.queued).toBe(10);
    expect(events.dropped).toBe(5);
    expect(errors.every((e) => e.code === "QUEUE_FULL")).toBe(true);
    await events.close();
    expect(collector.batches.flat().map((e) => e.i)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it("hands the queue to sendBeacon when the page is hidden", async () => {
    const page = Object.assign(new EventTarget(), { visibilityState: "visible" });
    const beaconed: string[] = [];
    const events = createEventClient({
      endpoint: collector.url,
      pageLifecycle: page,
      beacon: (_url, body) => {
        beaconed.push(body);
        return true;
      },
      ...quick,
    });
    events.track("a", "u");
    events.track("b", "u");
    page.visibilityState = "hidden";
    page.dispatchEvent(new Event("visibilitychange"));
    expect(events.queued).toBe(0);
    expect((JSON.parse(beaconed[0]!) as { events: AssayEvent[] }).events.map((e) => e.event_name)).toEqual([
      "a",
      "b",
    ]);
    events.track("c", "u");
    page.dispatchEvent(new Event("pagehide"));
    expect(beaconed).toHaveLength(2);
    await events.close();
  });

  it("sends exposures from the assignment client as exp.exposed events", async () => {
    const events = createEventClient({ endpoint: collector.url, ...quick });
    const client = createAssayClient({
      payload: payload({ experiments: [experiment("pricing", { iteration: 3 })] }),
      onExposure: events.exposureHandler,
    });
    const variant = client.getVariant("pricing", { identity_id: "u-9" });
    client.getVariant("pricing", { identity_id: "u-9" });
    await events.close();
    expect(collector.batches.flat()).toEqual([
      expect.objectContaining({
        event_name: "exp.exposed",
        user_id: "u-9",
        experiment_id: "pricing",
        variant_id: variant,
        iteration: 3,
        reason: "ASSIGNED",
      }),
    ]);
  });

  it("flushes when a Node process runs out of work, without keeping it alive", async () => {
    const script = `
      import { createEventClient } from ${JSON.stringify(join(import.meta.dirname, "../src/index.ts"))};
      const events = createEventClient({ endpoint: process.env.COLLECTOR_URL, flushIntervalMs: 60000, maxRetries: 0 });
      for (let i = 0; i < 3; i++) events.track("bye", "u", { i });
    `;
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        {
          cwd: join(import.meta.dirname, "../../.."),
          timeout: 30_000,
          env: { ...process.env, COLLECTOR_URL: collector.url },
        },
        (error) => (error ? reject(error) : resolve()),
      );
    });
    expect(collector.batches.flat().map((e) => e.i)).toEqual([0, 1, 2]);
  });
});
