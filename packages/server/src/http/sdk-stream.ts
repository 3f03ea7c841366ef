import type { ServerResponse } from "node:http";
import { HttpError } from "./http-error.js";

/** One environment's SDK payload as delivered: the JSON text and its strong ETag. */
export interface StreamPayload {
  readonly body: string;
  readonly etag: string;
}

/** Which payload a stream carries: an environment's, as built for a kind of key (client keys get less). */
export interface PayloadView {
  readonly environment: string;
  readonly keyKind: "server" | "client";
}

export interface PayloadStreamsOptions {
  /** The current payload of a team's view (the same builder `GET /api/sdk/config` answers from). */
  readonly payloadOf: (team: string, view: PayloadView) => Promise<StreamPayload>;
  /** Open streams one API key may hold (`ASSAY_SDK_STREAM_MAX_PER_KEY`, default 10,000); more answer 429. */
  readonly maxPerKey?: number;
  /** A comment line on every stream this often, so proxies keep it open and clients see it alive. Default 15 s. */
  readonly keepAliveMs?: number;
  /**
   * Teams with open streams are re-read this often, so a change another server made to a shared registry
   * reaches this server's streams too (0: only this server's own changes). Default 0.
   */
  readonly recheckMs?: number;
  /** Bytes a slow client may leave unread before its stream is closed (it reconnects or polls). Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  readonly onError?: (error: unknown) => void;
}

interface Subscriber {
  readonly res: ServerResponse;
  readonly keyId: string;
  etag: string;
}

interface Group {
  readonly team: string;
  readonly view: PayloadView;
  readonly subscribers: Set<Subscriber>;
}

export interface PayloadStreams {
  /**
   * Checks the key's stream limit (429) and reads the payload, then takes the response over (`takeOver`) as a
   * Server-Sent Events stream of the team's environment: the current payload first unless `lastEtag`
   * (`Last-Event-ID`) is already it, then one `payload` event per change.
   */
  open(
    takeOver: () => ServerResponse,
    who: { team: string; keyId: string },
    view: PayloadView,
    lastEtag: string | undefined,
  ): Promise<void>;
  /** A team's registry changed: every stream of the team whose payload is now different gets it. */
  changed(team: string): void;
  /** Ends every stream opened with this key (the key was revoked); its clients' reconnects then get a 401. */
  closeKey(keyId: string): void;
  /** Open streams (all teams). */
  readonly size: number;
  /** Ends every stream (server shutdown); clients reconnect elsewhere or poll. */
  closeAll(): void;
}

const groupId = (team: string, view: PayloadView) => `${team}\u0000${view.environment}\u0000${view.keyKind}`;

/** The SSE frame of a payload: `id` is its ETag, so a reconnect's `Last-Event-ID` says what the client has. */
export function payloadEvent(payload: StreamPayload): string {
  return `event: payload\nid: ${payload.etag}\ndata: ${payload.body}\n\n`;
}

/**
 * The hub of `GET /api/sdk/stream`: streams grouped by (team, environment, key kind), a change rebuilt once per group and
 * written as one pre-serialised frame to each stream that does not have it yet.
 * @example
 * const streams = createPayloadStreams({ payloadOf: async (team, v) => (await snapshots.get(team)).payload(v.environment, v.keyKind) });
 * await streams.open(() => { reply.hijack(); return reply.raw; }, principal, { environment: "production", keyKind: "server" }, undefined);
 */
