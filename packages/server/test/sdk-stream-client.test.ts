import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAssayClient, createPayloadSync, type PayloadSyncState } from "@assay/sdk";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createApiKey, createPgliteDatabase, createServerContext, type ServerContext } from "../src/index.js";

/**
 * A reverse proxy in front of the server, as a load balancer would be: it forwards every request, and can cut the
 * streams it carries and refuse new ones (503) while polls still pass.
 */
function createStreamCuttingProxy(target: string) {
  const streams = new Set<ServerResponse>();
  const seen = { polls: 0, streams: 0 };
  let streamsDown = false;
  const server: Server = createServer((req, res) => {
    const isStream = req.url?.startsWith("/api/sdk/stream") === true;
    if (isStream) {
      seen.streams++;
      if (streamsDown) {
        res.writeHead(503, { "content-type": "application/json" });
        res.end('{"error":{"code":"unavailable","message":"streams are down"}}');
        return;
      }
      streams.add(res);
      res.on("close", () => streams.delete(res));
    } else if (req.url?.startsWith("/api/sdk/config") === true) seen.polls++;
    const upstream = httpRequest(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  return {
    seen,
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      return `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    },
    /** Cuts every stream in flight and refuses new ones until `restore()`. */
    cut() {
      streamsDown = true;
      for (const s of streams) s.destroy();
    },
    restore() {
      streamsDown = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const until = async (check: () => boolean, timeoutMs = 5000, what = "condition") => {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
};

/** Issue 19 part 4: the SDK's streaming mode against a real server. */
describe("SDK streaming mode against a real server", () => {
  let app: FastifyInstance;
  let context: ServerContext;
  let dir: string;
  let base: string;
  let editor: string;
  let sdkKey: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${editor}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-sdk-stream-"));
    const db = await createPgliteDatabase();
    context = await createServerContext({ db, walDir: join(dir, "wal"), lakeDir: join(dir, "lake") });
    app = await createApp({ context, dashboardDir: null, pipelineConfig: false });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    editor = (await createApiKey(db, { team: "growth", role: "editor", name: "ana" })).secret;
    sdkKey = (await createApiKey(db, { team: "growth", role: "viewer", name: "web-sdk" })).secret;
    await call("PUT", "/api/flags/new_checkout", {
      type: "boolean",
      default_value: false,
      enabled: true,
      rollout_percentage: 100,
      variation_value: true,
    });
  });
  afterAll(async () => {
    await app?.close();
    await context?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("applies a kill from the stream without polling; a dropped stream falls back to polling, then the stream resumes", async () => {
    const proxy = createStreamCuttingProxy(base);
    const url = await proxy.listen();
    const client = createAssayClient({ payload: null, onError: () => undefined });
    const states: PayloadSyncState[] = [];
    const applied: Array<"stream" | "poll"> = [];
    const errors: string[] = [];
    const sync = createPayloadSync({
      client,
      url,
      sdkKey,
      pollIntervalMs: 100,
      initialRetryMs: 300,
      maxRetryMs: 600,
      onStateChange: (s) => states.push(s),
      onPayload: (_etag, via) => applied.push(via),
      onError: (e) => errors.push(e.code),
    });
    await sync.ready;
    expect(sync.state).toBe("streaming");
    const user = { identity_id: "u-1" };
    expect(client.isEnabled("new_checkout", user)).toBe(true);
    expect(applied).toEqual(["stream"]);

    // The kill reaches the client through the stream: no poll was made at all.
    await call("POST", "/api/flags/new_checkout/kill");
    const ms = await until(() => !client.isEnabled("new_checkout", user), 2000, "the kill");
    expect(ms).toBeLessThan(1000);
    expect(client.getFlagDetails("new_checkout", true, user).reason).toBe("OFF");
    expect(proxy.seen.polls).toBe(0);
    expect(applied).toEqual(["stream", "stream"]);

    // The stream drops (and cannot reconnect for now): the SDK polls, and a change still arrives.
    proxy.cut();
    await until(() => sync.state === "polling", 2000, "polling");
    expect(errors).toContain("STREAM_DROPPED");
    await call("POST", "/api/flags/new_checkout/restore");
    await until(() => client.isEnabled("new_checkout", user), 3000, "the restore by polling");
    expect(applied.at(-1)).toBe("poll");
    expect(proxy.seen.polls).toBeGreaterThan(0);
    const retriesWhileDown = proxy.seen.streams;
    await new Promise((r) => setTimeout(r, 700));
    expect(proxy.seen.streams).toBeGreaterThan(retriesWhileDown);

    // Streams are back: the SDK reconnects (with Last-Event-ID, so the unchanged payload is not sent again),
    // stops polling, and the next kill comes by the stream again.
    proxy.restore();
    await until(() => sync.state === "streaming", 3000, "the stream to resume");
    const appliedBefore = applied.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(applied.length).toBe(appliedBefore);
    const pollsAfterResume = proxy.seen.polls;
    await call("POST", "/api/flags/new_checkout/kill");
    await until(() => !client.isEnabled("new_checkout", user), 2000, "the second kill");
    expect(applied.at(-1)).toBe("stream");
    await new Promise((r) => setTimeout(r, 300));
    expect(proxy.seen.polls).toBe(pollsAfterResume);
    expect(states).toEqual(["streaming", "polling", "streaming"]);

    sync.close();
    expect(sync.state).toBe("closed");
    await proxy.close();
  });

  it("poll mode revalidates with If-None-Match and applies changes", async () => {
    const client = createAssayClient({ payload: null, onError: () => undefined });
    const applied: string[] = [];
    const sync = createPayloadSync({
      client,
      url: base,
      sdkKey,
      mode: "poll",
      pollIntervalMs: 50,
      onPayload: (etag) => applied.push(etag),
    });
    await sync.ready;
    expect(sync.state).toBe("polling");
    const first = sync.etag;
    expect(first).toMatch(/^"/);
    await new Promise((r) => setTimeout(r, 250));
    // Unchanged: 304s, nothing applied again.
    expect(applied).toEqual([first]);
    await call("POST", "/api/flags/new_checkout/restore");
    await until(() => client.isEnabled("new_checkout", { identity_id: "u-2" }), 2000, "the restore");
    expect(applied).toHaveLength(2);
    sync.close();
  });
});
