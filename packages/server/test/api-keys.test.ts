import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../src/index.js";
import { backends } from "./helpers/backends.js";
import { openStream } from "./helpers/sse-stream.js";
import { createTestApp, type TestApp } from "./helpers/test-app.js";

/** Key management: a team admin lists and revokes the team's keys; a revoked key is refused at once. */
describe.each(backends)("API keys on $name", (backend) => {
  let t: TestApp;
  let stop: () => Promise<void> = async () => {};
  let owner: string;
  let ownerId: string;
  const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
  const call = async (secret: string, method: "GET" | "POST" | "DELETE", url: string, body?: unknown) => {
    const res = await t.app.inject({
      method,
      url,
      headers: bearer(secret),
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, json: res.json() };
  };

  beforeAll(async () => {
    if (!backend.available) return;
    const opened = await backend.open();
    stop = opened.stop;
    t = await createTestApp(opened.db);
    const created = await createApiKey(opened.db, { team: "growth", role: "owner", name: "platform-owner" });
    owner = created.secret;
    ownerId = created.keyId;
  });
  afterAll(async () => {
    await t?.close();
    await stop();
  });

  it.skipIf(!backend.available)("lists the team's keys without secrets; only an admin may", async () => {
    const made = await t.request("ada", "POST", "/api/keys", { name: "ci-bot", role: "editor" });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ team: "growth", role: "editor", name: "ci-bot" });
    const sdk = await t.request("ada", "POST", "/api/environments/staging/sdk-keys", {
      kind: "client",
      name: "web-staging",
    });
    expect(sdk.status).toBe(201);
    const list = await t.request("ada", "GET", "/api/keys");
    expect(list.status).toBe(200);
    const keys = list.json.keys as Array<Record<string, unknown>>;
    expect(keys.find((k) => k.key_id === made.json.key_id)).toMatchObject({
      name: "ci-bot",
      role: "editor",
      kind: "team",
      environment: null,
      created_by: expect.stringMatching(/^ada-/),
      revoked_at: null,
    });
    expect(keys.find((k) => k.key_id === sdk.json.key_id)).toMatchObject({
      kind: "client",
      environment: "staging",
      role: "viewer",
    });
    // Only growth's keys, and never a secret or its hash.
    expect(keys.some((k) => String(k.name).startsWith("pat-"))).toBe(false);
    expect(JSON.stringify(list.json)).not.toContain(made.json.secret);
    expect(Object.keys(keys[0]!).sort()).toEqual(
      [
        "created_at",
        "created_by",
        "environment",
        "key_id",
        "kind",
        "name",
        "revoked_at",
        "revoked_by",
        "role",
      ].sort(),
    );
    expect((await t.request("ana", "GET", "/api/keys")).status).toBe(403);
    expect((await t.request("ana", "DELETE", `/api/keys/${made.json.key_id}`)).status).toBe(403);
    // The creation is audited in the team, without the secret.
    const audit = await t.request("ada", "GET", `/api/audit?entity_key=${made.json.key_id}`);
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.json)).toContain('"create"');
    expect(JSON.stringify(audit.json)).not.toContain(made.json.secret);
  });

  it.skipIf(!backend.available)(
    "a revoked key answers 401 at once and is listed as revoked, audited",
    async () => {
      const made = await t.request("ada", "POST", "/api/keys", { name: "leaked", role: "editor" });
      const secret = made.json.secret as string;
      expect((await call(secret, "GET", "/api/experiments")).status).toBe(200);
      const revoked = await t.request("ada", "DELETE", `/api/keys/${made.json.key_id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.json).toMatchObject({
        key_id: made.json.key_id,
        revoked_by: expect.stringMatching(/^ada-/),
      });
      expect(Date.parse(revoked.json.revoked_at)).not.toBeNaN();
      const refused = await call(secret, "GET", "/api/experiments");
      expect(refused.status).toBe(401);
      expect(refused.json.error.message).toMatch(/revoked/);
      const again = await t.request("ada", "DELETE", `/api/keys/${made.json.key_id}`);
      expect(again.status).toBe(409);
      const audit = await t.request("ada", "GET", `/api/audit?entity_key=${made.json.key_id}`);
      expect(JSON.stringify(audit.json)).toContain('"revoke"');
    },
  );

  it.skipIf(!backend.available)(
    "tenancy and lock-out guards: another team's key is a 404, the calling key and the owner's key are refused",
    async () => {
      const theirs = await t.request("pam", "POST", "/api/keys", { name: "payments-bot", role: "viewer" });
      expect((await t.request("ada", "DELETE", `/api/keys/${theirs.json.key_id}`)).status).toBe(404);
      expect((await call(theirs.json.secret, "GET", "/api/experiments")).status).toBe(200);
      const mine = (await t.request("ada", "GET", "/api/keys")).json.keys.find((k: { name: string }) =>
        k.name.startsWith("ada-"),
      );
      const self = await t.request("ada", "DELETE", `/api/keys/${mine.key_id}`);
      expect(self.status).toBe(409);
      expect(self.json.error.field).toBe("key_id");
      const onOwner = await t.request("ada", "DELETE", `/api/keys/${ownerId}`);
      expect(onOwner.status).toBe(403);
      expect((await call(owner, "GET", "/api/experiments")).status).toBe(200);
      // The owner may revoke a team admin's key of its team.
      const admin2 = await t.request("ada", "POST", "/api/keys", { name: "second-admin", role: "admin" });
      expect((await call(owner, "DELETE", `/api/keys/${admin2.json.key_id}`)).status).toBe(200);
      expect((await call(admin2.json.secret, "GET", "/api/keys")).status).toBe(401);
      for (const bad of ["nope", "%00", "ABCDEF012345", "0123456789abc"]) {
        const res = await t.request("ada", "DELETE", `/api/keys/${bad}`);
        expect(res.status, bad).toBe(400);
        expect(res.json.error.field).toBe("id");
      }
    },
  );

  it.skipIf(!backend.available)("revoking an SDK key closes its open streams", async () => {
    const sdk = await t.request("ada", "POST", "/api/environments/production/sdk-keys", {
      kind: "server",
      name: "backend-prod",
    });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const address = t.app.server.address();
    const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    const stream = await openStream(`${base}/api/sdk/stream`, sdk.json.secret);
    expect(stream.status).toBe(200);
    await stream.next((e) => e.event === "payload");
    expect((await t.request("ada", "DELETE", `/api/keys/${sdk.json.key_id}`)).status).toBe(200);
    await stream.ended;
    const reconnect = await openStream(`${base}/api/sdk/stream`, sdk.json.secret);
    expect(reconnect.status).toBe(401);
    reconnect.close();
  });

  it.skipIf(backend.name !== "postgres" || !backend.available)(
    "a key revoked through another server sharing the registry stops working there within a second",
    async () => {
      const other = await createTestApp(t.context.db);
      try {
        const made = await t.request("ada", "POST", "/api/keys", { name: "shared", role: "viewer" });
        const onOther = () =>
          other.app.inject({ method: "GET", url: "/api/experiments", headers: bearer(made.json.secret) });
        expect((await onOther()).statusCode).toBe(200);
        expect((await t.request("ada", "DELETE", `/api/keys/${made.json.key_id}`)).status).toBe(200);
        await new Promise((r) => setTimeout(r, 1100));
        expect((await onOther()).statusCode).toBe(401);
      } finally {
        await other.close();
      }
    },
  );
});
