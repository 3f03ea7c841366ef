// decisions-contract.md, "What the policy must guarantee": the null cases, 1,000 seeded histories each of 336
// hourly runs, replayed through replayHistory → evaluate exactly as `assay decide --replay` and the server run it.
import { describe, expect, it } from "vitest";
import { measureScenario } from "../src/index.js";

describe("policy guarantees under the null (1,000 histories each)", () => {
  it("no effect, three guardrails: fail-closed ≤ 5 %, ship or roll back ≤ 5 %, SRM alert ≤ 1 %", async () => {
    const r = await measureScenario("no_effect", 1000, 1_000_000);
    expect(r.failClosed).toBeLessThanOrEqual(0.05);
    expect(r.shipOrRollBack).toBeLessThanOrEqual(0.05);
    expect(r.srmAlert).toBeLessThanOrEqual(0.01);
  }, 240_000);

  it("a guardrail whose true harm equals its threshold trips in ≤ 5 %", async () => {
    const r = await measureScenario("guardrail_at_threshold", 1000, 2_000_000);
    expect(r.failClosed).toBeLessThanOrEqual(0.05);
  }, 240_000);
});
