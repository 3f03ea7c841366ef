import { createSeededRandom, meanTest } from "@assay/stats";
import { describe, expect, it } from "vitest";
import { createSequentialPlan, lookAt, sequentialOutcome } from "../src/sequential-plan.js";

/** Exact two-sided binomial interval [lo, hi] holding ≥ 1 − level of Binomial(n, p) mass. */
function binomialInterval(n: number, p: number, level: number): [number, number] {
  const pmf: number[] = [];
  let logP = n * Math.log(1 - p);
  for (let k = 0; k <= n; k++) {
    pmf.push(Math.exp(logP));
    logP += Math.log((n - k) / (k + 1)) + Math.log(p / (1 - p));
  }
  let lo = 0;
  let tail = 0;
  while (tail + (pmf[lo] ?? 0) <= level / 2) tail += pmf[lo++] ?? 0;
  let hi = n;
  tail = 0;
  while (tail + (pmf[hi] ?? 0) <= level / 2) tail += pmf[hi--] ?? 0;
  return [lo, hi];
}

describe("group-sequential looks (seeded simulation of null experiments)", () => {
  it("Pocock with 5 looks keeps the overall false-positive rate at alpha; naive repeated testing does not", () => {
    const experiments = 500;
    const fractions = [0.2, 0.4, 0.6, 0.8, 1];
    const perLook = 200;
    const plan = createSequentialPlan({ fractions });
    const random = createSeededRandom(20260222);
    let pocock = 0;
    let naive = 0;
    for (let e = 0; e < experiments; e++) {
      const arms = [
        { n: 0, sum: 0 },
        { n: 0, sum: 0 },
      ];
      let pocockStopped = false;
      let naiveStopped = false;
      for (let look = 1; look <= fractions.length; look++) {
        for (const arm of arms) {
          for (let i = 0; i < perLook; i++) arm.sum += random() < 0.1 ? 1 : 0;
          arm.n += perLook;
        }
        const [c, t] = arms.map((a) => ({ n: a.n, sum: a.sum, sumSquares: a.sum })) as [
          { n: number; sum: number; sumSquares: number },
          { n: number; sum: number; sumSquares: number },
        ];
        const r = meanTest(c, t);
        const z = r.diff / r.se;
        expect(lookAt(plan, arms[0]!.n / (perLook * fractions.length))).toBe(look);
        const outcome = sequentialOutcome(plan, look, z);
        if (!pocockStopped && (outcome === "efficacy" || outcome === "harm")) pocockStopped = true;
        if (!naiveStopped && r.pValue < 0.05) naiveStopped = true;
      }
      if (pocockStopped) pocock++;
      if (naiveStopped) naive++;
    }
    const [lo, hi] = binomialInterval(experiments, 0.05, 0.001);
    expect(pocock).toBeGreaterThanOrEqual(lo);
    expect(pocock).toBeLessThanOrEqual(hi);
    expect(naive).toBeGreaterThan(hi);
  });

  it("uses the engine's boundaries: Pocock flat, O'Brien–Fleming decreasing, both above 1.96 early", () => {
    const fractions = [0.2, 0.4, 0.6, 0.8, 1];
    const pocock = createSequentialPlan({ fractions });
    const obf = createSequentialPlan({ fractions, method: "obrien_fleming_spending" });
    expect(pocock.method).toBe("pocock_spending");
    expect(Math.max(...pocock.bounds) - Math.min(...pocock.bounds)).toBeLessThan(0.2);
    expect(obf.bounds[0]).toBeGreaterThan(4);
    expect(obf.bounds[4]).toBeLessThan(2.1);
    for (let k = 1; k < obf.bounds.length; k++) expect(obf.bounds[k]).toBeLessThan(obf.bounds[k - 1]!);
  });

  it("stops only when a boundary is crossed; the final look without a crossing has no effect", () => {
    const plan = createSequentialPlan({ fractions: [0.5, 1] });
    const c1 = plan.bounds[0]!;
    expect(lookAt(plan, 0.3)).toBe(0);
    expect(sequentialOutcome(plan, 0, 10)).toBe("continue");
    expect(sequentialOutcome(plan, 1, c1 + 0.01)).toBe("efficacy");
    expect(sequentialOutcome(plan, 1, -c1 - 0.01)).toBe("harm");
    expect(sequentialOutcome(plan, 1, c1 - 0.01)).toBe("continue");
    expect(sequentialOutcome(plan, 2, 0.5)).toBe("final_no_effect");
  });
});
