import type { Exposure } from "./assay-client.js";
import type { JsonValue } from "./payload-types.js";

/** One queued event, in the collector's shape (spec/pipeline-contract.md: events and exposures). */
export interface AssayEvent {
  /** Unique per event, so the collector can drop duplicates of a retried batch. */
  readonly event_id: string;
  readonly event_name: string;
  readonly user_id: string | null;
  readonly event_time_utc: string;
  readonly [property: string]: JsonValue;
}

export interface EventClientError {
  readonly code: "DELIVERY_FAILED" | "QUEUE_FULL" | "REJECTED";
  readonly message: string;
  readonly status?: number;
  readonly cause?: unknown;
  /** Events lost with this error. */
  readonly dropped: number;
}

type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; keepalive: boolean },
) => Promise<{ ok: boolean; status: number }>;

export interface EventClientOptions {
  /** The collector URL; batches are POSTed as `{"events": [...]}`. */
  endpoint: string;
  /** Defaults to `globalThis.fetch`. */
  fetch?: Fetch;
  /** An Assay API key: sent as `authorization: Bearer <apiKey>` (the collector answers 401 without one). */
  apiKey?: string;
  headers?: Record<string, string>;
  /** Events per request (default 50). */
  batchSize?: number;
  /** Flush every this many ms (default 5000; 0 disables the timer). */
  flushIntervalMs?: number;
  /** Oldest events are dropped beyond this many (default 1000). */
  maxQueueSize?: number;
  /** Retries of a failed batch before it is dropped (default 5). */
  maxRetries?: number;
  /** Backoff before retry n is uniform in [0, min(maxBackoffMs, baseBackoffMs * 2^n)) (defaults 500, 30000). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Jitter source in [0, 1); defaults to `crypto.getRandomValues`. */
  random?: () => number;
  /** Defaults to `crypto.randomUUID()`. */
  createEventId?: () => string;
  now?: () => Date;
  /** `navigator.sendBeacon` by default; used on page hide. */
  beacon?: (url: string, body: string) => boolean;
  /** Where `pagehide`/`visibilitychange` are listened for; `window` by default, when there is one. */
  pageLifecycle?: EventTarget & { visibilityState?: string };
  /** Flush on Node's `beforeExit` when `process` exists (default true). */
  flushOnExit?: boolean;
  /**
   * Called for every batch or event lost (rejected, undeliverable, queue overflow). Without it each error is
   * written to `console.warn`, so a wrong key or endpoint is never silent.
   */
  onError?: (error: EventClientError) => void;
  /**
   * Whether this user allows analytics (default true). When false nothing is queued or sent: `track`,
   * `trackExposure` and `identify` return null, and withdrawing consent discards the queue. Assignment in
   * `createAssayClient` is unaffected, so the product still renders.
   */
  analyticsConsent?: boolean;
}

export interface EventClient {
  /** Queues a product event; returns its `event_id`, or null without analytics consent. */
  track(eventName: string, userId: string | null, properties?: { [key: string]: JsonValue }): string | null;
  /** Queues an `exp.exposed` event for an exposure; returns its `event_id`, or null without consent. */
  trackExposure(exposure: Exposure): string | null;
  /**
   * Queues an `identify` event linking the anonymous id a visitor had before logging in to the identity
   * they logged in as (the pipeline stitches the two into one unit). Returns its `event_id`, or null
   * without consent.
   */
  identify(anonId: string, identityId: string): string | null;
  /** Grants (true) or withdraws (false) analytics consent; withdrawing discards everything queued. */
  setConsent(analyticsAllowed: boolean): void;
  /** The current analytics consent. */
  readonly consent: boolean;
  /** `onExposure` for `createAssayClient`, bound to this event client. */
  readonly exposureHandler: (exposure: Exposure) => void;
  /** Sends everything queued (batch by batch, with retries); resolves when done. */
  flush(): Promise<void>;
  /** Flushes, then stops the timer and removes the page and process hooks. */
  close(): Promise<void>;
  /** Events waiting to be sent. */
  readonly queued: number;
  /** Events dropped so far (queue overflow, rejected or undeliverable batches). */
  readonly dropped: number;
}

const BEACON_LIMIT_BYTES = 60_000;

