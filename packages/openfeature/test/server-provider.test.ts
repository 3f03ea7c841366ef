import { createAssayServerProvider } from "@assay/openfeature/server";
import type { Exposure } from "@assay/sdk";
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus } from "@openfeature/server-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { createFixturePayload } from "./payload-fixture.js";

// Through the real @openfeature/server-sdk: the provider is registered with OpenFeature and read by its client.
afterEach(async () => {
  await OpenFeature.clearProviders();
});

describe("Assay's OpenFeature server provider", () => {
  it("maps Assay's values, reasons and variants to resolution details", async () => {
    await OpenFeature.setProviderAndWait(
      createAssayServerProvider({ payload: createFixturePayload(), onError: () => {} }),
    );
    const client = OpenFeature.getClient();

    const de = await client.getBooleanDetails("new-checkout", false, { targetingKey: "u1", country: "DE" });
    expect(de).toMatchObject({
      value: true,
      reason: "TARGETING_MATCH",
      flagMetadata: { assayReason: "TARGETING_MATCH" },
    });
    expect(de.errorCode).toBeUndefined();
    const fr = await client.getBooleanDetails("new-checkout", true, { targetingKey: "u1", country: "FR" });
    expect(fr).toMatchObject({ value: false, reason: "DEFAULT", flagMetadata: { assayReason: "DEFAULT" } });

    expect(await client.getStringDetails("banner-copy", "x", { targetingKey: "u1" })).toMatchObject({
      value: "Hello",
      reason: "DEFAULT",
    });
    expect(await client.getNumberDetails("max-items", 0, { targetingKey: "vip" })).toMatchObject({
      value: 99,
      reason: "TARGETING_MATCH",
      flagMetadata: { assayReason: "OVERRIDE", flagType: "number" },
    });
    expect(await client.getObjectDetails("limits", {}, { targetingKey: "u1" })).toMatchObject({
      value: { depth: 1 },
      reason: "DEFAULT",
    });
    expect(await client.getBooleanDetails("everyone", false, { targetingKey: "u1" })).toMatchObject({
      value: true,
      reason: "SPLIT",
      flagMetadata: { assayReason: "ROLLOUT" },
    });
    expect(await client.getBooleanDetails("disabled", true, { targetingKey: "u1" })).toMatchObject({
      value: false,
      reason: "DISABLED",
      flagMetadata: { assayReason: "OFF" },
    });
    const price = await client.getStringDetails("price-copy", "?", { targetingKey: "u1" });
    expect(price.reason).toBe("SPLIT");
    expect(price.flagMetadata).toMatchObject({ assayReason: "EXPERIMENT", experimentKey: "pricing" });
    expect(price.value).toBe(price.variant === "control" ? "A" : "B");
    expect(["control", "treatment"]).toContain(price.variant);
  });

  it("reports an unknown flag as FLAG_NOT_FOUND and a type mismatch as TYPE_MISMATCH, serving the code default", async () => {
    await OpenFeature.setProviderAndWait(createAssayServerProvider({ payload: createFixturePayload() }));
    const client = OpenFeature.getClient();
    const missing = await client.getBooleanDetails("no-such-flag", true, { targetingKey: "u1" });
    expect(missing).toMatchObject({ value: true, reason: "ERROR", errorCode: ErrorCode.FLAG_NOT_FOUND });
    const mismatch = await client.getStringDetails("new-checkout", "fallback", { targetingKey: "u1" });
    expect(mismatch).toMatchObject({
      value: "fallback",
      reason: "ERROR",
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
    const asNumber = await client.getNumberDetails("banner-copy", 7, { targetingKey: "u1" });
    expect(asNumber).toMatchObject({ value: 7, errorCode: ErrorCode.TYPE_MISMATCH });
  });

  it("is NOT_READY until loadPayload resolves, then READY; ERROR when the loaded payload is invalid", async () => {
    let release: (payload: unknown) => void = () => {};
    const loaded = new Promise<unknown>((resolve) => {
      release = resolve;
    });
    const provider = createAssayServerProvider({ loadPayload: () => loaded, onError: () => {} });
    OpenFeature.setProvider(provider);
    const client = OpenFeature.getClient();
    expect(client.providerStatus).toBe(ProviderStatus.NOT_READY);
    const early = await client.getBooleanDetails("new-checkout", true, { targetingKey: "u1", country: "DE" });
    expect(early).toMatchObject({ value: true, reason: "ERROR", errorCode: ErrorCode.PROVIDER_NOT_READY });

    const ready = new Promise<void>((resolve) => client.addHandler(ProviderEvents.Ready, () => resolve()));
    release(createFixturePayload());
    await ready;
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getBooleanValue("new-checkout", false, { targetingKey: "u1", country: "DE" })).toBe(
      true,
    );

    await OpenFeature.clearProviders();
    const bad = createAssayServerProvider({
      loadPayload: async () => ({ version: 1, flags: "nope" }),
      onError: () => {},
    });
    await expect(OpenFeature.setProviderAndWait(bad)).rejects.toThrow(/rejected/);
    const broken = OpenFeature.getClient();
    expect(broken.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await broken.getBooleanDetails("new-checkout", false)).toMatchObject({
      reason: "ERROR",
      errorCode: ErrorCode.PROVIDER_NOT_READY,
    });
  });

  it("tracks exposures through its hook, once per identity × experiment, not for errors", async () => {
    const exposures: Exposure[] = [];
    await OpenFeature.setProviderAndWait(
      createAssayServerProvider({ payload: createFixturePayload(), onExposure: (e) => exposures.push(e) }),
    );
    const client = OpenFeature.getClient();
    const seenByHook: unknown[] = [];
    client.addHooks({ after: (_ctx, details) => void seenByHook.push(details.flagMetadata.experimentKey) });
    for (const id of ["u1", "u2", "u1", "u3", "u2"])
      await client.getStringValue("price-copy", "?", { targetingKey: id });
    await client.getBooleanValue("new-checkout", false, { targetingKey: "u9" });
    expect(exposures.map((e) => e.identityId)).toEqual(["u1", "u2", "u3"]);
    expect(exposures[0]).toMatchObject({ experimentKey: "pricing", reason: "ASSIGNED", iteration: 1 });
    expect(seenByHook.filter((k) => k === "pricing")).toHaveLength(5);
  });

  it("applies a new payload and announces the changed flags", async () => {
    const provider = createAssayServerProvider({ payload: createFixturePayload() });
    await OpenFeature.setProviderAndWait(provider);
    const client = OpenFeature.getClient();
    const ctx = { targetingKey: "u1", country: "DE" };
    expect(await client.getBooleanValue("new-checkout", false, ctx)).toBe(true);
    const changed = new Promise<string[] | undefined>((resolve) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, (e) => resolve(e?.flagsChanged)),
    );
    expect(provider.setPayload(createFixturePayload({ killCheckout: true }))).toBe(true);
    expect(await changed).toEqual(["new-checkout"]);
    expect(await client.getBooleanDetails("new-checkout", true, ctx)).toMatchObject({
      value: false,
      reason: "DISABLED",
    });
  });
});
