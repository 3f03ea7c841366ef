import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createApiKey, createPgliteDatabase, createServerContext, type ServerContext } from "../src/index.js";
import { openStream } from "./helpers/sse-stream.js";

const flagOn = (key: string) => ({
  key,
  type: "boolean",
  default_value: false,
  enabled: true,
  rollout_percentage: 100,
  variation_value: true,
});

/** Issue 19 part 4: GET /api/sdk/stream over a real socket. */
describe("SDK stream: Server-Sent Events of payload changes", () => {
  let app: FastifyInstance;
  let context: ServerContext;
  let dir: string;
  let base: string;
  const keys: Record<string, string> = {};
  const call = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${keys[who]}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response bodies.
    return { status: res.status, json: (await res.json()) as any };
  };
  const stream = (who: string, headers: Record<string, string> = {}, query = "") =>
    openStream(`${base}/api/sdk/stream${query}`, keys[who]!, headers);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-stream-test-"));
    const db = await createPgliteDatabase();
    context = await createServerContext({ db, walDir: join(dir, "wal"), lakeDir: join(dir, "lake") });
    app = await createApp({ context, dashboardDir: null, pipelineConfig: false, streamMaxPerKey: 3 });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    keys.ana = (await createApiKey(db, { team: "growth", role: "editor", name: "ana" })).secret;
    keys.sdk = (await createApiKey(db, { team: "growth", role: "viewer", name: "growth-sdk" })).secret;
    keys.pat = (await createApiKey(db, { team: "payments", role: "editor", name: "pat" })).secret;
    keys.ada = (await createApiKey(db, { team: "growth", role: "admin", name: "ada" })).secret;
    expect((await call("ana", "PUT", "/api/flags/new_checkout", flagOn("new_checkout"))).status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await context?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("sends the current payload first, then each change (a kill) as it commits, with its ETag as the event id", async () => {
    const s = await stream("sdk");
    expect(s.status).toBe(200);
    const first = await s.next((e) => e.event === "payload");
    const config = await fetch(`${base}/api/sdk/config`, {
      headers: { authorization: `Bearer ${keys.sdk}` },
    });
    expect(first.id).toBe(config.headers.get("etag"));
    expect(JSON.parse(first.data)).toEqual(await config.json());
    expect(JSON.parse(first.data).flags.find((f: { key: string }) => f.key === "new_checkout").enabled).toBe(
      true,
    );

    expect((await call("ana", "POST", "/api/flags/new_checkout/kill")).status).toBe(200);
    const killed = await s.next((e) => e.event === "payload", 1);
    expect(killed.id).not.toBe(first.id);
    expect(JSON.parse(killed.data).flags.find((f: { key: string }) => f.key === "new_checkout").enabled).toBe(
      false,
    );
    // A kill of a killed flag changes nothing: no event.
    expect((await call("ana", "POST", "/api/flags/new_checkout/kill")).status).toBe(200);
    expect((await call("ana", "POST", "/api/flags/new_checkout/restore")).status).toBe(200);
    const restored = await s.next((e) => e.event === "payload", 2);
    expect(
      JSON.parse(restored.data).flags.find((f: { key: string }) => f.key === "new_checkout").enabled,
    ).toBe(true);
    expect(restored.id).not.toBe(killed.id);
    expect(s.events.filter((e) => e.event === "payload")).toHaveLength(3);
    s.close();
  });

  it("tenancy: a key's stream carries only its own team's payload and changes", async () => {
    const growth = await stream("sdk");
    const payments = await stream("pat");
    const paymentsFirst = JSON.parse((await payments.next((e) => e.event === "payload")).data);
    expect(paymentsFirst.flags).toEqual([]);
    await growth.next((e) => e.event === "payload");
    expect((await call("ana", "PUT", "/api/flags/growth_only", flagOn("growth_only"))).status).toBe(200);
    const change = JSON.parse((await growth.next((e) => e.event === "payload", 1)).data);
    expect(change.flags.map((f: { key: string }) => f.key)).toContain("growth_only");
    // Payments' stream got nothing from growth's write (its payload is unchanged, so no event at all).
    await new Promise((r) => setTimeout(r, 200));
    expect(payments.events).toHaveLength(1);
    expect(payments.raw.join("")).not.toContain("growth_only");
    // And a payments change reaches payments only.
    expect((await call("pat", "PUT", "/api/flags/pay_flag", flagOn("pay_flag"))).status).toBe(200);
    const pay = JSON.parse((await payments.next((e) => e.event === "payload", 1)).data);
    expect(pay.flags.map((f: { key: string }) => f.key)).toEqual(["pay_flag"]);
    await new Promise((r) => setTimeout(r, 200));
    expect(growth.raw.join("")).not.toContain("pay_flag");
    growth.close();
    payments.close();
  });

  it("a reconnect with Last-Event-ID of the current payload gets no payload; a stale one gets the current", async () => {
    const s = await stream("sdk");
    const current = await s.next((e) => e.event === "payload");
    s.close();
    const again = await stream("sdk", { "last-event-id": current.id! });
    expect(again.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(again.events).toEqual([]);
    expect(again.raw.join("")).toContain(": unchanged");
    // Then a change arrives as usual.
    expect((await call("ana", "POST", "/api/flags/growth_only/kill")).status).toBe(200);
    const next = await again.next((e) => e.event === "payload");
    expect(next.id).not.toBe(current.id);
    again.close();
    const stale = await stream("sdk", { "last-event-id": current.id! });
    expect((await stale.next((e) => e.event === "payload")).id).toBe(next.id);
    stale.close();
  });

  it("an SDK key streams its own environment's payload (a client key's redacted), and only that environment's changes", async () => {
    const staging = await call("ada", "POST", "/api/environments/staging/sdk-keys", {
      kind: "server",
      name: "stg",
    });
    expect(staging.status).toBe(201);
    const client = await call("ada", "POST", "/api/environments/production/sdk-keys", {
      kind: "client",
      name: "web",
    });
    expect(client.status).toBe(201);
    keys.staging = staging.json.secret;
    keys.web = client.json.secret;
    expect(
      (
        await call("ana", "PUT", "/api/flags/env_flag?environment=staging", {
          ...flagOn("env_flag"),
          overrides: [{ identity_id: "qa-lead", value: false }],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call("ana", "PUT", "/api/flags/env_flag?environment=production", {
          ...flagOn("env_flag"),
          overrides: [{ identity_id: "qa-lead", value: false }],
        })
      ).status,
    ).toBe(200);
    const stg = await stream("staging");
    const web = await stream("web");
    const stgFirst = JSON.parse((await stg.next((e) => e.event === "payload")).data);
    expect(stgFirst.environment).toBe("staging");
    const webFirst = JSON.parse((await web.next((e) => e.event === "payload")).data);
    expect(webFirst.environment).toBe("production");
    // A client key never sees override lists (other users' ids).
    expect(web.raw.join("")).not.toContain("qa-lead");
    expect(stg.raw.join("")).toContain("qa-lead");
    // A kill in production reaches the production stream only.
    expect((await call("ana", "POST", "/api/flags/env_flag/kill?environment=production")).status).toBe(200);
    const killed = JSON.parse((await web.next((e) => e.event === "payload", 1)).data);
    expect(killed.flags.find((f: { key: string }) => f.key === "env_flag").enabled).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    // Staging's state is untouched. (Its payload's `generatedAt` is the team's last change in any environment, so
    // the staging stream may get the same state again with a new timestamp; never production's.)
    for (const e of stg.events) {
      const p = JSON.parse(e.data);
      expect(p.environment).toBe("staging");
      expect(p.flags.find((f: { key: string }) => f.key === "env_flag").enabled).toBe(true);
    }
    // An SDK key cannot ask for another environment's stream.
    const other = (await stream("staging", {}, "?environment=production")) as Awaited<
      ReturnType<typeof stream>
    > & {
      json?: { error: { field: string } };
    };
    expect(other.status).toBe(403);
    stg.close();
    web.close();
  });

  it("bounds the streams per key (429 past the limit), needs a key, and validates the environment", async () => {
    const held = [await stream("pat"), await stream("pat"), await stream("pat")];
    for (const h of held) await h.next((e) => e.event === "payload");
    const refused = (await stream("pat")) as Awaited<ReturnType<typeof stream>> & { json?: unknown };
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error: { code: "too_many_requests", field: "authorization" } });
    held[0]!.close();
    // The slot is freed when the client goes away.
    let admitted = 0;
    for (let i = 0; i < 50 && admitted !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const s = await stream("pat");
      admitted = s.status;
      s.close();
    }
    expect(admitted).toBe(200);
    for (const h of held) h.close();
    const anonymous = await fetch(`${base}/api/sdk/stream`);
    expect(anonymous.status).toBe(401);
    const bad = (await stream("sdk", {}, "?environment=Prod%20X")) as Awaited<ReturnType<typeof stream>> & {
      json?: { error: { field: string } };
    };
    expect(bad.status).toBe(400);
    expect(bad.json?.error.field).toBe("environment");
  });

  it("keeps the stream alive with comments and ends every stream when the server closes", async () => {
    const dir2 = await mkdtemp(join(tmpdir(), "assay-stream-close-"));
    const db = await createPgliteDatabase();
    const ctx = await createServerContext({ db, walDir: join(dir2, "wal"), lakeDir: join(dir2, "lake") });
    const app2 = await createApp({
      context: ctx,
      dashboardDir: null,
      pipelineConfig: false,
      streamKeepAliveMs: 50,
    });
    await app2.listen({ port: 0, host: "127.0.0.1" });
    const address = app2.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    const key = (await createApiKey(db, { team: "growth", role: "viewer", name: "sdk" })).secret;
    const s = await openStream(`${url}/api/sdk/stream`, key);
    await s.next((e) => e.event === "payload");
    await new Promise((r) => setTimeout(r, 200));
    expect(s.raw.join("")).toContain(": keep-alive");
    const started = Date.now();
    await app2.close();
    await s.ended;
    expect(Date.now() - started).toBeLessThan(2000);
    await ctx.close();
    await rm(dir2, { recursive: true, force: true });
  });
});
