import { createAssayWebProvider } from "@assay/openfeature/web";
import type { Exposure } from "@assay/sdk";
import type { EvaluationContext } from "@openfeature/web-sdk";
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus } from "@openfeature/web-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { createFixturePayload } from "./payload-fixture.js";

// Through the real @openfeature/web-sdk: a static context, synchronous evaluation, context changes.
afterEach(async () => {
  await OpenFeature.clearProviders();
  await OpenFeature.clearContext();
});

describe("Assay's OpenFeature web provider", () => {
  it("evaluates synchronously with the global context and re-evaluates when it changes", async () => {
    await OpenFeature.setContext({ targetingKey: "u1", country: "DE" });
    await OpenFeature.setProviderAndWait(createAssayWebProvider({ payload: createFixturePayload() }));
    const client = OpenFeature.getClient();
    expect(client.getBooleanDetails("new-checkout", false)).toMatchObject({
      value: true,
      reason: "TARGETING_MATCH",
      flagMetadata: { assayReason: "TARGETING_MATCH", flagType: "boolean" },
    });
    const contextChanged = new Promise<void>((resolve) =>
      client.addHandler(ProviderEvents.ContextChanged, () => resolve()),
    );
    await OpenFeature.setContext({ targetingKey: "vip", country: "FR" });
    await contextChanged;
    expect(client.getBooleanDetails("new-checkout", true)).toMatchObject({ value: false, reason: "DEFAULT" });
    expect(client.getNumberDetails("max-items", 0)).toMatchObject({
      value: 99,
      reason: "TARGETING_MATCH",
      flagMetadata: { assayReason: "OVERRIDE" },
    });
  });

  it("reloads the payload for the new context (RECONCILING meanwhile) and announces changed flags", async () => {
    const loads: EvaluationContext[] = [];
    let release: () => void = () => {};
    const provider = createAssayWebProvider({
      loadPayload: async (context) => {
        loads.push(context);
        if (loads.length === 1) return createFixturePayload();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return createFixturePayload({ killCheckout: context.targetingKey === "u2" });
      },
    });
    await OpenFeature.setContext({ targetingKey: "u1", country: "DE" });
    await OpenFeature.setProviderAndWait(provider);
    const client = OpenFeature.getClient();
    expect(client.getBooleanValue("new-checkout", false)).toBe(true);

    const changedFlags = new Promise<string[] | undefined>((resolve) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, (e) => resolve(e?.flagsChanged)),
    );
    const switching = OpenFeature.setContext({ targetingKey: "u2", country: "DE" });
    await new Promise((r) => setTimeout(r, 10));
    expect(client.providerStatus).toBe(ProviderStatus.RECONCILING);
    release();
    await switching;
    expect(await changedFlags).toEqual(["new-checkout"]);
    expect(loads.map((c) => c.targetingKey)).toEqual(["u1", "u2"]);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(client.getBooleanDetails("new-checkout", true)).toMatchObject({
      value: false,
      reason: "DISABLED",
    });
  });

  it("reports FLAG_NOT_FOUND, TYPE_MISMATCH and PROVIDER_NOT_READY with the code default", async () => {
    await OpenFeature.setContext({ targetingKey: "u1" });
    let release: (p: unknown) => void = () => {};
    const provider = createAssayWebProvider({
      loadPayload: () =>
        new Promise((resolve) => {
          release = resolve;
        }),
    });
    OpenFeature.setProvider(provider);
    const client = OpenFeature.getClient();
    expect(client.providerStatus).toBe(ProviderStatus.NOT_READY);
    expect(client.getBooleanDetails("new-checkout", true)).toMatchObject({
      value: true,
      reason: "ERROR",
      errorCode: ErrorCode.PROVIDER_NOT_READY,
    });
    const ready = new Promise<void>((resolve) => client.addHandler(ProviderEvents.Ready, () => resolve()));
    release(createFixturePayload());
    await ready;
    expect(client.getBooleanDetails("nope", true)).toMatchObject({
      value: true,
      reason: "ERROR",
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
    expect(client.getObjectDetails("banner-copy", { a: 1 })).toMatchObject({
      value: { a: 1 },
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
    expect(client.getObjectDetails("limits", {})).toMatchObject({ value: { depth: 1 }, reason: "DEFAULT" });
  });

  it("tracks exposures through its hook", async () => {
    const exposures: Exposure[] = [];
    await OpenFeature.setContext({ targetingKey: "u7" });
    await OpenFeature.setProviderAndWait(
      createAssayWebProvider({ payload: createFixturePayload(), onExposure: (e) => exposures.push(e) }),
    );
    const client = OpenFeature.getClient();
    const first = client.getStringDetails("price-copy", "?");
    client.getStringDetails("price-copy", "?");
    expect(exposures).toHaveLength(1);
    expect(exposures[0]).toMatchObject({ experimentKey: "pricing", identityId: "u7" });
    expect(exposures[0]?.variant.key).toBe(first.variant);
  });
});
