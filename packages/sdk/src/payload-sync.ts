import type { AssayClient } from "./assay-client.js";

/** How the payload is kept current: a Server-Sent Events stream (polling while it is down), or polling only. */
export type PayloadSyncMode = "stream" | "poll";

/** Where the sync is: streaming, polling (by choice or while the stream is down), or closed. */
export type PayloadSyncState = "connecting" | "streaming" | "polling" | "closed";

/** What a payload sync reports instead of throwing: a failed request, a stream that dropped, a bad event. */
export interface PayloadSyncError {
  readonly code: "FETCH_FAILED" | "HTTP_ERROR" | "STREAM_DROPPED" | "BAD_EVENT";
  readonly message: string;
  /** The HTTP status, for HTTP_ERROR. */
  readonly status?: number;
  readonly cause?: unknown;
}

/** The subset of `fetch` the sync uses (Node 18+, browsers; injectable for other runtimes). */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<{
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  readonly body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } } | null;
  text(): Promise<string>;
}>;

export interface PayloadSyncOptions {
  /** The client whose payload is replaced (`setPayload`) at each change. */
  readonly client: Pick<AssayClient, "setPayload">;
  /** The server's base URL, e.g. `https://assay.example.com`. */
  readonly url: string;
  /** The SDK key (`Authorization: Bearer …`). */
  readonly sdkKey: string;
  /** `?environment=`; default the server's (production). */
  readonly environment?: string;
  /** Default `stream`. */
  readonly mode?: PayloadSyncMode;
  /** Poll interval (ms); default the server's `X-Assay-Poll-Interval`, else 30 s. */
  readonly pollIntervalMs?: number;
  /** First stream retry after a drop (ms, doubled per failed retry up to `maxRetryMs`); default 1 s. */
  readonly initialRetryMs?: number;
  /** Default 30 s. */
  readonly maxRetryMs?: number;
  /** A stream silent this long (no event, no keep-alive comment) is taken as dropped; default 45 s. */
  readonly staleStreamMs?: number;
  /** Called after each payload applied (with its ETag and where it came from). */
  readonly onPayload?: (etag: string, via: "stream" | "poll") => void;
  /** Called when the state changes. */
  readonly onStateChange?: (state: PayloadSyncState) => void;
  /** Defaults to `console.warn`. */
  readonly onError?: (error: PayloadSyncError) => void;
  /** Default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
}

export interface PayloadSync {
  /** Resolves once the first payload is applied (or the first attempt failed: the client then serves defaults). */
  readonly ready: Promise<void>;
  readonly state: PayloadSyncState;
  /** The ETag of the payload in use, or null before the first. */
  readonly etag: string | null;
  /** Stops streaming and polling. */
  close(): void;
}

/** One complete Server-Sent Event. */
interface SseEvent {
  readonly event: string;
  readonly id: string | null;
  readonly data: string;
}

/**
 * Splits a Server-Sent Events text stream into events (the WHATWG parsing rules: `field: value` lines, comment
 * lines starting with `:`, an empty line dispatches). Returns a feeder taking each decoded chunk.
 * @example const feed = createSseParser((e) => console.log(e.event, e.data)); feed("event: payload\ndata: {}\n\n");
 */
export function createSseParser(onEvent: (event: SseEvent) => void): (chunk: string) => void {
  let buffer = "";
  let event = "";
  let id: string | null = null;
  let data: string[] = [];
  return (chunk) => {
    buffer += chunk;
    let start = 0;
    for (;;) {
      const nl = buffer.indexOf("\n", start);
      if (nl < 0) break;
      let line = buffer.slice(start, nl);
      start = nl + 1;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line === "") {
        if (data.length > 0) onEvent({ event: event === "" ? "message" : event, id, data: data.join("\n") });
        event = "";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    }
    buffer = buffer.slice(start);
  };
}

function defaultOnError(error: PayloadSyncError): void {
  (globalThis as { console?: { warn(...args: unknown[]): void } }).console?.warn(
    `[assay] ${error.code}: ${error.message}`,
  );
}

/**
 * Keeps a client's payload current from an Assay server. In `stream` mode it holds `GET /api/sdk/stream` (Server-
 * Sent Events over a streaming `fetch` body, so the SDK key travels in a header) and applies each payload as it
 * arrives; when the stream drops it polls `GET /api/sdk/config` with `If-None-Match` and retries the stream with
 * exponential backoff, sending `Last-Event-ID` so an unchanged payload is not sent again. `poll` mode only polls.
 * Never throws into the host: problems go to `onError`.
 * @example
 * const assay = createAssayClient({ payload: null, onError: () => {} });
 * const sync = createPayloadSync({ client: assay, url: "https://assay.example.com", sdkKey });
 * await sync.ready; // killing a flag on the server now reaches `assay` within a second
 */
