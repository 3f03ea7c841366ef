import { createAssayClient, validatePayload } from "@assay/sdk";
import { describe, expect, it } from "vitest";
import type { StoredFlag } from "../src/registry/definition-store.js";
import type { Experiment } from "../src/registry/experiment-schema.js";
import { buildSdkPayload } from "../src/registry/sdk-payload.js";

const segments = [
  { key: "beta", condition: { attribute: "beta", op: "eq", value: true }, is_active: true },
  { key: "staff", condition: { attribute: "staff", op: "eq", value: true }, is_active: true },
  { key: "retired", condition: { attribute: "plan", op: "eq", value: "legacy" }, is_active: false },
];

function flag(overrides: Partial<StoredFlag>): StoredFlag {
  return {
    key: "new_checkout",
    name: "New checkout",
    description: "",
    owner_team: "growth",
    type: "boolean",
    default_value: false,
    enabled: true,
    rollout_percentage: 0,
    variation_value: null,
    targeting: { include_segments: [], exclude_segments: [], condition: null },
    dependencies: [],
    experiment_key: null,
    killed: false,
    environment: "production",
    overrides: [],
    updated_at: "2026-02-01T00:00:00.000Z",
    ...overrides,
  };
}

/** Share of `n` identities with `attributes` served true. */
function servedShare(f: StoredFlag, attributes: Record<string, unknown>, n = 4000): number {
  const payload = buildSdkPayload(
    { experiments: [], flags: [f], segments },
    "production",
    "server",
    new Date(0),
  );
  const checked = validatePayload(JSON.parse(JSON.stringify(payload)));
  expect(checked.ok).toBe(true);
  const client = createAssayClient({ payload, onError: (e) => expect.fail(String(e)) });
  let on = 0;
  for (let i = 0; i < n; i++) {
    if (client.getFlag(f.key, false, { ...attributes, identity_id: `user-${i}` })) on++;
  }
  return on / n;
}

// 4000 draws: the share is within 4 standard errors (≤ 0.032) of p.
const near = (share: number, p: number) => expect(Math.abs(share - p)).toBeLessThan(0.032);

describe("flag payload: rollout percentage with targeting", () => {
  it("serves rollout_percentage of the identities matching the targeting, nobody else", () => {
    const f = flag({
      rollout_percentage: 30,
      targeting: { include_segments: ["beta"], exclude_segments: ["staff"], condition: null },
    });
    near(servedShare(f, { beta: true }), 0.3);
    expect(servedShare(f, { beta: false })).toBe(0);
    expect(servedShare(f, { beta: true, staff: true })).toBe(0);
  });

  it("combines the targeting condition with segments and keeps everyone already in as the percentage grows", () => {
    const targeting = {
      include_segments: ["beta", "staff"],
      exclude_segments: [],
      condition: { attribute: "country", op: "in", value: ["DE", "FR"] },
    };
    near(servedShare(flag({ rollout_percentage: 50, targeting }), { staff: true, country: "DE" }), 0.5);
    expect(servedShare(flag({ rollout_percentage: 50, targeting }), { staff: true, country: "US" })).toBe(0);
    const ids = (pct: number) => {
      const payload = buildSdkPayload(
        { experiments: [], flags: [flag({ rollout_percentage: pct, targeting })], segments },
        "production",
        "server",
        new Date(0),
      );
      const client = createAssayClient({ payload });
      return Array.from({ length: 1000 }, (_, i) => `u${i}`).filter((id) =>
        client.getFlag("new_checkout", false, { beta: true, country: "FR", identity_id: id }),
      );
    };
    const small = ids(20);
    const large = new Set(ids(60));
    expect(small.every((id) => large.has(id))).toBe(true);
    expect(large.size).toBeGreaterThan(small.length);
  });

  it("serves every matching identity at 100%, and nobody when only inactive segments are included", () => {
    const all = flag({
      rollout_percentage: 100,
      targeting: { include_segments: ["beta"], exclude_segments: [], condition: null },
    });
    expect(servedShare(all, { beta: true })).toBe(1);
    expect(servedShare(all, { beta: false })).toBe(0);
    const gone = flag({
      rollout_percentage: 100,
      targeting: { include_segments: ["retired"], exclude_segments: [], condition: null },
    });
    expect(servedShare(gone, { plan: "legacy" })).toBe(0);
    expect(servedShare({ ...gone, rollout_percentage: 40 }, { plan: "legacy" })).toBe(0);
  });

  it("keeps an untargeted flag's rollout over everyone", () => {
    near(servedShare(flag({ rollout_percentage: 25 }), {}), 0.25);
  });
});

