import {
  type AssayClient,
  type AssayPayload,
  createAssayClient,
  createEventClient,
  type EventClient,
  type EventClientError,
  type Exposure,
} from "@assay/sdk";
import { createNormalSampler, createSeededRandom, type RandomSource } from "@assay/stats";
import type { ApiResponse, AssayApi } from "./assay-api.js";
import { toCollectorBatch } from "./collector-event-shape.js";
import { createFaultyFetch, type FaultCounters } from "./faulty-fetch.js";
import type { SimulationOptions } from "./simulation-options.js";

/** What one simulated user did, as the simulation knows it (the ground truth the lake is checked against). */
export interface SimulatedUser {
  readonly userId: string;
  /** The variant the SDK decided locally (null: not in the experiment). */
  readonly sdkVariant: string | null;
  /** The variant `POST /api/assign` answered. */
  readonly serverVariant: string | null;
  readonly purchases: number;
  readonly revenue: number;
}

export type SentEventKind = "exposure" | "session_start" | "purchase";

export interface SentEvent {
  readonly user: number;
  readonly kind: SentEventKind;
}

export interface RejectedBatchEvent {
  readonly event_id: string | null;
  readonly field: string;
  readonly reason: string;
}

export interface UsersOutcome {
  readonly users: SimulatedUser[];
  /** Every event the SDK queued, by event_id. */
  readonly sent: Map<string, SentEvent>;
  /** Events the collector acknowledged as stored (accepted or a duplicate of a stored one), seen by the client. */
  readonly acknowledged: Set<string>;
  readonly rejected: RejectedBatchEvent[];
  /** Events the SDK gave up on (retries exhausted, rejected batches, queue overflow). */
  readonly undelivered: number;
  readonly clientErrors: EventClientError[];
  /** Problems the SDK reported through `onError` (a rejected payload, an unknown experiment). */
  readonly sdkErrors: string[];
  readonly faults: FaultCounters;
  readonly payloadFetches: { readonly full: number; readonly notModified: number };
  readonly startedAt: number;
  readonly finishedAt: number;
  /** When the last acknowledgement reached a client. */
  readonly lastAckAt: number;
}

const COUNTRIES = ["DE", "FR", "US", "GB", "ES", "IT", "NL", "SE"] as const;
const PLATFORMS = ["web", "ios", "android"] as const;

/** A per-user generator independent of scheduling: user i draws the same numbers on every run. */
function userRandom(seed: number, index: number): RandomSource {
  return createSeededRandom((Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(index, 0x85ebca6b)) >>> 0);
}

const pick = <T>(random: RandomSource, values: readonly T[]): T =>
  values[Math.floor(random() * values.length)]!;

/**
 * Simulates `options.users` browser sessions against a running server through its public API: each
 * user fetches the SDK payload (revalidating with its ETag), is registered by `POST /api/assign`, is
 * assigned locally by `createAssayClient`, and sends its exposure and product events (session start,
 * purchases drawn with the variant's true conversion) through `createEventClient`, whose fetch drops
 * connections, loses acknowledgements and duplicates sends from a seeded generator.
 * @example const outcome = await simulateUsers(api, options, "sim_checkout");
 */
