import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  adjustPValues,
  alphaSpending,
  bayesBinomial,
  cupedTest,
  meanTest,
  ratioTest,
  SPENDING_METHODS,
  sequentialBounds,
  srmTest,
} from "../src/index.js";
import { alpha, alternative, cupedArm, meanArm, ratioArm } from "./arbitraries.js";

const inUnit = (p: number) => p >= 0 && p <= 1;
const close = (a: number, b: number, scale: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(scale));

describe("properties of the tests", () => {
  it("mean: p in [0,1], CI contains the estimate, swapping arms negates the difference", () => {
    fc.assert(
      fc.property(meanArm, meanArm, alpha, alternative, (c, t, a, alt) => {
        const r = meanTest(c, t, { alpha: a, alternative: alt });
        expect(inUnit(r.pValue)).toBe(true);
        expect(r.ciLow <= r.diff && r.diff <= r.ciHigh).toBe(true);
        if (Number.isFinite(r.relLift))
          expect(r.relCiLow <= r.relLift && r.relLift <= r.relCiHigh).toBe(true);
        const swapped = meanTest(t, c, { alpha: a });
        expect(close(swapped.diff, -r.diff, r.se)).toBe(true);
        if (alt === "two-sided") expect(Math.abs(swapped.pValue - r.pValue)).toBeLessThan(1e-9);
      }),
    );
  });

  it("ratio: p in [0,1], CI contains the estimate, swapping arms negates the difference", () => {
    fc.assert(
      fc.property(ratioArm, ratioArm, alpha, alternative, (c, t, a, alt) => {
        const r = ratioTest(c, t, { alpha: a, alternative: alt });
        expect(inUnit(r.pValue)).toBe(true);
        expect(r.ciLow <= r.diff && r.diff <= r.ciHigh).toBe(true);
        if (Number.isFinite(r.relLift))
          expect(r.relCiLow <= r.relLift && r.relLift <= r.relCiHigh).toBe(true);
        expect(close(ratioTest(t, c, { alpha: a }).diff, -r.diff, r.controlValue + r.treatmentValue)).toBe(
          true,
        );
      }),
    );
  });

  it("cuped: p in [0,1], CI contains the estimate, swapping arms negates the difference, θ ≥ 0", () => {
    fc.assert(
      fc.property(cupedArm, cupedArm, alpha, (c, t, a) => {
        const r = cupedTest(c, t, { alpha: a });
        expect(inUnit(r.pValue)).toBe(true);
        expect(r.ciLow <= r.diff && r.diff <= r.ciHigh).toBe(true);
        expect(r.theta).toBeGreaterThanOrEqual(0);
        expect(r.cupedApplied).toBe(r.theta > 0);
        const swapped = cupedTest(t, c, { alpha: a });
        expect(close(swapped.diff, -r.diff, Math.abs(r.controlMean) + Math.abs(r.treatmentMean))).toBe(true);
      }),
    );
  });

  it("srm: p in [0,1], statistic ≥ 0, df = k − 1", () => {
    const variants = fc.integer({ min: 2, max: 8 });
    fc.assert(
      fc.property(
        variants.chain((k) =>
          fc.tuple(
            fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: k, maxLength: k }),
            fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: k, maxLength: k }),
          ),
        ),
        ([observed, weights]) => {
          fc.pre(observed.some((o) => o > 0));
          const r = srmTest(observed, weights);
          expect(inUnit(r.pValue)).toBe(true);
          expect(r.statistic).toBeGreaterThanOrEqual(0);
          expect(r.df).toBe(observed.length - 1);
        },
      ),
    );
  });

  it("bayes: chance in [0,1], losses ≥ 0, swapping arms gives the complementary chance", () => {
    const arm = fc
      .tuple(fc.integer({ min: 1, max: 50_000 }), fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([n, share]) => ({ n, conversions: Math.round(n * share) }));
    fc.assert(
      fc.property(arm, arm, (control, treatment) => {
        const r = bayesBinomial({ control, treatment });
        expect(inUnit(r.chanceToBeatControl)).toBe(true);
        expect(r.expectedLoss).toBeGreaterThanOrEqual(0);
        const swapped = bayesBinomial({ control: treatment, treatment: control });
        expect(Math.abs(swapped.chanceToBeatControl + r.chanceToBeatControl - 1)).toBeLessThan(1e-6);
        expect(Math.abs(swapped.expectedLoss - r.expectedLossControl)).toBeLessThan(1e-6);
      }),
      { numRuns: 30 },
    );
  });
});

describe("properties of multiple testing and sequential designs", () => {
  const pValues = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 });

  it("Holm ≥ BH ≥ raw, all ≤ 1, and Holm keeps the order of the raw p-values", () => {
    fc.assert(
      fc.property(pValues, (p) => {
        const holm = adjustPValues("holm", p);
        const bh = adjustPValues("bh", p);
        p.forEach((raw, i) => {
          const h = holm[i] ?? Number.NaN;
          const b = bh[i] ?? Number.NaN;
          expect(h).toBeGreaterThanOrEqual(raw);
          expect(b).toBeGreaterThanOrEqual(raw);
          expect(h).toBeGreaterThanOrEqual(b - 1e-15);
          expect(h).toBeLessThanOrEqual(1);
          p.forEach((other, j) => {
            if (raw < other) expect(h).toBeLessThanOrEqual(holm[j] ?? Number.NaN);
          });
        });
      }),
    );
  });

  it("spending is monotone in t, 0 at 0 and α at 1", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SPENDING_METHODS),
        alpha,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (method, a, t1, t2) => {
          const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
          expect(alphaSpending(method, a, lo)).toBeLessThanOrEqual(alphaSpending(method, a, hi));
          expect(alphaSpending(method, a, 0)).toBe(0);
          expect(Math.abs(alphaSpending(method, a, 1) - a)).toBeLessThan(1e-12);
        },
      ),
    );
  });

  it("boundaries are finite and positive for looks at t ≥ 0.2", () => {
    const fractions = fc
      .uniqueArray(fc.integer({ min: 200, max: 999 }), { minLength: 0, maxLength: 8 })
      .map((ts) => [...ts.sort((a, b) => a - b).map((t) => t / 1000), 1]);
    fc.assert(
      fc.property(
        fc.constantFrom(...SPENDING_METHODS),
        alpha,
        fractions,
        (method, a, informationFractions) => {
          const { zBounds, alphaSpentCumulative } = sequentialBounds({
            method,
            alpha: a,
            informationFractions,
          });
          expect(zBounds).toHaveLength(informationFractions.length);
          for (const z of zBounds) expect(Number.isFinite(z) && z > 0).toBe(true);
          expect(Math.abs((alphaSpentCumulative.at(-1) ?? 0) - a)).toBeLessThan(1e-12);
        },
      ),
      { numRuns: 40 },
    );
  });
});