describe("buildSdkPayload per environment and key kind (issue 19)", () => {
  const experiment = (key: string, environment: string): Experiment => ({
    key,
    name: `Experiment ${key}`,
    description: "secret plans",
    hypothesis: "",
    type: "ab",
    owner_team: "growth",
    status: "running",
    variants: [
      { key: "control", allocation: 50, is_control: true, description: "", configuration: { on: false } },
      { key: "treatment", allocation: 50, is_control: false, description: "", configuration: { on: true } },
    ],
    metrics: [],
    targeting: { include_segments: [], exclude_segments: [], condition: null },
    start_at: "2026-02-01T00:00:00.000Z",
    end_at: null,
    minimum_sample_size: null,
    prereg_url: null,
    power_analysis: null,
    assignment_salt: "s",
    assignment_seed: 0,
    environment,
    created_by: "ana",
    submitted_by: null,
    approved_by: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  });
  const registry = {
    experiments: [experiment("exp_prod", "production"), experiment("exp_dev", "development")],
    flags: [
      flag({
        type: "json",
        default_value: { on: false },
        variation_value: { on: true },
        description: "internal",
        experiment_key: "exp_dev",
        overrides: [{ identity_id: "vip-7", value: { on: true } }],
      }),
    ],
    segments,
  };

  it("carries only the environment's experiments; a flag linked to another environment's serves as unlinked", () => {
    const production = buildSdkPayload(registry, "production", "server", new Date(0));
    expect(production.experiments.map((e) => e.key)).toEqual(["exp_prod"]);
    expect(production.flags[0]!.experimentKey).toBeUndefined();
    expect(validatePayload(JSON.parse(JSON.stringify(production))).ok).toBe(true);
    const development = buildSdkPayload(registry, "development", "server", new Date(0));
    expect(development.experiments.map((e) => e.key)).toEqual(["exp_dev"]);
    expect(development.flags[0]!.experimentKey).toBe("exp_dev");
    expect(validatePayload(JSON.parse(JSON.stringify(development))).ok).toBe(true);
  });

  it("a client payload has no overrides, descriptions or experiment metadata, and evaluates the same otherwise", () => {
    const server = buildSdkPayload(registry, "development", "server", new Date(0));
    const client = buildSdkPayload(registry, "development", "client", new Date(0));
    expect(server.flags[0]!.overrides).toEqual([{ identityId: "vip-7", value: { on: true } }]);
    expect(client.flags[0]!.overrides).toEqual([]);
    expect(client.flags[0]!.description).toBeUndefined();
    expect(client.experiments[0]).not.toHaveProperty("name");
    expect(client.experiments[0]).not.toHaveProperty("ownerTeam");
    expect(client.experiments[0]).not.toHaveProperty("startAt");
    const text = JSON.stringify(client);
    for (const secret of ["vip-7", "internal", "Experiment exp_dev", "growth"])
      expect(text).not.toContain(secret);
    expect(validatePayload(JSON.parse(text)).ok).toBe(true);
    const a = createAssayClient({ payload: server });
    const b = createAssayClient({ payload: client });
    for (let i = 0; i < 500; i++) {
      const who = { identity_id: `u-${i}` };
      expect(b.getVariant("exp_dev", who)).toBe(a.getVariant("exp_dev", who));
      expect(b.getFlag("new_checkout", {}, who)).toEqual(a.getFlag("new_checkout", {}, who));
    }
    expect(a.getFlagDetails("new_checkout", {}, { identity_id: "vip-7" }).reason).toBe("OVERRIDE");
  });
});
