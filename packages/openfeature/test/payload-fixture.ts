import type { AssayPayload, Flag } from "@assay/sdk";

function flag(key: string, extra: Partial<Flag> = {}): Flag {
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

/** Flags covering each Assay reason, and a two-variant experiment behind a string flag. */
export function createFixturePayload(extra: { killCheckout?: boolean } = {}): AssayPayload {
  return {
    version: 1,
    environment: "test",
    generatedAt: "2026-11-23T12:00:00Z",
    layers: [],
    segments: [],
    experiments: [
      {
        key: "pricing",
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
      },
    ],
    flags: [
      flag("new-checkout", {
        killSwitch: extra.killCheckout ?? false,
        rules: [{ condition: { attribute: "country", op: "eq", value: "DE" }, value: true }],
      }),
      flag("banner-copy", { type: "string", defaultValue: "Hello" }),
      flag("max-items", { type: "number", defaultValue: 10, overrides: [{ identityId: "vip", value: 99 }] }),
      flag("limits", { type: "json", defaultValue: { depth: 1 } }),
      flag("everyone", { rollout: { percentage: 100, value: true } }),
      flag("price-copy", { type: "string", defaultValue: "A", experimentKey: "pricing" }),
      flag("disabled", { enabled: false, defaultValue: false }),
    ],
  };
}
