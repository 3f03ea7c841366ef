import { describe, expect, it } from "vitest";
import {
  type AssayError,
  createAssayClient,
  createCookieStickyStore,
  createLocalStorageStickyStore,
  createMemoryStickyStore,
  type Exposure,
  type KeyValueStorage,
  type StickyAssignmentStore,
} from "../src/index.js";
import { experiment, flag, payload } from "./fixtures.js";

describe("exposure callback", () => {
  it("fires once per identity × experiment, with metadata, variant and reason", () => {
    const exposures: Exposure[] = [];
    const client = createAssayClient({
      payload: payload({
        experiments: [experiment("pricing", { name: "Pricing", ownerTeam: "growth" })],
        flags: [flag("copy", { type: "string", defaultValue: "A", experimentKey: "pricing" })],
      }),
      onExposure: (e) => exposures.push(e),
    });
    for (let i = 0; i < 3; i++) {
      client.getVariant("pricing", { identity_id: "u-1" });
      client.getFlag("copy", "Z", { identity_id: "u-1" });
      client.getVariant("pricing", { identity_id: "u-2" });
    }
    expect(exposures.map((e) => e.identityId)).toEqual(["u-1", "u-2"]);
    const first = exposures[0]!;
    expect(first.experiment.name).toBe("Pricing");
    expect(first.experiment.ownerTeam).toBe("growth");
    expect(first.reason).toBe("ASSIGNED");
    expect(first.iteration).toBe(1);
    expect(first.variant.key).toBe(client.getVariant("pricing", { identity_id: "u-1" }));
  });

  it("does not fire for identities outside the experiment, nor through prerequisites", () => {
    const exposures: Exposure[] = [];
    const client = createAssayClient({
      payload: payload({
        experiments: [experiment("closed", { coverage: 0 }), experiment("open")],
        flags: [
          flag("exp-flag", { type: "string", defaultValue: "A", experimentKey: "open" }),
          flag("gated", { prerequisites: [{ flagKey: "exp-flag", value: "B" }] }),
        ],
      }),
      onExposure: (e) => exposures.push(e),
    });
    expect(client.getVariant("closed", { identity_id: "u-1" })).toBeNull();
    client.getFlag("gated", false, { identity_id: "u-1" });
    expect(exposures).toEqual([]);
  });
});

