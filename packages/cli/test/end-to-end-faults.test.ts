import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createEventClient } from "@assay/sdk";
import { createSeededRandom } from "@assay/stats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFaultyFetch,
  createHttpTransport,
  SimulatedNetworkError,
  toCollectorBatch,
} from "../src/simulate/index.js";

/** A collector stand-in on loopback that stores each event_id once, like the real one. */
let server: Server;
let url: string;
const received: string[] = [];
const stored = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      received.push(body);
      let accepted = 0;
      let duplicates = 0;
      for (const e of (JSON.parse(body) as { events: Array<{ event_id: string }> }).events) {
        if (stored.has(e.event_id)) duplicates++;
        else {
          stored.add(e.event_id);
          accepted++;
        }
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ accepted, duplicates, rejected: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`;
});
afterAll(() => {
  server.close();
});

const init = (events: unknown[]) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ events }),
  keepalive: true,
});

describe("createFaultyFetch", () => {
  it("drops before sending, loses the answer after the server stored the batch, and sends twice", async () => {
    const send = createHttpTransport(4);
    const before = received.length;
    const drop = createFaultyFetch({
      random: () => 0,
      rates: { dropBeforeSend: 1, lostAck: 0, duplicateSend: 0 },
      send,
    });
    await expect(drop.fetch(url, init([{ event_id: "f1" }]))).rejects.toBeInstanceOf(SimulatedNetworkError);
    expect(received.length).toBe(before);

    const lost = createFaultyFetch({
      random: () => 0,
      rates: { dropBeforeSend: 0, lostAck: 1, duplicateSend: 0 },
      send,
    });
    await expect(lost.fetch(url, init([{ event_id: "f2" }]))).rejects.toThrow(/after the server answered/);
    expect(received.length).toBe(before + 1);
    expect(stored.has("f2")).toBe(true);

    const answers: string[] = [];
    const twice = createFaultyFetch({
      random: () => 0,
      rates: { dropBeforeSend: 0, lostAck: 0, duplicateSend: 1 },
      send,
      onAnswer: (a) => answers.push(a.responseBody),
    });
    expect(await twice.fetch(url, init([{ event_id: "f3" }]))).toEqual({ ok: true, status: 200 });
    expect(received.length).toBe(before + 3);
    expect(answers).toEqual([JSON.stringify({ accepted: 0, duplicates: 1, rejected: [] })]);
    expect(twice.counters).toMatchObject({ requests: 1, duplicateSends: 1, delivered: 1 });
  });

  it("draws the same faults from the same seed", async () => {
    const decisions = (seed: number) => {
      const random = createSeededRandom(seed);
      return Array.from({ length: 30 }, () => [random() < 0.2, random() < 0.2, random() < 0.2]);
    };
    expect(decisions(5)).toEqual(decisions(5));
    expect(decisions(5)).not.toEqual(decisions(6));
  });

  it("lets the SDK event client's real retries store every event once through lost acks and duplicates", async () => {
    const faulty = createFaultyFetch({
      random: createSeededRandom(42),
      rates: { dropBeforeSend: 0.2, lostAck: 0.2, duplicateSend: 0.2 },
      send: createHttpTransport(4),
      transformBody: toCollectorBatch,
    });
    let n = 0;
    const events = createEventClient({
      endpoint: url,
      fetch: faulty.fetch,
      batchSize: 5,
      flushIntervalMs: 0,
      maxRetries: 20,
      baseBackoffMs: 1,
      maxBackoffMs: 5,
      random: createSeededRandom(1),
      createEventId: () => `retry-${n++}`,
      flushOnExit: false,
    });
    for (let i = 0; i < 200; i++) events.track("purchase", `u${i}`, { value: i });
    await events.close();
    expect(events.dropped).toBe(0);
    expect(faulty.counters.droppedBeforeSend + faulty.counters.lostAcks).toBeGreaterThan(0);
    expect(faulty.counters.duplicateSends).toBeGreaterThan(0);
    const ids = [...stored].filter((id) => id.startsWith("retry-"));
    expect(ids.length).toBe(200);
  });
});

describe("toCollectorBatch", () => {
  it("turns what the SDK event client posts into the collector's exposure and product events", async () => {
    const bodies: string[] = [];
    let n = 0;
    const events = createEventClient({
      endpoint: url,
      fetch: async (_url, init) => {
        bodies.push(init.body);
        return { ok: true, status: 200 };
      },
      flushIntervalMs: 0,
      flushOnExit: false,
      createEventId: () => `id-${n++}`,
      now: () => new Date("2026-02-01T10:00:00Z"),
    });
    const variant = { key: "treatment", weight: 50, isControl: false };
    events.trackExposure({
      experimentKey: "exp",
      experiment: {} as Parameters<typeof events.trackExposure>[0]["experiment"],
      variant,
      identityId: "u1",
      reason: "ASSIGNED",
      iteration: 1,
    });
    events.track("purchase", "u1", { value: 12.5, currency: "EUR" });
    await events.close();
    expect(bodies).toHaveLength(1);
    expect(JSON.parse(toCollectorBatch(bodies[0]!)).events).toEqual([
      {
        type: "exposure",
        event_id: "id-0",
        user_id: "u1",
        experiment_id: "exp",
        variant_id: "treatment",
        timestamp: "2026-02-01T10:00:00.000Z",
        analytics_consent: true,
      },
      {
        type: "event",
        event_id: "id-1",
        user_id: "u1",
        event_name: "purchase",
        timestamp: "2026-02-01T10:00:00.000Z",
        value: 12.5,
        properties: { currency: "EUR" },
        analytics_consent: true,
      },
    ]);
  });
});
