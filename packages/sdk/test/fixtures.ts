import type { AssayPayload, Experiment, Flag } from "../src/index.js";

/** A running two-variant experiment with everything optional left out. */
export function experiment(key: string, extra: Partial<Experiment> = {}): Experiment {
  return {
    key,
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
    ...extra,
  };
}

export function flag(key: string, extra: Partial<Flag> = {}): Flag {
  return {
    key,
    type: "boolean",
    defaultValue: false,
    enabled: true,
    killSwitch: false,
    rules: [],
    rollout: null,
    prerequisites: [],
    overrides: [],
    ...extra,
  };
}

export function payload(extra: Partial<AssayPayload> = {}): AssayPayload {
  return {
    version: 1,
    environment: "test",
    generatedAt: "2026-11-23T12:00:00Z",
    layers: [],
    segments: [],
    experiments: [],
    flags: [],
    ...extra,
  };
}