describe("salt rotation with sticky assignments", () => {
  const ids = Array.from({ length: 400 }, (_, i) => `user-${i}`);

  it("keeps every earlier assignment through a rotation; new identities hash with the new salt", () => {
    const store = createMemoryStickyStore();
    const before = createAssayClient({
      payload: payload({ experiments: [experiment("e")] }),
      stickyStore: store,
    });
    const assigned = new Map(ids.map((id) => [id, before.getVariant("e", { identity_id: id })]));
    const rotated = payload({ experiments: [experiment("e", { salt: "2026-12", iteration: 2 })] });
    const after = createAssayClient({ payload: rotated, stickyStore: store });
    for (const id of ids) {
      const a = after.getAssignment("e", { identity_id: id });
      expect(a.variant).toBe(assigned.get(id));
      expect(a.reason).toBe("STICKY");
      expect(a.iteration).toBe(1);
    }
    const fresh = createAssayClient({ payload: rotated });
    const moved = ids.filter((id) => fresh.getVariant("e", { identity_id: id }) !== assigned.get(id));
    expect(moved.length).toBeGreaterThan(100);
    const newcomer = after.getAssignment("e", { identity_id: "newcomer" });
    expect(newcomer.reason).toBe("ASSIGNED");
    expect(newcomer.iteration).toBe(2);
  });

  it("minStickyIteration discards older sticky assignments", () => {
    const store = createMemoryStickyStore();
    createAssayClient({
      payload: payload({ experiments: [experiment("e")] }),
      stickyStore: store,
    }).getVariant("e", {
      identity_id: "u",
    });
    const reset = payload({
      experiments: [experiment("e", { salt: "x", iteration: 2, minStickyIteration: 2 })],
    });
    const a = createAssayClient({ payload: reset, stickyStore: store }).getAssignment("e", {
      identity_id: "u",
    });
    expect(a.reason).toBe("ASSIGNED");
    expect(store.get("u", "e")?.iteration).toBe(2);
  });

  it("persists through Web Storage and cookies", () => {
    const items = new Map<string, string>();
    const storage: KeyValueStorage = {
      getItem: (k) => items.get(k) ?? null,
      setItem: (k, v) => void items.set(k, v),
    };
    let cookies = new Map<string, string>();
    const jar = {
      get cookie() {
        return [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      },
      set cookie(text: string) {
        const [pair] = text.split("; ");
        const eq = pair!.indexOf("=");
        cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      },
    };
    for (const makeStore of [
      () => createLocalStorageStickyStore({ storage }),
      () => createCookieStickyStore({ document: jar }),
    ]) {
      const first = createAssayClient({
        payload: payload({ experiments: [experiment("e")] }),
        stickyStore: makeStore(),
      });
      const variant = first.getVariant("e", { identity_id: "u 1/ü" });
      const rotated = payload({ experiments: [experiment("e", { salt: "new", iteration: 2 })] });
      // A new store object reads what the first one wrote, as after a page reload.
      const second = createAssayClient({ payload: rotated, stickyStore: makeStore() });
      expect(second.getAssignment("e", { identity_id: "u 1/ü" })).toMatchObject({
        variant,
        reason: "STICKY",
      });
    }
    expect(items.size).toBe(1);
    expect([...cookies.keys()]).toEqual([`assay_sticky_${encodeURIComponent("u 1/ü")}`]);
    cookies = new Map();
  });

  it("a failing sticky store is reported, and assignment goes on", () => {
    const errors: AssayError[] = [];
    const broken: StickyAssignmentStore = {
      get: () => {
        throw new Error("disk full");
      },
      set: () => {
        throw new Error("disk full");
      },
    };
    const client = createAssayClient({
      payload: payload({ experiments: [experiment("e")] }),
      stickyStore: broken,
      onError: (e) => errors.push(e),
    });
    expect(client.getVariant("e", { identity_id: "u" })).not.toBeNull();
    expect(client.getVariant("e", { identity_id: "u" })).not.toBeNull();
    expect(errors.map((e) => e.code)).toEqual(["STICKY_STORE_FAILED", "STICKY_STORE_FAILED"]);
  });
});

describe("never throws into the host", () => {
  it("a malformed payload serves code defaults and is reported once", () => {
    const errors: AssayError[] = [];
    const client = createAssayClient({
      payload: { version: 1, flags: "nope" },
      onError: (e) => errors.push(e),
    });
    expect(client.getFlag("a", true)).toBe(true);
    expect(client.getFlag("b", "x", { identity_id: "u" })).toBe("x");
    expect(client.getFlagDetails("a", 3).reason).toBe("ERROR");
    expect(client.getVariant("e", { identity_id: "u" })).toBeNull();
    expect(client.getAssignment("e").reason).toBe("ERROR");
    expect(errors[0]).toMatchObject({ code: "INVALID_PAYLOAD", path: "$.environment" });
    expect(errors.filter((e) => e.code === "INVALID_PAYLOAD").length).toBeLessThanOrEqual(3);
    expect(new Set(errors.map((e) => e.message)).size).toBe(errors.length);
    expect(client.getPayload()).toBeNull();
  });

  it("non-object payloads and hostile attributes do not throw", () => {
    for (const bad of [null, undefined, "{}", 42, [], { version: 1 }]) {
      const client = createAssayClient({ payload: bad, onError: () => {} });
      expect(client.isEnabled("x")).toBe(false);
    }
    const client = createAssayClient({
      payload: payload({
        flags: [
          flag("f", { rules: [{ condition: { attribute: "plan", op: "eq", value: "pro" }, value: true }] }),
        ],
      }),
      onError: () => {},
    });
    const hostile = Object.defineProperty({}, "plan", {
      get() {
        throw new Error("boom");
      },
    });
    expect(client.getFlagDetails("f", false, hostile)).toEqual({
      flagKey: "f",
      value: false,
      reason: "ERROR",
    });
  });

  it("setPayload swaps in a valid payload and rejects a bad one", () => {
    const client = createAssayClient({ payload: payload({ flags: [flag("f", { defaultValue: true })] }) });
    expect(client.isEnabled("f")).toBe(true);
    expect(client.setPayload({ broken: true })).toBe(false);
    expect(client.getFlag("f", false)).toBe(false);
    expect(client.setPayload(payload({ flags: [flag("f", { defaultValue: true })] }))).toBe(true);
    expect(client.isEnabled("f")).toBe(true);
  });
});

describe("holdout", () => {
  it("holds out about its percentage from every experiment except the exempt ones", () => {
    const client = createAssayClient({
      payload: payload({
        holdout: { key: "global-holdout", percentage: 10, salt: "h", seed: 3 },
        experiments: [experiment("a"), experiment("b"), experiment("c", { holdoutExempt: true })],
      }),
    });
    let held = 0;
    for (let i = 0; i < 20_000; i++) {
      const attributes = { identity_id: `id-${i}` };
      const a = client.getAssignment("a", attributes).reason;
      const b = client.getAssignment("b", attributes).reason;
      expect(a === "HOLDOUT").toBe(b === "HOLDOUT");
      expect(client.getAssignment("c", attributes).reason).toBe("ASSIGNED");
      if (a === "HOLDOUT") held++;
    }
    expect(held / 20_000).toBeGreaterThan(0.09);
    expect(held / 20_000).toBeLessThan(0.11);
  });
});
