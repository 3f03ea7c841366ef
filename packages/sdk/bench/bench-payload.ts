import type { AssayPayload, Experiment, Flag } from "../src/index.js";

/** mulberry32: a small seeded generator, so the user contexts are the same on every run. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchUser {
  identity_id: string;
  country: string;
  plan: string;
  age: number;
  appVersion: string;
  email: string;
}

const COUNTRIES = ["DE", "FR", "NL", "US", "GB", "ES", "IT", "PL"];
const PLANS = ["free", "pro", "team"];
const VERSIONS = ["2.1.0", "2.2.5", "2.3.0", "2.10.1", "3.0.0-beta.2"];

export function createUsers(count: number, seed: number): BenchUser[] {
  const random = createRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const users: BenchUser[] = new Array(count);
  for (let i = 0; i < count; i++) {
    users[i] = {
      identity_id: `user-${i}`,
      country: pick(COUNTRIES),
      plan: pick(PLANS),
      age: 18 + Math.floor(random() * 60),
      appVersion: pick(VERSIONS),
      email: random() < 0.1 ? `u${i}@example.com` : `u${i}@mail.org`,
    };
  }
  return users;
}

/**
 * 100 flags of five kinds, the same semantics in Assay's payload and in GrowthBook's feature definitions:
 * targeting rules (in, eq + gte), a 30% rollout, an experiment (50/50), a semver rule then a 50% rollout,
 * and a prerequisite gate plus a regex rule.
 */
export function createBenchPayloads(flagCount = 100) {
  const flags: Flag[] = [];
  const experiments: Experiment[] = [];
  const features: Record<string, unknown> = {};
  const defaults: Array<boolean | string> = [];
  const experimentFlagKeys: string[] = [];
  const base = {
    enabled: true,
    killSwitch: false,
    rules: [],
    rollout: null,
    prerequisites: [],
    overrides: [],
  };
  for (let i = 0; i < flagCount; i++) {
    const key = `flag-${i}`;
    switch (i % 5) {
      case 0:
        flags.push({
          ...base,
          key,
          type: "boolean",
          defaultValue: false,
          rules: [
            { condition: { attribute: "country", op: "in", value: ["DE", "FR", "NL"] }, value: true },
            {
              condition: {
                and: [
                  { attribute: "plan", op: "eq", value: "pro" },
                  { attribute: "age", op: "gte", value: 30 },
                ],
              },
              value: true,
            },
          ],
        });
        features[key] = {
          defaultValue: false,
          rules: [
            { condition: { country: { $in: ["DE", "FR", "NL"] } }, force: true },
            { condition: { plan: "pro", age: { $gte: 30 } }, force: true },
          ],
        };
        defaults.push(false);
        break;
      case 1:
        flags.push({
          ...base,
          key,
          type: "boolean",
          defaultValue: false,
          rollout: { percentage: 30, value: true },
        });
        features[key] = {
          defaultValue: false,
          rules: [{ force: true, coverage: 0.3, hashAttribute: "identity_id", seed: key, hashVersion: 2 }],
        };
        defaults.push(false);
        break;
      case 2: {
        const experimentKey = `exp-${i}`;
        experiments.push({
          key: experimentKey,
          status: "running",
          variants: [
            { key: "control", weight: 50, isControl: true, value: "A" },
            { key: "treatment", weight: 50, isControl: false, value: "B" },
          ],
          salt: "2026-11",
          seed: 0,
          iteration: 1,
          coverage: 100,
          targeting: {},
        });
        flags.push({ ...base, key, type: "string", defaultValue: "A", experimentKey });
        features[key] = {
          defaultValue: "A",
          rules: [
            {
              key: experimentKey,
              variations: ["A", "B"],
              weights: [0.5, 0.5],
              coverage: 1,
              hashAttribute: "identity_id",
              hashVersion: 2,
            },
          ],
        };
        defaults.push("A");
        experimentFlagKeys.push(key);
        break;
      }
      case 3:
        flags.push({
          ...base,
          key,
          type: "string",
          defaultValue: "old",
          rules: [{ condition: { attribute: "appVersion", op: "semver_gte", value: "2.3.0" }, value: "new" }],
          rollout: { percentage: 50, value: "mid" },
        });
        features[key] = {
          defaultValue: "old",
          rules: [
            { condition: { appVersion: { $vgte: "2.3.0" } }, force: "new" },
            { force: "mid", coverage: 0.5, hashAttribute: "identity_id", seed: key, hashVersion: 2 },
          ],
        };
        defaults.push("old");
        break;
      default: {
        const parent = `flag-${i - 4}`;
        flags.push({
          ...base,
          key,
          type: "boolean",
          defaultValue: false,
          prerequisites: [{ flagKey: parent, value: true }],
          rules: [{ condition: { attribute: "email", op: "regex", value: "@example\\.com$" }, value: true }],
        });
        features[key] = {
          defaultValue: false,
          rules: [
            { parentConditions: [{ id: parent, condition: { value: true }, gate: true }] },
            { condition: { email: { $regex: "@example\\.com$" } }, force: true },
          ],
        };
        defaults.push(false);
      }
    }
  }
  const payload: AssayPayload = {
    version: 1,
    environment: "bench",
    generatedAt: "2026-11-23T00:00:00Z",
    salt: "rollouts",
    layers: [],
    segments: [],
    experiments,
    flags,
  };
  return {
    payload,
    growthbookFeatures: features,
    flagKeys: flags.map((f) => f.key),
    defaults,
    experimentFlagKeys,
    experimentKeys: experiments.map((e) => e.key),
  };
}