export async function simulateUsers(
  api: AssayApi,
  options: SimulationOptions,
  experimentKey: string,
  controlKey: string,
): Promise<UsersOutcome> {
  const users: SimulatedUser[] = new Array(options.users);
  const sent = new Map<string, SentEvent>();
  const acknowledged = new Set<string>();
  const rejected: RejectedBatchEvent[] = [];
  const clientErrors: EventClientError[] = [];
  const sdkErrors: string[] = [];
  const faults: FaultCounters = {
    requests: 0,
    droppedBeforeSend: 0,
    lostAcks: 0,
    duplicateSends: 0,
    delivered: 0,
  };
  const payloadFetches = { full: 0, notModified: 0 };
  let undelivered = 0;
  let lastAckAt = 0;
  let next = 0;
  const startedAt = Date.now();

  const onAnswer = (requestBody: string, status: number, responseBody: string) => {
    if (status < 200 || status >= 300) return;
    const answer = JSON.parse(responseBody) as { rejected?: RejectedBatchEvent[] & { index?: number }[] };
    const refused = new Set<number>();
    for (const r of (answer.rejected ?? []) as Array<RejectedBatchEvent & { index: number }>) {
      refused.add(r.index);
      rejected.push({ event_id: r.event_id, field: r.field, reason: r.reason });
    }
    const events = (JSON.parse(requestBody) as { events: Array<{ event_id: string }> }).events;
    events.forEach((e, i) => {
      if (!refused.has(i)) acknowledged.add(e.event_id);
    });
    lastAckAt = Date.now();
  };

  const lane = async (laneIndex: number) => {
    const laneRandom = createSeededRandom((options.seed * 7919 + laneIndex * 104_729 + 1) >>> 0);
    const faulty = createFaultyFetch({
      random: laneRandom,
      rates: options.faults,
      send: api.send,
      transformBody: toCollectorBatch,
      onAnswer: (a) => onAnswer(a.requestBody, a.status, a.responseBody),
    });
    let eventSerial = 0;
    let currentUser = -1;
    const events: EventClient = createEventClient({
      endpoint: `${api.baseUrl}/api/events`,
      headers: { authorization: `Bearer ${api.key}` },
      fetch: faulty.fetch,
      batchSize: options.batchSize,
      flushIntervalMs: 0,
      maxQueueSize: 1_000_000,
      maxRetries: options.maxRetries,
      baseBackoffMs: options.baseBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      random: laneRandom,
      createEventId: () => `${options.runId}.${laneIndex}.${eventSerial++}`,
      flushOnExit: false,
      onError: (error) => {
        undelivered += error.dropped;
        clientErrors.push(error);
      },
    });
    const onExposure = (exposure: Exposure) => {
      const id = events.trackExposure(exposure);
      if (id !== null) sent.set(id, { user: currentUser, kind: "exposure" });
    };
    let etag: string | null = null;
    let client: AssayClient | null = null;
    while (next < options.users) {
      const index = next++;
      currentUser = index;
      const random = userRandom(options.seed, index);
      const normal = createNormalSampler(random);
      const userId = `${options.runId}-u${index}`;
      const attributes = {
        identity_id: userId,
        country: pick(random, COUNTRIES),
        platform: pick(random, PLATFORMS),
        appVersion: `2.${Math.floor(random() * 10)}.0`,
      };
      const config: ApiResponse<AssayPayload> = await api.request<AssayPayload>(
        "GET",
        "/api/sdk/config?environment=production",
        etag === null ? {} : { headers: { "if-none-match": etag } },
      );
      if (config.status === 304 && client !== null) {
        payloadFetches.notModified++;
      } else {
        payloadFetches.full++;
        etag = typeof config.headers.etag === "string" ? config.headers.etag : null;
        client = createAssayClient({
          payload: config.json,
          onExposure,
          onError: (e) => {
            sdkErrors.push(`${e.code}: ${e.message}`);
          },
        });
      }
      const assigned = await api.request<{ assignments: Array<{ variant: string | null }> }>(
        "POST",
        "/api/assign",
        { body: { user_id: userId, attributes, experiments: [experimentKey] } },
      );
      const serverVariant = assigned.json.assignments[0]?.variant ?? null;
      const sdkVariant = client!.getVariant(experimentKey, attributes);
      let purchases = 0;
      let revenue = 0;
      const sessionId = events.track("session_start", userId, { platform: attributes.platform });
      if (sessionId !== null) sent.set(sessionId, { user: index, kind: "session_start" });
      if (sdkVariant !== null) {
        const effect = sdkVariant === controlKey ? 0 : (options.effects[sdkVariant] ?? 0);
        const valueFactor = sdkVariant === controlKey ? 1 : 1 - options.guardrailRegression;
        if (random() < options.baseline + effect) {
          const orders = random() < options.repeatPurchaseRate ? 2 : 1;
          for (let k = 0; k < orders; k++) {
            const value = Math.round(Math.exp(3.4 + 0.5 * normal()) * valueFactor * 100) / 100;
            const id = events.track("purchase", userId, { value, currency: "EUR" });
            if (id !== null) sent.set(id, { user: index, kind: "purchase" });
            purchases++;
            revenue += value;
          }
        }
      }
      users[index] = { userId, sdkVariant, serverVariant, purchases, revenue };
      if (events.queued >= 4 * options.batchSize) await events.flush();
    }
    await events.close();
    return faulty.counters;
  };

  const lanes = await Promise.all(
    Array.from({ length: Math.min(options.concurrency, options.users) }, (_, i) => lane(i)),
  );
  for (const c of lanes) {
    faults.requests += c.requests;
    faults.droppedBeforeSend += c.droppedBeforeSend;
    faults.lostAcks += c.lostAcks;
    faults.duplicateSends += c.duplicateSends;
    faults.delivered += c.delivered;
  }
  return {
    users,
    sent,
    acknowledged,
    rejected,
    undelivered,
    clientErrors,
    sdkErrors,
    faults,
    payloadFetches,
    startedAt,
    finishedAt: Date.now(),
    lastAckAt,
  };
}
