import { describe, expect, it } from "vitest";
import {
  bayesBinomial,
  compareToControl,
  integrate,
  meanPower,
  meanSampleSize,
  meanTest,
  minimumDetectableEffect,
  StatsInputError,
  sampleSize,
  sequentialBounds,
} from "../src/index.js";

describe("sample size, MDE and power", () => {
  it("the MDE for n is the δ whose sample size is n (inverse functions)", () => {
    for (const baselineRate of [0.02, 0.1, 0.5, 0.8]) {
      for (const nPerVariant of [500, 20_000, 1_000_000]) {
        const { mdeAbs } = minimumDetectableEffect({ baselineRate, nPerVariant });
        const n = sampleSize({ baselineRate, mdeAbs }).nPerVariant;
        expect(Math.abs(n - nPerVariant)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("the power at the mean sample size is the requested power", () => {
    for (const power of [0.5, 0.8, 0.95]) {
      const effect = { baselineMean: 40, baselineSd: 25, mdeRel: 0.03 };
      const { nPerVariant } = meanSampleSize({ ...effect, power });
      expect(meanPower({ ...effect, nPerVariant })).toBeGreaterThanOrEqual(power);
      expect(meanPower({ ...effect, nPerVariant: nPerVariant - 1 })).toBeLessThan(power);
    }
  });

  it("a one-sided design needs fewer units", () => {
    const input = { baselineRate: 0.1, mdeAbs: 0.01 };
    expect(sampleSize({ ...input, alternative: "greater" }).nPerVariant).toBeLessThan(
      sampleSize(input).nPerVariant,
    );
  });

  it("rejects an effect that leaves (0, 1)", () => {
    expect(() => sampleSize({ baselineRate: 0.95, mdeAbs: 0.1 })).toThrow(StatsInputError);
  });
});

describe("sequential bounds", () => {
  it("one look at t = 1 is the fixed-sample two-sided critical value", () => {
    const { zBounds } = sequentialBounds({
      method: "pocock_spending",
      alpha: 0.05,
      informationFractions: [1],
    });
    // scipy.stats.norm.ppf(0.975) = 1.959963984540054
    expect(zBounds[0]).toBeCloseTo(1.959963984540054, 9);
  });

  it("O'Brien–Fleming-type bounds fall and Pocock-type bounds stay nearly flat for equal looks", () => {
    const informationFractions = [0.2, 0.4, 0.6, 0.8, 1];
    const obf = sequentialBounds({ method: "obrien_fleming_spending", informationFractions }).zBounds;
    const pocock = sequentialBounds({ method: "pocock_spending", informationFractions }).zBounds;
    for (let k = 1; k < obf.length; k++) expect(obf[k]).toBeLessThan(obf[k - 1] ?? 0);
    expect(Math.max(...pocock) - Math.min(...pocock)).toBeLessThan(0.3);
  });
});

describe("Bayesian comparison and quadrature", () => {
  it("identical arms give a chance of one half and equal losses", () => {
    const arm = { n: 5000, conversions: 400 };
    const r = bayesBinomial({ control: arm, treatment: arm });
    expect(r.chanceToBeatControl).toBeCloseTo(0.5, 9);
    expect(r.expectedLoss).toBeCloseTo(r.expectedLossControl, 12);
  });

  it("agrees with the closed form P(p_t > p_c) for Beta(1,1) posteriors of one trial each", () => {
    // control 0/1 → Beta(1,2), treatment 1/1 → Beta(2,1): P = ∫ 2(1−x)·(1 − x²) dx = 5/6.
    const r = bayesBinomial({ control: { n: 1, conversions: 0 }, treatment: { n: 1, conversions: 1 } });
    expect(r.chanceToBeatControl).toBeCloseTo(5 / 6, 9);
  });

  it("integrates a narrow peak exactly enough", () => {
    const sd = 1e-4;
    const peak = (x: number) => Math.exp(-0.5 * ((x - 0.3) / sd) ** 2) / (sd * Math.sqrt(2 * Math.PI));
    expect(integrate(peak, 0, 1, { breakpoints: [0.3 - 10 * sd, 0.3 + 10 * sd] })).toBeCloseTo(1, 9);
  });
});

describe("compareToControl", () => {
  const control = { n: 5000, sum: 500, sumSquares: 500 };
  const variants = [
    { n: 5000, sum: 560, sumSquares: 560 },
    { n: 5000, sum: 505, sumSquares: 505 },
    { n: 5000, sum: 610, sumSquares: 610 },
  ];

  it("compares every variant to control with Holm-adjusted p-values", () => {
    const results = compareToControl(meanTest, control, variants);
    expect(results.map((r) => r.variantIndex)).toEqual([0, 1, 2]);
    results.forEach((r, i) => {
      expect(r.diff).toBeCloseTo(meanTest(control, variants[i] ?? control).diff, 15);
      expect(r.adjustedPValue).toBeGreaterThanOrEqual(r.pValue);
    });
  });

  it("names the failing treatment by its index", () => {
    const bad = { n: 1, sum: 0, sumSquares: 0 };
    expect(() => compareToControl(meanTest, control, [variants[0] ?? control, bad])).toThrow(
      /treatments\[1\]\.n/,
    );
  });
});