export function createPayloadSync(options: PayloadSyncOptions): PayloadSync {
  const doFetch = options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  const onError = options.onError ?? defaultOnError;
  const base = options.url.replace(/\/+$/, "");
  const query =
    options.environment === undefined ? "" : `?environment=${encodeURIComponent(options.environment)}`;
  const initialRetry = options.initialRetryMs ?? 1000;
  const maxRetry = options.maxRetryMs ?? 30_000;
  const staleAfter = options.staleStreamMs ?? 45_000;
  const auth = { authorization: `Bearer ${options.sdkKey}` };
  let state: PayloadSyncState = "connecting";
  let etag: string | null = null;
  let pollEvery = options.pollIntervalMs ?? 30_000;
  let retryDelay = initialRetry;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let streamAbort: AbortController | undefined;
  let polls: AbortController | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  // A function, not an inline comparison: TypeScript would keep `state` narrowed across the awaits.
  const closed = () => state === "closed";
  const report = (error: PayloadSyncError) => {
    try {
      onError(error);
    } catch {
      // A handler that throws must not stop the sync.
    }
  };
  const setState = (next: PayloadSyncState) => {
    if (state === next || state === "closed") return;
    state = next;
    try {
      options.onStateChange?.(next);
    } catch {
      // As above.
    }
  };
  const apply = (text: string, tag: string | null, via: "stream" | "poll") => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      report({ code: "BAD_EVENT", message: "the payload is not JSON", cause });
      return;
    }
    // A rejected payload is reported by the client itself (INVALID_PAYLOAD); its ETag is still recorded, so the
    // same bad payload is not fetched again and again.
    options.client.setPayload(parsed);
    etag = tag;
    markReady();
    try {
      if (tag !== null) options.onPayload?.(tag, via);
    } catch {
      // As above.
    }
  };

  const poll = async () => {
    if (doFetch === undefined || state === "closed") return;
    polls = new AbortController();
    try {
      const res = await doFetch(`${base}/api/sdk/config${query}`, {
        headers: { ...auth, ...(etag === null ? {} : { "if-none-match": etag }) },
        signal: polls.signal,
      });
      const advertised = Number(res.headers.get("x-assay-poll-interval"));
      if (options.pollIntervalMs === undefined && Number.isFinite(advertised) && advertised > 0)
        pollEvery = advertised * 1000;
      if (res.status === 304) markReady();
      else if (res.ok) apply(await res.text(), res.headers.get("etag"), "poll");
      else {
        report({
          code: "HTTP_ERROR",
          message: `GET /api/sdk/config answered ${res.status}`,
          status: res.status,
        });
        markReady();
      }
    } catch (cause) {
      if (closed()) return;
      report({ code: "FETCH_FAILED", message: `GET /api/sdk/config failed: ${String(cause)}`, cause });
      markReady();
    }
  };
  const schedulePoll = (delay: number) => {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(async () => {
      await poll();
      if (state === "polling") schedulePoll(pollEvery);
    }, delay);
  };

  // The stream is down: poll now and on the interval, and try the stream again after the backoff.
  const fallBack = () => {
    if (state === "closed") return;
    setState("polling");
    schedulePoll(0);
    clearTimeout(retryTimer);
    const delay = retryDelay * (0.5 + Math.random() / 2);
    retryDelay = Math.min(maxRetry, retryDelay * 2);
    retryTimer = setTimeout(() => void stream(), delay);
  };

  const stream = async () => {
    if (doFetch === undefined || state === "closed") return;
    const abort = new AbortController();
    streamAbort = abort;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(), staleAfter);
    };
    try {
      const res = await doFetch(`${base}/api/sdk/stream${query}`, {
        headers: {
          ...auth,
          accept: "text/event-stream",
          ...(etag === null ? {} : { "last-event-id": etag }),
        },
        signal: abort.signal,
      });
      if (!res.ok || res.body === null) {
        report({
          code: "HTTP_ERROR",
          message: `GET /api/sdk/stream answered ${res.status}`,
          status: res.status,
        });
        await res.text().catch(() => undefined);
        markReady();
        return fallBack();
      }
      setState("streaming");
      clearTimeout(pollTimer);
      retryDelay = initialRetry;
      // A reconnect whose `Last-Event-ID` was current gets no payload: the one in use is still right.
      if (etag !== null) markReady();
      alive();
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const feed = createSseParser((e) => {
        if (e.event === "payload") apply(e.data, e.id, "stream");
      });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        alive();
        feed(decoder.decode(value, { stream: true }));
      }
      if (!closed()) report({ code: "STREAM_DROPPED", message: "the stream ended" });
    } catch (cause) {
      if (closed()) return;
      report({ code: "STREAM_DROPPED", message: `the stream failed: ${String(cause)}`, cause });
      markReady();
    } finally {
      clearTimeout(watchdog);
    }
    fallBack();
  };

  if (doFetch === undefined) {
    report({ code: "FETCH_FAILED", message: "no fetch in this runtime: pass options.fetch" });
    markReady();
  } else if ((options.mode ?? "stream") === "stream") void stream();
  else {
    setState("polling");
    schedulePoll(0);
  }

  return {
    ready,
    get state() {
      return state;
    },
    get etag() {
      return etag;
    },
    close() {
      if (state === "closed") return;
      state = "closed";
      clearTimeout(pollTimer);
      clearTimeout(retryTimer);
      streamAbort?.abort();
      polls?.abort();
      markReady();
      try {
        options.onStateChange?.("closed");
      } catch {
        // As above.
      }
    },
  };
}
