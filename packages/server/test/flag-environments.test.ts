import { createAssayClient, validatePayload } from "@assay/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditListSchema,
  changeRequestListSchema,
  changeRequestResponseSchema,
  environmentListSchema,
  flagCopyResultSchema,
  flagListSchema,
  flagResponseSchema,
} from "../src/http/response-schemas.js";
import { backends } from "./helpers/backends.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

const flag = (key: string, fields: Record<string, unknown> = {}) => ({
  key,
  type: "boolean",
  default_value: false,
  enabled: true,
  rollout_percentage: 100,
  ...fields,
});

/**
 * Issue 19, parts 1 and 2: environments, SDK keys per environment, copying, reviewed changes — on PGlite and on a real
 * PostgreSQL (row-level security of the new tables under the restricted role).
 */
describe.each(backends)("flag environments and change requests on $name", (backend) => {
  let t: TestApp;
  let stop: (() => Promise<void>) | undefined;
  const sdk = async (secret: string, url: string) => {
    const res = await t.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${secret}` } });
    return { status: res.statusCode, json: res.json() };
  };
  const withKey = async (secret: string, method: "GET" | "POST", url: string, body?: unknown) => {
    const res = await t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${secret}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, json: res.json() };
  };
  const audit = async (entityType: string, entityKey: string) =>
    auditListSchema.parse(
      (await t.request("vic", "GET", `/api/audit?entity_type=${entityType}&entity_key=${entityKey}`)).json,
    ).entries;

  beforeAll(async () => {
    if (!backend.available) return;
    const opened = await backend.open();
    stop = opened.stop;
    t = await createTestApp(opened.db);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await stop?.();
  });

  it.skipIf(!backend.available)(
    "every team has development, staging and production; an admin adds, renames and deletes its own",
    async () => {
      const list = environmentListSchema.parse((await t.request("vic", "GET", "/api/environments")).json);
      expect(list.environments.map((e) => e.key)).toEqual(["development", "staging", "production"]);
      expect(list.environments.every((e) => e.builtin && !e.requires_review)).toBe(true);

      expect((await t.request("ana", "POST", "/api/environments", { key: "qa" })).status).toBe(403);
      const bad = await t.request("ada", "POST", "/api/environments", { key: "QA env" });
      expect(bad.status).toBe(400);
      expect(bad.json.error.field).toBe("key");
      const unknownSource = await t.request("ada", "POST", "/api/environments", {
        key: "qa",
        copy_from: "nope",
      });
      expect(unknownSource.status).toBe(400);
      expect(unknownSource.json.error.field).toBe("copy_from");

      const created = await t.request("ada", "POST", "/api/environments", { key: "qa", name: "QA" });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ key: "qa", name: "QA", requires_review: false, builtin: false });
      expect((await t.request("ada", "POST", "/api/environments", { key: "qa" })).status).toBe(409);
      const renamed = await t.request("ada", "PATCH", "/api/environments/qa", { name: "Quality" });
      expect(renamed.json.name).toBe("Quality");

      // Another team neither sees nor changes it.
      const theirs = environmentListSchema.parse((await t.request("pat", "GET", "/api/environments")).json);
      expect(theirs.environments.map((e) => e.key)).not.toContain("qa");
      expect((await t.request("pam", "PATCH", "/api/environments/qa", { name: "mine" })).status).toBe(404);
      expect((await t.request("pam", "DELETE", "/api/environments/qa")).status).toBe(404);

      expect((await t.request("ada", "DELETE", "/api/environments/production")).status).toBe(409);
      expect((await t.request("ada", "DELETE", "/api/environments/qa")).status).toBe(200);
      expect((await t.request("vic", "GET", "/api/flags?environment=qa")).status).toBe(404);
      expect((await audit("environment", "qa")).map((a) => a.action)).toEqual(["delete", "update", "create"]);
    },
  );

  it.skipIf(!backend.available)(
    "a flag's state is per environment; a new flag is off elsewhere; 400s name the field",
    async () => {
      const put = await t.request(
        "ana",
        "PUT",
        "/api/flags/env_checkout?environment=staging",
        flag("env_checkout", {
          description: "internal note",
          overrides: [{ identity_id: "vip-1", value: true }],
          enabled: true,
          rollout_percentage: 0,
        }),
      );
      expect(put.status, JSON.stringify(put.json)).toBe(200);
      expect(flagResponseSchema.parse(put.json)).toMatchObject({ environment: "staging", enabled: true });
      const production = flagResponseSchema.parse(
        (await t.request("vic", "GET", "/api/flags/env_checkout?environment=production")).json,
      );
      expect(production).toMatchObject({ environment: "production", enabled: false, overrides: [] });
      const staging = flagListSchema.parse(
        (await t.request("vic", "GET", "/api/flags?environment=staging")).json,
      );
      expect(staging.flags.find((f) => f.key === "env_checkout")?.overrides).toEqual([
        { identity_id: "vip-1", value: true },
      ]);

      const dup = await t.request(
        "ana",
        "PUT",
        "/api/flags/env_checkout?environment=staging",
        flag("env_checkout", {
          overrides: [
            { identity_id: "a", value: true },
            { identity_id: "a", value: false },
          ],
        }),
      );
      expect(dup.status).toBe(400);
      expect(dup.json.error.field).toBe("overrides[1].identity_id");
      const typed = await t.request(
        "ana",
        "PUT",
        "/api/flags/env_checkout?environment=staging",
        flag("env_checkout", { overrides: [{ identity_id: "a", value: "yes" }] }),
      );
      expect(typed.json.error.field).toBe("overrides[0].value");
      const badEnv = await t.request("vic", "GET", "/api/flags?environment=Prod!");
      expect(badEnv.status).toBe(400);
      expect(badEnv.json.error.field).toBe("environment");
      expect((await t.request("vic", "GET", "/api/flags?environment=nowhere")).status).toBe(404);
    },
  );

  it.skipIf(!backend.available)(
    "SDK keys read only their environment; a client key's payload has no overrides or descriptions",
    async () => {
      expect(
        (await t.request("ana", "POST", "/api/environments/staging/sdk-keys", { kind: "server", name: "x" }))
          .status,
      ).toBe(403);
      const badKind = await t.request("ada", "POST", "/api/environments/staging/sdk-keys", {
        kind: "x",
        name: "x",
      });
      expect(badKind.json.error.field).toBe("kind");
      const server = await t.request("ada", "POST", "/api/environments/staging/sdk-keys", {
        kind: "server",
        name: "api-staging",
      });
      expect(server.status).toBe(201);
      expect(server.json.secret).toMatch(/^assay_server_/);
      const client = await t.request("ada", "POST", "/api/environments/staging/sdk-keys", {
        kind: "client",
        name: "web-staging",
      });
      expect(client.json.secret).toMatch(/^assay_client_/);

      const full = await sdk(server.json.secret, "/api/sdk/config");
      expect(full.status).toBe(200);
      expect(full.json.environment).toBe("staging");
      const serverFlag = full.json.flags.find((f: { key: string }) => f.key === "env_checkout");
      expect(serverFlag).toMatchObject({ enabled: true, description: "internal note" });
      expect(serverFlag.overrides).toEqual([{ identityId: "vip-1", value: true }]);

      const redacted = await sdk(client.json.secret, "/api/sdk/config");
      expect(redacted.json.environment).toBe("staging");
      expect(validatePayload(redacted.json).ok).toBe(true);
      const clientFlag = redacted.json.flags.find((f: { key: string }) => f.key === "env_checkout");
      expect(clientFlag.overrides).toEqual([]);
      expect(clientFlag.description).toBeUndefined();
      expect(JSON.stringify(redacted.json)).not.toContain("vip-1");
      // The server key's client serves the override; the browser's does not know it.
      const serverClient = createAssayClient({ payload: full.json });
      expect(serverClient.getFlagDetails("env_checkout", false, { identity_id: "vip-1" }).reason).toBe(
        "OVERRIDE",
      );

      // Another environment's payload, and every registry route, are out of an SDK key's reach.
      const other = await sdk(client.json.secret, "/api/sdk/config?environment=production");
      expect(other.status).toBe(403);
      expect(other.json.error.field).toBe("environment");
      expect((await sdk(server.json.secret, "/api/flags")).status).toBe(403);
      expect((await sdk(client.json.secret, "/api/experiments")).status).toBe(403);
      expect((await sdk(client.json.secret, "/api/change-requests")).status).toBe(403);
      const assign = await withKey(client.json.secret, "POST", "/api/assign", {
        user_id: "u1",
        attributes: {},
      });
      expect(assign.status).toBe(403);
      // A team key still picks any environment of its team (production by default); an unknown one is a 404.
      expect((await t.request("vic", "GET", "/api/sdk/config")).json.environment).toBe("production");
      expect((await t.request("vic", "GET", "/api/sdk/config?environment=nowhere")).status).toBe(404);
      // Another team's key cannot make keys for, or read, growth's environments' flags.
      const theirs = await t.request("pat", "GET", "/api/sdk/config?environment=staging");
      expect(JSON.stringify(theirs.json)).not.toContain("env_checkout");
    },
  );

  it.skipIf(!backend.available)(
    "an experiment runs in one environment: only that environment's payload and server key carry it",
    async () => {
      const bad = await t.request(
        "ana",
        "POST",
        "/api/experiments",
        experimentBody("exp_env_bad", { environment: "mars" }),
      );
      expect(bad.status).toBe(400);
      expect(bad.json.error.field).toBe("environment");
      const created = await t.request(
        "ana",
        "POST",
        "/api/experiments",
        experimentBody("exp_staging", { environment: "staging", start_at: null, end_at: null }),
      );
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      expect(created.json.environment).toBe("staging");
      for (const status of ["submitted", "approved", "running"]) {
        const who = status === "approved" ? "rui" : "ana";
        const res = await t.request(who, "POST", "/api/experiments/exp_staging/status", { status });
        expect(res.status, JSON.stringify(res.json)).toBe(200);
      }
      const keys = (env: string) =>
        t
          .request("vic", "GET", `/api/sdk/config?environment=${env}`)
          .then((r) => r.json.experiments.map((e: { key: string }) => e.key));
      expect(await keys("staging")).toContain("exp_staging");
      expect(await keys("production")).not.toContain("exp_staging");
      const server = await t.request("ada", "POST", "/api/environments/staging/sdk-keys", {
        kind: "server",
        name: "assign-staging",
      });
      const assigned = await withKey(server.json.secret, "POST", "/api/assign", {
        user_id: "u-env",
        attributes: {},
      });
      expect(assigned.status).toBe(200);
      expect(assigned.json.assignments.map((a: { experiment_key: string }) => a.experiment_key)).toEqual([
        "exp_staging",
      ]);
      const teamKey = await t.request("vic", "POST", "/api/assign", {
        user_id: "u-env",
        attributes: {},
        experiments: ["exp_staging"],
      });
      expect(teamKey.json.assignments[0].in_experiment).toBe(false);
    },
  );

  it.skipIf(!backend.available)(
    "copies a flag's configuration from one environment to another in one audited action",
    async () => {
      const copied = await t.request("ana", "POST", "/api/flags/env_checkout/copy", {
        from: "staging",
        to: "development",
      });
      expect(copied.status, JSON.stringify(copied.json)).toBe(200);
      const result = flagCopyResultSchema.parse(copied.json);
      expect(result.applied).toBe(true);
      expect(result.flag).toMatchObject({ environment: "development", enabled: true });
      expect(result.flag.overrides).toEqual([{ identity_id: "vip-1", value: true }]);
      const entry = (await audit("flag", "env_checkout"))[0]!;
      expect(entry.action).toBe("copy");
      expect(entry.after).toMatchObject({ environment: "development", copied_from: "staging" });

      const same = await t.request("ana", "POST", "/api/flags/env_checkout/copy", {
        from: "staging",
        to: "staging",
      });
      expect(same.json.error.field).toBe("to");
      const unknown = await t.request("ana", "POST", "/api/flags/env_checkout/copy", {
        from: "staging",
        to: "mars",
      });
      expect(unknown.json.error.field).toBe("to");
      expect(
        (
          await t.request("vic", "POST", "/api/flags/env_checkout/copy", {
            from: "staging",
            to: "development",
          })
        ).status,
      ).toBe(403);
      // Another team: growth's flag does not exist for it.
      expect(
        (
          await t.request("pat", "POST", "/api/flags/env_checkout/copy", {
            from: "staging",
            to: "development",
          })
        ).status,
      ).toBe(404);
    },
  );

  it.skipIf(!backend.available)(
    "change requests: proposed, diffed, approved by another editor and applied atomically; audited",
    async () => {
      const review = await t.request("ada", "PATCH", "/api/environments/production", {
        requires_review: true,
      });
      expect(review.json.requires_review).toBe(true);
      // A direct write to production is refused, naming the field that would change.
      const direct = await t.request(
        "ana",
        "PUT",
        "/api/flags/env_checkout?environment=production",
        flag("env_checkout"),
      );
      expect(direct.status).toBe(409);
      expect(direct.json.error.field).toBe("enabled");
      // A shared field changes every environment, production included.
      const shared = await t.request(
        "ana",
        "PUT",
        "/api/flags/env_checkout?environment=development",
        flag("env_checkout", { default_value: true }),
      );
      expect(shared.status).toBe(409);
      expect(shared.json.error.field).toBe("default_value");
      // Development's own state is not reviewed.
      const devOnly = await t.request(
        "ana",
        "PUT",
        "/api/flags/env_checkout?environment=development",
        flag("env_checkout", { rollout_percentage: 40 }),
      );
      expect(devOnly.status).toBe(200);

      const proposed = await t.request(
        "ana",
        "POST",
        "/api/flags/env_checkout/change-requests?environment=production",
        {
          flag: flag("env_checkout", { rollout_percentage: 25 }),
          comment: "start the ramp",
        },
      );
      expect(proposed.status, JSON.stringify(proposed.json)).toBe(201);
      const cr = changeRequestResponseSchema.parse(proposed.json);
      expect(cr).toMatchObject({
        status: "open",
        environment: "production",
        stale: false,
        comment: "start the ramp",
      });
      expect(cr.diff).toEqual([
        { field: "enabled", before: false, after: true },
        { field: "rollout_percentage", before: 0, after: 25 },
      ]);
      // Nothing applied yet.
      expect(
        (await t.request("vic", "GET", "/api/flags/env_checkout?environment=production")).json.enabled,
      ).toBe(false);
      const listed = changeRequestListSchema.parse(
        (await t.request("vic", "GET", "/api/change-requests?status=open&environment=production")).json,
      );
      expect(listed.change_requests.map((c) => c.id)).toContain(cr.id);

      const self = await t.request("ana", "POST", `/api/change-requests/${cr.id}/approve`, {});
      expect(self.status).toBe(403);
      expect(self.json.error.field).toBe("approved_by");
      expect((await t.request("vic", "POST", `/api/change-requests/${cr.id}/approve`, {})).status).toBe(403);
      // Another team cannot see, approve or reject it.
      expect((await t.request("pat", "GET", `/api/change-requests/${cr.id}`)).status).toBe(404);
      expect((await t.request("pat", "POST", `/api/change-requests/${cr.id}/approve`, {})).status).toBe(404);
      expect((await t.request("pat", "POST", `/api/change-requests/${cr.id}/reject`, {})).status).toBe(404);
      const theirList = changeRequestListSchema.parse(
        (await t.request("pat", "GET", "/api/change-requests")).json,
      );
      expect(theirList.change_requests).toEqual([]);

      const approved = await t.request("rui", "POST", `/api/change-requests/${cr.id}/approve`, {
        note: "ok",
      });
      expect(approved.status, JSON.stringify(approved.json)).toBe(200);
      expect(approved.json.change_request).toMatchObject({
        status: "applied",
        decided_by: expect.stringMatching(/^rui-/),
      });
      expect(approved.json.flag).toMatchObject({
        environment: "production",
        enabled: true,
        rollout_percentage: 25,
      });
      const payload = (await t.request("vic", "GET", "/api/sdk/config?environment=production")).json;
      expect(payload.flags.find((f: { key: string }) => f.key === "env_checkout").rollout.percentage).toBe(
        25,
      );
      expect((await t.request("rui", "POST", `/api/change-requests/${cr.id}/approve`, {})).status).toBe(409);

      expect((await audit("change_request", String(cr.id))).map((a) => a.action)).toEqual([
        "approve",
        "propose",
      ]);
      const applied = (await audit("flag", "env_checkout"))[0]!;
      expect(applied.action).toBe("apply_change_request");
      expect(applied.after).toMatchObject({ change_request_id: cr.id, rollout_percentage: 25 });
    },
  );

  it.skipIf(!backend.available)(
    "the kill switch bypasses review (audited); a change request proposed before it is stale (409)",
    async () => {
      const proposed = await t.request(
        "ana",
        "POST",
        "/api/flags/env_checkout/change-requests?environment=production",
        {
          flag: flag("env_checkout", { rollout_percentage: 50 }),
        },
      );
      const id = proposed.json.id as number;
      const kill = await t.request("ana", "POST", "/api/flags/env_checkout/kill?environment=production");
      expect(kill.status).toBe(200);
      expect(kill.json).toMatchObject({ enabled: false, killed: true, environment: "production" });
      expect((await audit("flag", "env_checkout"))[0]!.action).toBe("kill");
      // Only production was killed.
      expect(
        (await t.request("vic", "GET", "/api/flags/env_checkout?environment=staging")).json.enabled,
      ).toBe(true);

      const view = changeRequestResponseSchema.parse(
        (await t.request("vic", "GET", `/api/change-requests/${id}`)).json,
      );
      expect(view.stale).toBe(true);
      const stale = await t.request("rui", "POST", `/api/change-requests/${id}/approve`, {});
      expect(stale.status).toBe(409);
      expect(stale.json.error.field).toBe("base");
      expect(
        (await t.request("vic", "GET", "/api/flags/env_checkout?environment=production")).json.enabled,
      ).toBe(false);

      const rejected = await t.request("ana", "POST", `/api/change-requests/${id}/reject`, { note: "stale" });
      expect(rejected.status).toBe(200);
      expect(rejected.json).toMatchObject({ status: "rejected", decision_note: "stale" });
      expect((await audit("change_request", String(id))).map((a) => a.action)).toEqual(["reject", "propose"]);

      // Restore is as instant; copying into a reviewed environment proposes instead of writing.
      expect(
        (await t.request("ana", "POST", "/api/flags/env_checkout/restore?environment=production")).status,
      ).toBe(200);
      const copy = flagCopyResultSchema.parse(
        (
          await t.request("ana", "POST", "/api/flags/env_checkout/copy", {
            from: "development",
            to: "production",
          })
        ).json,
      );
      expect(copy.applied).toBe(false);
      expect(copy.change_request?.diff.map((d) => d.field)).toEqual(["rollout_percentage"]);
      expect(copy.flag.rollout_percentage).toBe(25);

      const empty = await t.request(
        "ana",
        "POST",
        "/api/flags/env_checkout/change-requests?environment=production",
        {
          flag: flag("env_checkout", { rollout_percentage: 25 }),
        },
      );
      expect(empty.status).toBe(409);
      const mismatch = await t.request("ana", "POST", "/api/flags/env_checkout/change-requests", {
        flag: flag("other_flag"),
      });
      expect(mismatch.json.error.field).toBe("flag.key");
      const badBody = await t.request("ana", "POST", "/api/flags/env_checkout/change-requests", {
        flag: flag("env_checkout", { rollout_percentage: 500 }),
      });
      expect(badBody.json.error.field).toBe("flag.rollout_percentage");
      const badCondition = await t.request("ana", "POST", "/api/flags/env_checkout/change-requests", {
        flag: flag("env_checkout", {
          targeting: {
            include_segments: [],
            exclude_segments: [],
            condition: { attribute: "x", op: "nope", value: 1 },
          },
        }),
      });
      expect(badCondition.status).toBe(400);
      expect(badCondition.json.error.field).toMatch(/^flag\.targeting\.condition/);
      expect((await t.request("vic", "GET", "/api/change-requests/abc")).json.error.field).toBe("id");
    },
  );

  it.skipIf(!backend.available)(
    "a change in one environment leaves another environment's payload and ETag as they were (304)",
    async () => {
      await t.request("ana", "PUT", "/api/flags/etag_probe?environment=development", flag("etag_probe"));
      const first = await t.request("vic", "GET", "/api/sdk/config?environment=staging");
      expect(first.status).toBe(200);
      const etag = String(first.headers.etag);
      const devBefore = await t.request("vic", "GET", "/api/sdk/config?environment=development");
      const put = await t.request(
        "ana",
        "PUT",
        "/api/flags/etag_probe?environment=development",
        flag("etag_probe", { rollout_percentage: 40 }),
      );
      expect(put.status, JSON.stringify(put.json)).toBe(200);
      const again = await t.request("vic", "GET", "/api/sdk/config?environment=staging", undefined, {
        "if-none-match": etag,
      });
      expect(again.status).toBe(304);
      const devAfter = await t.request("vic", "GET", "/api/sdk/config?environment=development", undefined, {
        "if-none-match": String(devBefore.headers.etag),
      });
      expect(devAfter.status).toBe(200);
      expect(devAfter.headers.etag).not.toBe(devBefore.headers.etag);
    },
  );
});
