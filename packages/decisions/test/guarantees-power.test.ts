// decisions-contract.md, "What the policy must guarantee": the power cases, 300 seeded histories each.
import { describe, expect, it } from "vitest";
import { measureScenario } from "../src/index.js";

describe("policy guarantees under alternatives (300 histories each)", () => {
  it("a guardrail harmed by three times its threshold trips in ≥ 90 %, in half of the histories within 4 days", async () => {
    const r = await measureScenario("guardrail_three_times", 300, 3_000_000);
    expect(r.failClosed).toBeGreaterThanOrEqual(0.9);
    expect(r.failClosedWithin4Days).toBeGreaterThanOrEqual(0.5);
  }, 240_000);

  it("a primary effect of twice the planned MDE ships in ≥ 90 %", async () => {
    expect((await measureScenario("primary_twice_mde", 300, 4_000_000)).ship).toBeGreaterThanOrEqual(0.9);
  }, 240_000);

  it("a 51/49 split configured as 50/50 is alerted in ≥ 95 % by 100,000 units", async () => {
    expect((await measureScenario("srm_51_49", 300, 5_000_000)).srmAlert).toBeGreaterThanOrEqual(0.95);
  }, 240_000);
});
