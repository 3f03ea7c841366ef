import type { RandomSource } from "@assay/stats";
import type { HttpSend } from "./http-transport.js";

/** The fetch signature `createEventClient` calls (a subset of the standard one). */
export type EventFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; keepalive: boolean },
) => Promise<{ ok: boolean; status: number }>;

/** Probabilities per request, each in [0, 1]. */
export interface FaultRates {
  /** The connection drops before the request reaches the server: nothing was received. */
  readonly dropBeforeSend: number;
  /** The server received and stored the batch, then the connection dropped: the ack is lost, the client retries. */
  readonly lostAck: number;
  /** The request is sent twice (a proxy or client replay); the client sees the second answer. */
  readonly duplicateSend: number;
}

/** What one delivered answer said, handed to `onAnswer` only when the client actually sees it. */
export interface DeliveredAnswer {
  readonly requestBody: string;
  readonly status: number;
  readonly responseBody: string;
}

export interface FaultCounters {
  requests: number;
  droppedBeforeSend: number;
  lostAcks: number;
  duplicateSends: number;
  delivered: number;
}

export interface FaultyFetch {
  readonly fetch: EventFetch;
  readonly counters: FaultCounters;
}

/** The error a dropped connection gives, like undici's `fetch failed`. */
export class SimulatedNetworkError extends TypeError {
  readonly stage: "before-send" | "after-answer";
  constructor(stage: "before-send" | "after-answer") {
    super(
      stage === "before-send"
        ? "fetch failed (simulated: connection dropped before the request was sent)"
        : "fetch failed (simulated: connection reset after the server answered)",
    );
    this.name = "SimulatedNetworkError";
    this.stage = stage;
  }
}

/**
 * Wraps a real fetch and injects network faults drawn from a seeded generator, so an event client's
 * real retries meet lost acknowledgements and duplicated sends deterministically. `transformBody`
 * rewrites a request body just before it goes out (see `toCollectorBatch`).
 * @example
 * const faulty = createFaultyFetch({ random: createSeededRandom(7), rates: { dropBeforeSend: 0.02, lostAck: 0.02, duplicateSend: 0.02 } });
 * createEventClient({ endpoint, fetch: faulty.fetch });
 */
export function createFaultyFetch(options: {
  readonly random: RandomSource;
  readonly rates: FaultRates;
  /** The real transport; default the global fetch. */
  readonly send?: HttpSend;
  readonly transformBody?: (body: string) => string;
  readonly onAnswer?: (answer: DeliveredAnswer) => void;
}): FaultyFetch {
  const realSend: HttpSend =
    options.send ??
    (async (method, url, headers, body) => {
      const response = await globalThis.fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      return { status: response.status, headers: {}, text: await response.text() };
    });
  const { random, rates } = options;
  const counters: FaultCounters = {
    requests: 0,
    droppedBeforeSend: 0,
    lostAcks: 0,
    duplicateSends: 0,
    delivered: 0,
  };
  const send = async (url: string, method: string, headers: Record<string, string>, body: string) => {
    const answer = await realSend(method, url, headers, body);
    return { status: answer.status, ok: answer.status >= 200 && answer.status < 300, text: answer.text };
  };
  const fetch: EventFetch = async (url, init) => {
    counters.requests++;
    // Draw every decision up front so the sequence does not depend on timing.
    const dropBefore = random() < rates.dropBeforeSend;
    const duplicate = random() < rates.duplicateSend;
    const lostAck = random() < rates.lostAck;
    if (dropBefore) {
      counters.droppedBeforeSend++;
      throw new SimulatedNetworkError("before-send");
    }
    const body = options.transformBody === undefined ? init.body : options.transformBody(init.body);
    let answer = await send(url, init.method, init.headers, body);
    if (duplicate) {
      counters.duplicateSends++;
      answer = await send(url, init.method, init.headers, body);
    }
    if (lostAck) {
      counters.lostAcks++;
      throw new SimulatedNetworkError("after-answer");
    }
    counters.delivered++;
    options.onAnswer?.({ requestBody: body, status: answer.status, responseBody: answer.text });
    return { ok: answer.ok, status: answer.status };
  };
  return { fetch, counters };
}
