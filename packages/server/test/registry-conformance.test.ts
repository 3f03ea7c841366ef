import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFiles, withTeam } from "../src/index.js";
import { backends } from "./helpers/backends.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

describe.each(backends)("registry on $name", (backend) => {
  let t: TestApp;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    if (!backend.available) return;
    const opened = await backend.open();
    stop = opened.stop;
    t = await createTestApp(opened.db);
  });
  afterAll(async () => {
    await t?.close();
    await stop?.();
  });

  describe.skipIf(!backend.available)("experiments", () => {
    it("registers a draft with the engine's power analysis and an audit entry", async () => {
      const res = await t.request("ana", "POST", "/api/experiments", experimentBody("reg_basic"));
      expect(res.status).toBe(201);
      expect(res.json.status).toBe("draft");
      expect(res.json.variants.map((v: { key: string }) => v.key)).toEqual(["control", "treatment"]);
      expect(res.json.power_analysis.n_per_variant).toBeGreaterThan(1000);
      expect(res.json.minimum_sample_size).toBe(res.json.power_analysis.n_per_variant);
      const audit = await t.request("vic", "GET", "/api/experiments/reg_basic/audit");
      expect(audit.json.entries).toHaveLength(1);
      expect(audit.json.entries[0]).toMatchObject({ action: "create", before: null, entityKey: "reg_basic" });
      expect(audit.json.entries[0].actor).toMatch(/^ana-/);
      expect(audit.json.entries[0].after.key).toBe("reg_basic");
    });

    it.each([
      [
        "allocations not summing to 100",
        {
          variants: [
            { key: "control", allocation: 50, is_control: true },
            { key: "b", allocation: 40 },
          ],
        },
        "variants",
      ],
      [
        "fewer than 2 variants",
        { variants: [{ key: "control", allocation: 100, is_control: true }] },
        "variants",
      ],
      ["no success metric", { metrics: [] }, "metrics"],
      [
        "no primary metric",
        {
          metrics: [{ metric_key: "refund_rate", role: "guardrail", direction: "decrease", threshold: 0.1 }],
        },
        "metrics",
      ],
      ["end before start", { start_at: "2026-03-01T00:00:00Z", end_at: "2026-02-01T00:00:00Z" }, "end_at"],
      ["end equal to start", { start_at: "2026-03-01T00:00:00Z", end_at: "2026-03-01T00:00:00Z" }, "end_at"],
      [
        "no control",
        {
          variants: [
            { key: "a", allocation: 50 },
            { key: "b", allocation: 50 },
          ],
        },
        "variants",
      ],
      [
        "two controls",
        {
          variants: [
            { key: "a", allocation: 50, is_control: true },
            { key: "b", allocation: 50, is_control: true },
          ],
        },
        "variants",
      ],
      [
        "duplicate variant keys",
        {
          variants: [
            { key: "a", allocation: 50, is_control: true },
            { key: "a", allocation: 50 },
          ],
        },
        "variants[1].key",
      ],
      [
        "allocation above 100",
        {
          variants: [
            { key: "a", allocation: 150, is_control: true },
            { key: "b", allocation: -50 },
          ],
        },
        "variants[0].allocation",
      ],
      [
        "guardrail without threshold",
        {
          metrics: [
            { metric_key: "conversion_7d", role: "primary", direction: "increase" },
            { metric_key: "refund_rate", role: "guardrail", direction: "decrease" },
          ],
        },
        "metrics[1].threshold",
      ],
      [
        "unknown metric",
        { metrics: [{ metric_key: "nope", role: "primary", direction: "increase" }] },
        "metrics[0].metric_key",
      ],
      [
        "bad direction",
        { metrics: [{ metric_key: "conversion_7d", role: "primary", direction: "up" }] },
        "metrics[0].direction",
      ],
      ["invalid key", { key: "Bad Key!" }, "key"],
      ["missing name", { name: "" }, "name"],
      ["bad type", { type: "multivariate" }, "type"],
      ["bad start date", { start_at: "yesterday" }, "start_at"],
      ["bad prereg link", { prereg_url: "not a url" }, "prereg_url"],
      [
        "alpha outside (0, 1)",
        { power_analysis: { baseline_rate: 0.1, mde_abs: 0.01, alpha: 1.5, power: 0.8 } },
        "power_analysis.alpha",
      ],
      [
        "effect leaving (0, 1)",
        { power_analysis: { baseline_rate: 0.95, mde_abs: 0.1, alpha: 0.05, power: 0.8 } },
        "power_analysis.mde_abs",
      ],
      ["non-positive minimum sample size", { minimum_sample_size: 0 }, "minimum_sample_size"],
      [
        "malformed targeting condition",
        { targeting: { condition: { attribute: "country", op: "bogus", value: 1 } } },
        "targeting.condition",
      ],
    ])("rejects %s with a 400 naming %s", async (_label, overrides, field) => {
      const res = await t.request(
        "ana",
        "POST",
        "/api/experiments",
        experimentBody("reg_invalid", overrides),
      );
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("bad_request");
      expect(res.json.error.field.startsWith(field)).toBe(true);
      expect(res.json.error.message).toContain(field.split("[")[0]);
    });

    it("refuses a duplicate key with 409", async () => {
      await t.request("ana", "POST", "/api/experiments", experimentBody("reg_dup"));
      const res = await t.request("ana", "POST", "/api/experiments", experimentBody("reg_dup"));
      expect(res.status).toBe(409);
      expect(res.json.error.field).toBe("key");
    });

    it("keeps teams apart: 404 on another team's experiment, 403 when writing for another team", async () => {
      await t.request("ana", "POST", "/api/experiments", experimentBody("reg_private"));
      expect((await t.request("pat", "GET", "/api/experiments/reg_private")).status).toBe(404);
      expect((await t.request("pat", "PATCH", "/api/experiments/reg_private", { name: "x" })).status).toBe(
        404,
      );
      expect(
        (await t.request("pat", "POST", "/api/experiments/reg_private/status", { status: "submitted" }))
          .status,
      ).toBe(404);
      expect((await t.request("pat", "GET", "/api/experiments/reg_private/audit")).status).toBe(404);
      const list = await t.request("pat", "GET", "/api/experiments");
      expect(list.json.experiments.map((e: { key: string }) => e.key)).not.toContain("reg_private");
      const forged = await t.request("pat", "POST", "/api/experiments", experimentBody("reg_forged"));
      expect(forged.status).toBe(403);
      expect(forged.json.error.field).toBe("owner_team");
      const taken = await t.request(
        "pat",
        "POST",
        "/api/experiments",
        experimentBody("reg_private", { owner_team: "payments" }),
      );
      expect(taken.status).toBe(409);
      const audit = await t.request("pat", "GET", "/api/audit");
      expect(audit.json.entries.every((e: { ownerTeam: string }) => e.ownerTeam === "payments")).toBe(true);
    });

    it("enforces team isolation in PostgreSQL itself (row-level security)", async () => {
      const db = t.context.db;
      const seen = await withTeam(db, "payments", (tx) =>
        tx.query<{ experiment_key: string }>("select experiment_key from experiment_registry"),
      );
      expect(seen.rows.map((r) => r.experiment_key)).not.toContain("reg_private");
      await expect(
        withTeam(db, "payments", (tx) =>
          tx.query(
            "update experiment_registry set name = 'hijacked' where experiment_key = 'reg_private' returning 1",
          ),
        ),
      ).resolves.toMatchObject({ rows: [] });
      await expect(
        withTeam(db, "payments", (tx) =>
          tx.query(
            "insert into experiment_variant (experiment_key, variant_key, position, allocation_percent, owner_team) values ('reg_private', 'evil', 9, 0, 'growth')",
          ),
        ),
      ).rejects.toThrow(/row-level security/);
    });

    it("needs the right role: a viewer cannot create, an editor cannot approve", async () => {
      const res = await t.request("vic", "POST", "/api/experiments", experimentBody("reg_viewer"));
      expect(res.status).toBe(403);
      await t.request("ana", "POST", "/api/experiments", experimentBody("reg_roles"));
      await t.request("ana", "POST", "/api/experiments/reg_roles/status", { status: "submitted" });
      const approve = await t.request("ana", "POST", "/api/experiments/reg_roles/status", {
        status: "approved",
      });
      expect(approve.status).toBe(403);
    });

    it("runs the preregistration workflow and refuses illegal transitions with 409", async () => {
      const key = "reg_flow";
      await t.request("ana", "POST", "/api/experiments", experimentBody(key));
      const early = await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "running" });
      expect(early.status).toBe(409);
      expect(early.json.error.message).toMatch(/draft → running/);
      expect(
        (await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "submitted" })).json
          .status,
      ).toBe("submitted");
      expect((await t.request("ana", "PATCH", `/api/experiments/${key}`, { name: "changed" })).status).toBe(
        409,
      );
      const self = await t.request("ada", "POST", `/api/experiments/${key}/status`, { status: "approved" });
      expect(self.status).toBe(200);
      expect(self.json.approved_by).toMatch(/^ada-/);
      const started = await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "running" });
      expect(started.json.status).toBe("running");
      for (const to of ["draft", "submitted", "approved", "archived"]) {
        const res = await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: to });
        expect(res.status).toBe(409);
        expect(res.json.error.field).toBe("status");
      }
      expect(
        (await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "paused" })).json.status,
      ).toBe("paused");
      expect(
        (await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "completed" })).json
          .status,
      ).toBe("completed");
      expect(
        (await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "running" })).status,
      ).toBe(409);
      const audit = await t.request("vic", "GET", `/api/experiments/${key}/audit`);
      expect(audit.json.entries.map((e: { action: string }) => e.action).reverse()).toEqual([
        "create",
        "status:submitted",
        "status:approved",
        "status:running",
        "status:paused",
        "status:completed",
      ]);
      const last = audit.json.entries[0];
      expect(last.before.status).toBe("paused");
      expect(last.after.status).toBe("completed");
    });

    it("refuses approval by the author, and submission without guardrail or power analysis", async () => {
      const key = "reg_author";
      const created = await t.request("rui", "POST", "/api/experiments", experimentBody(key));
      expect(created.status).toBe(201);
      await t.request("rui", "POST", `/api/experiments/${key}/status`, { status: "submitted" });
      const own = await t.request("rui", "POST", `/api/experiments/${key}/status`, { status: "approved" });
      expect(own.status).toBe(403);
      expect(own.json.error.field).toBe("approved_by");

      await t.request(
        "ana",
        "POST",
        "/api/experiments",
        experimentBody("reg_noguard", {
          metrics: [{ metric_key: "conversion_7d", role: "primary", direction: "increase" }],
        }),
      );
      const noGuard = await t.request("ana", "POST", "/api/experiments/reg_noguard/status", {
        status: "submitted",
      });
      expect(noGuard.status).toBe(409);
      expect(noGuard.json.error.field).toBe("metrics");
      await t.request(
        "ana",
        "POST",
        "/api/experiments",
        experimentBody("reg_nopower", { power_analysis: null }),
      );
      const noPower = await t.request("ana", "POST", "/api/experiments/reg_nopower/status", {
        status: "submitted",
      });
      expect(noPower.status).toBe(409);
      expect(noPower.json.error.field).toBe("power_analysis");
      const patched = await t.request("ana", "PATCH", "/api/experiments/reg_nopower", {
        power_analysis: { baseline_rate: 0.2, mde_abs: 0.02 },
      });
      expect(patched.status).toBe(200);
      expect(patched.json.name).toBe("Experiment reg_nopower");
      expect(patched.json.power_analysis.n_per_variant).toBeGreaterThan(0);
      expect(
        (await t.request("ana", "POST", "/api/experiments/reg_nopower/status", { status: "submitted" }))
          .status,
      ).toBe(200);
    });

    it("keeps the audit log append-only, even for the database owner", async () => {
      await expect(t.context.db.query("update audit_log set actor = 'someone else'")).rejects.toThrow(
        /append-only/,
      );
      await expect(t.context.db.query("delete from audit_log")).rejects.toThrow(/append-only/);
    });
  });

  describe.skipIf(!backend.available)("flags, segments, metrics", () => {
    it.each([
      ["an invalid key", "Bad-Key", { type: "boolean", default_value: false }, "key"],
      [
        "a rollout above 100",
        "f_rollout",
        { type: "boolean", default_value: false, rollout_percentage: 120 },
        "rollout_percentage",
      ],
      [
        "a rollout below 0",
        "f_rollout2",
        { type: "boolean", default_value: false, rollout_percentage: -1 },
        "rollout_percentage",
      ],
      [
        "a dependency on a missing flag",
        "f_dep",
        { type: "boolean", default_value: false, dependencies: [{ flag_key: "ghost", value: true }] },
        "dependencies[0].flag_key",
      ],
      ["a default of the wrong type", "f_type", { type: "number", default_value: "ten" }, "default_value"],
      ["an unknown type", "f_kind", { type: "date", default_value: 1 }, "type"],
    ])("rejects a flag with %s", async (_label, key, body, field) => {
      const res = await t.request("ana", "PUT", `/api/flags/${key}`, body);
      expect(res.status).toBe(400);
      expect(res.json.error.field).toBe(field);
    });

    it("stores flags and segments per team, audited, and validates metric definitions", async () => {
      const seg = await t.request("ana", "PUT", "/api/segments/beta_users", {
        condition: { attribute: "beta", op: "eq", value: true },
      });
      expect(seg.status).toBe(200);
      const base = await t.request("ana", "PUT", "/api/flags/new_checkout", {
        type: "boolean",
        default_value: false,
        enabled: true,
        rollout_percentage: 25,
      });
      expect(base.status).toBe(200);
      const dep = await t.request("ana", "PUT", "/api/flags/new_checkout_banner", {
        type: "string",
        default_value: "off",
        variation_value: "on",
        enabled: true,
        rollout_percentage: 100,
        dependencies: [{ flag_key: "new_checkout", value: true }],
      });
      expect(dep.status).toBe(200);
      expect((await t.request("pat", "GET", "/api/flags/new_checkout")).status).toBe(404);
      expect(
        (await t.request("pat", "PUT", "/api/flags/new_checkout", { type: "boolean", default_value: true }))
          .status,
      ).toBe(409);
      const updated = await t.request("ana", "PUT", "/api/flags/new_checkout", {
        type: "boolean",
        default_value: false,
        enabled: true,
        rollout_percentage: 50,
      });
      expect(updated.json.rollout_percentage).toBe(50);
      const audit = await t.request("vic", "GET", "/api/audit?entity_type=flag&entity_key=new_checkout");
      expect(audit.json.entries[0]).toMatchObject({ action: "update" });
      expect(audit.json.entries[0].before.rollout_percentage).toBe(25);
      const badMetric = await t.request("ana", "PUT", "/api/metrics/bad_metric", {
        type: "sum",
        window_days: 0,
        event: "purchase",
      });
      expect(badMetric.status).toBe(400);
      expect(badMetric.json.error.field).toBe("window_days");
      expect((await t.request("pat", "GET", "/api/metrics/conversion_7d")).status).toBe(200);
    });
  });

  describe.skipIf(!backend.available)("delivery and assignment", () => {
    it("serves the SDK payload with an ETag, 304 when unchanged, a new ETag after a change", async () => {
      const first = await t.request("vic", "GET", "/api/sdk/config?environment=staging");
      expect(first.status).toBe(200);
      expect(first.json.version).toBe(1);
      expect(first.json.environment).toBe("staging");
      expect(first.headers["cache-control"]).toContain("no-cache");
      const etag = String(first.headers.etag);
      const again = await t.request("vic", "GET", "/api/sdk/config?environment=staging", undefined, {
        "if-none-match": etag,
      });
      expect(again.status).toBe(304);
      await t.request("ana", "PUT", "/api/flags/etag_probe", {
        type: "boolean",
        default_value: false,
        enabled: true,
        rollout_percentage: 10,
      });
      const changed = await t.request("vic", "GET", "/api/sdk/config?environment=staging", undefined, {
        "if-none-match": etag,
      });
      expect(changed.status).toBe(200);
      expect(changed.headers.etag).not.toBe(etag);
      expect(changed.json.flags.map((f: { key: string }) => f.key)).toContain("etag_probe");
      const other = await t.request("pat", "GET", "/api/sdk/config");
      expect(other.json.flags.map((f: { key: string }) => f.key)).not.toContain("etag_probe");
    });

    it("assigns through the SDK and logs each first assignment exactly once under concurrency", async () => {
      const key = "reg_assign";
      await t.request("ana", "POST", "/api/experiments", experimentBody(key));
      await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "submitted" });
      await t.request("rui", "POST", `/api/experiments/${key}/status`, { status: "approved" });
      await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "running" });
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          t.request("vic", "POST", "/api/assign", { user_id: `user-${i % 4}`, experiments: [key] }),
        ),
      );
      for (const r of responses) expect(r.status).toBe(200);
      const firsts = responses.filter((r) => r.json.assignments[0].first_assignment);
      expect(firsts).toHaveLength(4);
      const byUser = new Map<string, Set<string>>();
      for (const r of responses) {
        const set = byUser.get(r.json.user_id) ?? new Set();
        set.add(r.json.assignments[0].variant);
        byUser.set(r.json.user_id, set);
      }
      for (const variants of byUser.values()) expect(variants.size).toBe(1);
      // Logged through the write-ahead log; the compactor moves it into the lake's raw/assignments.
      const again = await t.request("vic", "POST", "/api/assign", { user_id: "user-0", experiments: [key] });
      expect(again.json.assignments[0].first_assignment).toBe(false);
      expect((await t.context.compact()).assignments).toBe(4);
      const files = await listFiles(join(t.context.lake.dir, "raw", "assignments"), ".parquet");
      const lakeRows = (await t.context.lake.reader.fileRows(files, {
        columns: ["user_id", "variant_id"],
        filter: { kind: "equals", column: "experiment_id", value: key },
      })) as Array<{ user_id: string; variant_id: string }>;
      expect(lakeRows.map((r) => r.user_id).sort()).toEqual(["user-0", "user-1", "user-2", "user-3"]);
      for (const r of lakeRows) expect(byUser.get(r.user_id)?.has(r.variant_id)).toBe(true);
    });
  });
});