export function createPayloadStreams(options: PayloadStreamsOptions): PayloadStreams {
  const maxPerKey = options.maxPerKey ?? 10_000;
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const groups = new Map<string, Group>();
  const perKey = new Map<string, number>();
  const pending = new Set<string>();
  let size = 0;
  let closed = false;
  const report = options.onError ?? (() => undefined);

  const remove = (group: Group, sub: Subscriber) => {
    if (!group.subscribers.delete(sub)) return;
    size--;
    const left = (perKey.get(sub.keyId) ?? 1) - 1;
    if (left <= 0) perKey.delete(sub.keyId);
    else perKey.set(sub.keyId, left);
    if (group.subscribers.size === 0) groups.delete(groupId(group.team, group.view));
  };
  // A client that leaves more than `maxBuffered` unread is dropped rather than buffered without bound.
  const write = (group: Group, sub: Subscriber, frame: string) => {
    if (sub.res.destroyed) return remove(group, sub);
    sub.res.write(frame);
    if (sub.res.writableLength > maxBuffered) {
      sub.res.destroy();
      remove(group, sub);
    }
  };

  const push = async (team: string) => {
    for (const group of [...groups.values()]) {
      if (group.team !== team || group.subscribers.size === 0) continue;
      const payload = await options.payloadOf(team, group.view);
      let frame: string | undefined;
      for (const sub of [...group.subscribers]) {
        if (sub.etag === payload.etag) continue;
        frame ??= payloadEvent(payload);
        sub.etag = payload.etag;
        write(group, sub, frame);
      }
    }
  };
  const changed = (team: string) => {
    if (closed || pending.has(team)) return;
    pending.add(team);
    // Coalesced: the writes of one turn (a PUT and its audit, several kills) make one rebuild.
    setImmediate(() => {
      pending.delete(team);
      push(team).catch(report);
    });
  };

  const keepAlive = setInterval(() => {
    for (const group of [...groups.values()])
      for (const sub of [...group.subscribers]) write(group, sub, ": keep-alive\n\n");
  }, options.keepAliveMs ?? 15_000);
  keepAlive.unref();
  const recheckMs = options.recheckMs ?? 0;
  const recheck =
    recheckMs > 0
      ? setInterval(() => {
          for (const team of new Set([...groups.values()].map((g) => g.team))) changed(team);
        }, recheckMs)
      : undefined;
  recheck?.unref();

  return {
    get size() {
      return size;
    },
    async open(takeOver, who, view, lastEtag) {
      if (closed) throw new HttpError("unavailable", "the server is stopping");
      const held = perKey.get(who.keyId) ?? 0;
      if (held >= maxPerKey)
        throw new HttpError(
          "too_many_requests",
          `this API key already holds ${held} streams (the limit): poll GET /api/sdk/config instead`,
          { field: "authorization" },
        );
      const payload = await options.payloadOf(who.team, view);
      const res = takeOver();
      const id = groupId(who.team, view);
      let group = groups.get(id);
      if (group === undefined) {
        group = { team: who.team, view, subscribers: new Set() };
        groups.set(id, group);
      }
      const sub: Subscriber = { res, keyId: who.keyId, etag: payload.etag };
      group.subscribers.add(sub);
      perKey.set(who.keyId, held + 1);
      size++;
      const g = group;
      res.on("close", () => remove(g, sub));
      res.socket?.setNoDelay(true);
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "private, no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        etag: payload.etag,
      });
      // `retry` is the reconnection delay an EventSource uses; the payload only when the client lacks it.
      res.write(
        lastEtag === payload.etag ? "retry: 1000\n: unchanged\n\n" : `retry: 1000\n${payloadEvent(payload)}`,
      );
      // A change between the read above and the subscription is caught by one more read.
      options
        .payloadOf(who.team, view)
        .then((now) => {
          if (now.etag === sub.etag || !g.subscribers.has(sub)) return;
          sub.etag = now.etag;
          write(g, sub, payloadEvent(now));
        })
        .catch(report);
    },
    changed,
    closeKey(keyId) {
      for (const group of [...groups.values()])
        for (const sub of [...group.subscribers])
          if (sub.keyId === keyId) {
            sub.res.end();
            remove(group, sub);
          }
    },
    closeAll() {
      closed = true;
      clearInterval(keepAlive);
      if (recheck !== undefined) clearInterval(recheck);
      for (const group of [...groups.values()])
        for (const sub of [...group.subscribers]) {
          sub.res.end();
          remove(group, sub);
        }
    },
  };
}
