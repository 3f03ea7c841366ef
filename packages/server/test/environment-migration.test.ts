import { createAssayClient } from "@assay/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/db/migrate.js";
import { createPgliteDatabase, type Database } from "../src/index.js";
import type { StoredFlag } from "../src/registry/definition-store.js";
import type { Experiment } from "../src/registry/experiment-schema.js";
import { buildSdkPayload } from "../src/registry/sdk-payload.js";
import { createTestApp, type TestApp } from "./helpers/test-app.js";

const targeting = (include: string[] = []) => ({
  include_segments: include,
  exclude_segments: [],
  condition: null,
});

// Flags as the registry held them before migration 200: state on the flag row itself.
const oldFlags = [
  { key: "ramp", enabled: true, killed: false, rollout: 30, targeting: targeting() },
  { key: "beta_only", enabled: true, killed: false, rollout: 100, targeting: targeting(["beta"]) },
  { key: "beta_half", enabled: true, killed: false, rollout: 50, targeting: targeting(["beta"]) },
  { key: "killed_one", enabled: false, killed: true, rollout: 100, targeting: targeting() },
  { key: "saved_off", enabled: false, killed: false, rollout: 100, targeting: targeting() },
];

/** Migration 200 (issue 19): existing flag state moves into every default environment, production unchanged. */
describe("migration 200: flags per environment", () => {
  let db: Database;
  let t: TestApp;
  let before: StoredFlag[];

  beforeAll(async () => {
    db = await createPgliteDatabase();
    await migrate(db, { upTo: 199 });
    await db.query(
      "insert into segment (segment_key, name, owner_team, conditions) values ('beta', 'beta', 'growth', $1)",
      [JSON.stringify({ condition: { attribute: "beta", op: "eq", value: true }, description: "" })],
    );
    for (const f of oldFlags)
      await db.query(
        `insert into feature_flag (flag_key, name, owner_team, type, default_value, enabled, killed, rollout_percentage,
           targeting, updated_at)
         values ($1, $1, 'growth', 'boolean', 'false', $2, $3, $4, $5, '2026-01-01T00:00:00Z')`,
        [f.key, f.enabled, f.killed, f.rollout, JSON.stringify(f.targeting)],
      );
    await db.query(
      `insert into experiment_registry (experiment_key, name, type, owner_team, status, assignment_salt, created_by,
         targeting)
       values ('exp_old', 'Old', 'ab', 'growth', 'running', 'salt-old', 'ana', $1)`,
      [JSON.stringify(targeting())],
    );
    for (const [position, v] of ["control", "treatment"].entries())
      await db.query(
        `insert into experiment_variant (experiment_key, variant_key, position, allocation_percent, is_control, owner_team)
         values ('exp_old', $1, $2, 50, $3, 'growth')`,
        [v, position, position === 0],
      );
    // What the server served before: the pre-migration rows as the payload builder reads a flag.
    before = oldFlags.map(
      (f): StoredFlag => ({
        key: f.key,
        name: f.key,
        description: "",
        owner_team: "growth",
        type: "boolean",
        default_value: false,
        variation_value: null,
        dependencies: [],
        experiment_key: null,
        environment: "production",
        enabled: f.enabled,
        killed: f.killed,
        rollout_percentage: f.rollout,
        targeting: f.targeting,
        overrides: [],
        updated_at: "2026-01-01T00:00:00.000Z",
      }),
    );
    t = await createTestApp(db); // migrates the rest
  });
  afterAll(async () => {
    await t?.close();
  });

  it("moves each flag's state into production (and development and staging as copies), nothing else changes", async () => {
    const versions = (await db.query<{ version: number }>("select version from schema_migrations")).rows.map(
      (r) => Number(r.version),
    );
    expect(versions).toContain(200);
    for (const environment of ["production", "staging", "development"]) {
      const { flags } = (await t.request("vic", "GET", `/api/flags?environment=${environment}`)).json;
      for (const f of oldFlags) {
        expect(flags.find((s: { key: string }) => s.key === f.key)).toMatchObject({
          environment,
          enabled: f.enabled,
          killed: f.killed,
          rollout_percentage: f.rollout,
          targeting: f.targeting,
          overrides: [],
        });
      }
    }
    const experiment = (await t.request("vic", "GET", "/api/experiments/exp_old")).json;
    expect(experiment.environment).toBe("production");
  });

  it("the production payload serves every identity exactly what the pre-migration registry served", async () => {
    const oldPayload = buildSdkPayload(
      {
        experiments: [],
        flags: before,
        segments: [{ key: "beta", condition: { attribute: "beta", op: "eq", value: true }, is_active: true }],
      },
      "production",
      "server",
      new Date(0),
    );
    const oldClient = createAssayClient({ payload: oldPayload });
    for (const environment of ["production", "staging", "development"]) {
      const payload = (await t.request("vic", "GET", `/api/sdk/config?environment=${environment}`)).json;
      const client = createAssayClient({ payload });
      for (let i = 0; i < 1500; i++) {
        const attributes = { identity_id: `user-${i}`, beta: i % 3 === 0 };
        for (const f of oldFlags)
          expect(client.getFlagDetails(f.key, false, attributes)).toEqual(
            oldClient.getFlagDetails(f.key, false, attributes),
          );
      }
      // The running experiment was in production's payload before and stays there only.
      const keys = payload.experiments.map((e: Experiment) => e.key);
      expect(keys.includes("exp_old")).toBe(environment === "production");
    }
    // A killed flag stays restorable where it was killed.
    const restored = await t.request("ana", "POST", "/api/flags/killed_one/restore?environment=production");
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ enabled: true, killed: false });
    expect((await t.request("vic", "GET", "/api/flags/killed_one?environment=staging")).json.killed).toBe(
      true,
    );
  });
});