interface Globals {
  fetch?: Fetch;
  crypto?: { randomUUID?: () => string; getRandomValues?: (a: Uint32Array) => Uint32Array };
  navigator?: { sendBeacon?: (url: string, data: string) => boolean };
  window?: EventTarget;
  document?: { visibilityState?: string };
  process?: { once?: (event: string, fn: () => void) => void; off?: (event: string, fn: () => void) => void };
}

function cryptoRandom(): number {
  const c = (globalThis as Globals).crypto;
  if (!c?.getRandomValues)
    throw new Error("createEventClient: pass `random` (no crypto.getRandomValues here)");
  return c.getRandomValues(new Uint32Array(1))[0]! / 4294967296;
}

function cryptoId(): string {
  const c = (globalThis as Globals).crypto;
  if (!c?.randomUUID) throw new Error("createEventClient: pass `createEventId` (no crypto.randomUUID here)");
  return c.randomUUID();
}

/** The default `onError`: one line on the console per lost batch. */
function warnOnConsole(error: EventClientError): void {
  (globalThis as { console?: { warn?: (...args: unknown[]) => void } }).console?.warn?.(
    `[assay] events dropped (${error.dropped}): ${error.message}`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A small event client: queues, batches, retries with exponential backoff and full jitter, flushes on page
 * hide (sendBeacon) and on Node's `beforeExit`, caps its queue, and tags each event with a unique `event_id`.
 * @example
 * const events = createEventClient({ endpoint: "https://assay.example.com/api/events", apiKey: process.env.ASSAY_KEY });
 * const assay = createAssayClient({ payload, attributes, onExposure: events.exposureHandler });
 * events.track("checkout_completed", "u-42", { value: 31.5 });
 */
export function createEventClient(options: EventClientOptions): EventClient {
  const g = globalThis as Globals;
  const doFetch = options.fetch ?? g.fetch?.bind(globalThis);
  const batchSize = options.batchSize ?? 50;
  const maxQueueSize = options.maxQueueSize ?? 1000;
  const maxRetries = options.maxRetries ?? 5;
  const baseBackoffMs = options.baseBackoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const random = options.random ?? cryptoRandom;
  const createEventId = options.createEventId ?? cryptoId;
  const now = options.now ?? (() => new Date());
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
    ...options.headers,
  };
  const onError = options.onError ?? warnOnConsole;
  const sendBeacon =
    options.beacon ??
    (g.navigator?.sendBeacon
      ? (url: string, body: string) => g.navigator!.sendBeacon!(url, body)
      : undefined);

  const queue: AssayEvent[] = [];
  let dropped = 0;
  let inFlight: Promise<void> | null = null;
  let closed = false;
  let consent = options.analyticsConsent ?? true;

  const report = (error: EventClientError) => {
    dropped += error.dropped;
    try {
      onError(error);
    } catch {
      // The host's error handler must not break delivery.
    }
  };

  const enqueue = (event: AssayEvent): string | null => {
    if (!consent) return null;
    queue.push(event);
    if (queue.length > maxQueueSize) {
      const over = queue.length - maxQueueSize;
      queue.splice(0, over);
      report({
        code: "QUEUE_FULL",
        message: `event queue full (${maxQueueSize}): dropped the oldest`,
        dropped: over,
      });
    }
    if (queue.length >= batchSize && inFlight === null) void flush();
    return event.event_id;
  };

  const send = async (batch: AssayEvent[]): Promise<void> => {
    if (!doFetch) {
      report({ code: "DELIVERY_FAILED", message: "no fetch in this environment", dropped: batch.length });
      return;
    }
    if (!consent) return;
    const body = JSON.stringify({ events: batch });
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let cause: unknown;
      try {
        const response = await doFetch(options.endpoint, { method: "POST", headers, body, keepalive: true });
        if (response.ok) return;
        status = response.status;
      } catch (error) {
        cause = error;
      }
      const retryable = status === 0 || status === 429 || status >= 500;
      if (!retryable) {
        const hint =
          status === 401 || status === 403
            ? `: check the API key (createEventClient({ apiKey }) sends "authorization: Bearer <key>")`
            : "";
        report({
          code: "REJECTED",
          message: `collector ${options.endpoint} rejected a batch of ${batch.length} event(s) (HTTP ${status})${hint}`,
          status,
          dropped: batch.length,
        });
        return;
      }
      if (attempt >= maxRetries) {
        report({
          code: "DELIVERY_FAILED",
          message: `batch undeliverable after ${maxRetries + 1} attempts (${status ? `HTTP ${status}` : String(cause)})`,
          ...(status ? { status } : {}),
          cause,
          dropped: batch.length,
        });
        return;
      }
      await sleep(random() * Math.min(maxBackoffMs, baseBackoffMs * 2 ** attempt));
    }
  };

  const drain = async (): Promise<void> => {
    while (queue.length > 0) await send(queue.splice(0, batchSize));
  };

  const flush = (): Promise<void> => {
    if (inFlight === null) {
      inFlight = drain().finally(() => {
        inFlight = null;
      });
    }
    return inFlight;
  };

  // On page hide there is no time for fetch retries: hand the queue to sendBeacon, in chunks it accepts.
  const beaconAll = () => {
    if (!consent) return;
    if (!sendBeacon) {
      void flush();
      return;
    }
    while (queue.length > 0) {
      let n = Math.min(queue.length, batchSize);
      let body = JSON.stringify({ events: queue.slice(0, n) });
      while (body.length > BEACON_LIMIT_BYTES && n > 1) {
        n = Math.ceil(n / 2);
        body = JSON.stringify({ events: queue.slice(0, n) });
      }
      if (!sendBeacon(options.endpoint, body)) break;
      queue.splice(0, n);
    }
    if (queue.length > 0) void flush();
  };
  const hideTarget = options.pageLifecycle ?? g.window;
  const visibilityTarget =
    options.pageLifecycle ?? (g.document as (EventTarget & { visibilityState?: string }) | undefined);
  const onVisibility = () => {
    if (visibilityTarget?.visibilityState === "hidden") beaconAll();
  };
  hideTarget?.addEventListener?.("pagehide", beaconAll);
  visibilityTarget?.addEventListener?.("visibilitychange", onVisibility);

  const onExit = () => void flush();
  const proc = options.flushOnExit === false ? undefined : g.process;
  proc?.once?.("beforeExit", onExit);

  const interval = options.flushIntervalMs ?? 5000;
  const timer =
    interval > 0
      ? (setInterval(() => {
          if (queue.length > 0) void flush();
        }, interval) as unknown as { unref?: () => void })
      : undefined;
  timer?.unref?.();

  const track = (eventName: string, userId: string | null, properties: { [key: string]: JsonValue } = {}) =>
    enqueue({
      ...properties,
      event_id: createEventId(),
      event_name: eventName,
      user_id: userId,
      event_time_utc: now().toISOString(),
      analytics_consent: true,
    });

  const trackExposure = (exposure: Exposure) =>
    enqueue({
      event_id: createEventId(),
      event_name: "exp.exposed",
      user_id: exposure.identityId,
      event_time_utc: now().toISOString(),
      experiment_id: exposure.experimentKey,
      variant_id: exposure.variant.key,
      is_control: exposure.variant.isControl,
      iteration: exposure.iteration,
      reason: exposure.reason,
      analytics_consent: true,
    });

  const identify = (anonId: string, identityId: string) =>
    enqueue({
      event_id: createEventId(),
      event_name: "identify",
      type: "identify",
      user_id: identityId,
      anon_id: anonId,
      event_time_utc: now().toISOString(),
      analytics_consent: true,
    });

  return {
    track(eventName, userId, properties) {
      const id = track(eventName, userId, properties);
      if (closed) void flush();
      return id;
    },
    trackExposure,
    exposureHandler: (exposure) => {
      trackExposure(exposure);
    },
    identify(anonId, identityId) {
      const id = identify(anonId, identityId);
      if (closed) void flush();
      return id;
    },
    setConsent(analyticsAllowed) {
      consent = analyticsAllowed;
      if (!consent) queue.splice(0, queue.length);
    },
    get consent() {
      return consent;
    },
    flush,
    async close() {
      closed = true;
      if (timer) clearInterval(timer as unknown as Parameters<typeof clearInterval>[0]);
      hideTarget?.removeEventListener?.("pagehide", beaconAll);
      visibilityTarget?.removeEventListener?.("visibilitychange", onVisibility);
      proc?.off?.("beforeExit", onExit);
      await flush();
    },
    get queued() {
      return queue.length;
    },
    get dropped() {
      return dropped;
    },
  };
}
