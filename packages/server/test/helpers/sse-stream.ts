import { createSseParser } from "@assay/sdk";

export interface SseEventRecord {
  readonly event: string;
  readonly id: string | null;
  readonly data: string;
}

/** A `GET /api/sdk/stream` held open over a real socket, with the events received so far. */
export interface OpenStream {
  readonly status: number;
  readonly events: SseEventRecord[];
  /** Every chunk as received (comments included). */
  readonly raw: string[];
  /** Resolves with the first event (from index `from`) that `match` accepts; rejects after `timeoutMs`. */
  next(match: (e: SseEventRecord) => boolean, from?: number, timeoutMs?: number): Promise<SseEventRecord>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens an SSE stream with `fetch` (as the SDK does) and records what arrives. */
export async function openStream(url: string, key: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${key}`, accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const events: SseEventRecord[] = [];
  const raw: string[] = [];
  const waiters = new Set<() => void>();
  const feed = createSseParser((e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  });
  let ended: Promise<void> = Promise.resolve();
  if (res.ok && res.body !== null) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    ended = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          const text = decoder.decode(value, { stream: true });
          raw.push(text);
          feed(text);
        }
      } catch {
        // Aborted by close().
      }
    })();
  }
  const stream: OpenStream & { json?: unknown } = {
    status: res.status,
    events,
    raw,
    ended,
    next(match, from = 0, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find(match);
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms (have ${events.length})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
  if (!res.ok) stream.json = await res.json();
  return stream;
}
