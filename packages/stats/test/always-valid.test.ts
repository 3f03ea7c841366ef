// Always-valid statistics checked against values computed independently of their closed forms: the
// mixture e-values by numerical integration of their defining integrals, the Dirichlet–multinomial Bayes
// factor by integrating the binomial likelihood ratio over its Beta prior, and both error rates by a
// seeded A/A simulation with a look after every batch.
import { describe, expect, it } from "vitest";
import {
  alwaysValidInterval,
  confidenceSequence,
  createNormalSampler,
  createSeededRandom,
  integrate,
  mixtureBoundary,
  mixtureLogE,
  mixtureRho,
  ratioConfidenceSequence,
  sequentialSrmTest,
} from "../src/index.js";

const normalPdf = (x: number, sd: number) =>
  Math.exp(-(x * x) / (2 * sd * sd)) / (sd * Math.sqrt(2 * Math.PI));

/** E = ∫ exp(λs − λ²V/2) dF(λ) with F normal(0, ρ'²) or half-normal, integrated numerically. */
function mixtureByQuadrature(z: number, u: number, sides: "two-sided" | "greater"): number {
  // Unit-variance scale: V = N (σ = 1), s = z·√N, ρ'² = ρ² so that u = Nρ'².
  const n = 1000;
  const rho = Math.sqrt(u / n);
  const s = z * Math.sqrt(n);
  const f = (l: number) =>
    Math.exp(l * s - (l * l * n) / 2) * normalPdf(l, rho) * (sides === "greater" ? 2 : 1);
  const hi = 12 * rho + Math.abs(s) / n + 1;
  return integrate(f, sides === "greater" ? 0 : -hi, hi, {
    absoluteTolerance: 1e-14,
    relativeTolerance: 1e-12,
  });
}

describe("normal-mixture e-values", () => {
  it("match their defining integrals, two-sided and one-sided", () => {
    for (const u of [0.5, 3, 7.94, 40]) {
      for (const z of [-2.5, -0.3, 0, 1.1, 2.4, 3.3]) {
        for (const sides of ["two-sided", "greater"] as const) {
          const closed = Math.exp(mixtureLogE(z, u, sides));
          const numeric = mixtureByQuadrature(z, u, sides);
          expect(Math.abs(closed - numeric)).toBeLessThanOrEqual(1e-8 * Math.max(1, numeric));
        }
      }
    }
  });

  it("puts the boundary where E reaches 1/α, the one-sided one below the two-sided one", () => {
    for (const alpha of [0.01, 0.05, 0.2]) {
      for (const u of [0.2, 2, 8, 100]) {
        const two = mixtureBoundary(alpha, u, "two-sided");
        const one = mixtureBoundary(alpha, u, "greater");
        expect(mixtureLogE(two, u, "two-sided")).toBeCloseTo(-Math.log(alpha), 9);
        expect(mixtureLogE(one, u, "greater")).toBeCloseTo(-Math.log(alpha), 9);
        expect(one).toBeLessThan(two);
        expect(one).toBeGreaterThan(mixtureBoundary(2 * alpha, u, "two-sided") - 1e-9);
      }
    }
  });

  it("gives the confidence sequence's half-width as the two-sided boundary times se", () => {
    const rho = mixtureRho(0.05, 20_000);
    const { halfWidth, pValue } = alwaysValidInterval(0.01, 0.004, 20_000, 0.05, rho);
    const u = 20_000 * rho * rho;
    expect(halfWidth).toBeCloseTo(mixtureBoundary(0.05, u, "two-sided") * 0.004, 12);
    // p ≤ α exactly when 0 is outside the interval.
    expect(pValue > 0.05).toBe(halfWidth > 0.01);
    expect(alwaysValidInterval(0, 0, 10, 0.05, rho)).toEqual({ halfWidth: 0, pValue: 1 });
    expect(alwaysValidInterval(0.1, 0, 10, 0.05, rho).pValue).toBe(0);
  });
});

describe("confidence sequences under continuous monitoring (seeded A/A simulation)", () => {
  it("cover the true difference at every look in at least 1 − α of runs, for means and ratios", () => {
    const random = createSeededRandom(20261206);
    const normal = createNormalSampler(random);
    const runs = 400;
    let meanMisses = 0;
    let ratioMisses = 0;
    for (let r = 0; r < runs; r++) {
      const arms = [0, 1].map(() => ({
        n: 0,
        sum: 0,
        sumSquares: 0,
        sumDen: 0,
        sumDenSquares: 0,
        sumNumDen: 0,
      }));
      let meanMissed = false;
      let ratioMissed = false;
      for (let look = 0; look < 100; look++) {
        for (let i = 0; i < 100; i++) {
          const arm = arms[random() < 0.5 ? 0 : 1];
          if (arm === undefined) continue;
          const y = Math.exp(normal()); // skewed, like revenue
          const den = 1 + Math.floor(random() * 4);
          arm.n += 1;
          arm.sum += y;
          arm.sumSquares += y * y;
          arm.sumDen += den;
          arm.sumDenSquares += den * den;
          arm.sumNumDen += y * den;
        }
        const [c, t] = arms as [(typeof arms)[0], (typeof arms)[0]];
        if (c.n < 2 || t.n < 2) continue;
        const cs = confidenceSequence(c, t, { alpha: 0.05, tuningN: 10_000 });
        if (cs.ciLow > 0 || cs.ciHigh < 0) meanMissed = true;
        const ratio = (a: typeof c) => ({ ...a, sumNum: a.sum, sumNumSquares: a.sumSquares });
        const rc = ratioConfidenceSequence(ratio(c), ratio(t), { alpha: 0.05, tuningN: 10_000 });
        if (rc.ciLow > 0 || rc.ciHigh < 0) ratioMissed = true;
      }
      if (meanMissed) meanMisses++;
      if (ratioMissed) ratioMisses++;
    }
    // 100 looks each; a fixed-horizon 95 % interval would miss in roughly a third of these runs.
    expect(meanMisses / runs).toBeLessThanOrEqual(0.05);
    expect(ratioMisses / runs).toBeLessThanOrEqual(0.05);
  });
});

describe("sequentialSrmTest (Dirichlet–multinomial Bayes factor)", () => {
  it("matches the Beta-binomial likelihood ratio integrated numerically for two variants", () => {
    for (const [x1, x2, w1, w2, k] of [
      [12, 8, 50, 50, 10],
      [40, 60, 50, 50, 100],
      [30, 90, 20, 80, 50],
    ] as const) {
      const p = w1 / (w1 + w2);
      const a = k * p;
      const b = k * (1 - p);
      const logBeta = (x: number, y: number) => lnGamma(x) + lnGamma(y) - lnGamma(x + y);
      const numeric = integrate(
        (th) =>
          Math.exp(
            x1 * Math.log(th / p) +
              x2 * Math.log((1 - th) / (1 - p)) +
              (a - 1) * Math.log(th) +
              (b - 1) * Math.log(1 - th) -
              logBeta(a, b),
          ),
        1e-12,
        1 - 1e-12,
        { absoluteTolerance: 1e-13, relativeTolerance: 1e-11 },
      );
      const got = sequentialSrmTest([x1, x2], [w1, w2], { concentration: k }).logBayesFactor;
      expect(got).toBeCloseTo(Math.log(numeric), 6);
    }
  });

  it("alerts on 51/49 at 100,000 units and stays quiet on a balanced split", () => {
    expect(sequentialSrmTest([51_000, 49_000], [50, 50]).srmDetected).toBe(true);
    expect(sequentialSrmTest([50_100, 49_900], [50, 50]).srmDetected).toBe(false);
  });

  it("keeps its false-alarm rate under α when tested after every batch (seeded simulation)", () => {
    const random = createSeededRandom(7);
    const runs = 300;
    let alarms = 0;
    for (let r = 0; r < runs; r++) {
      const counts = [0, 0, 0];
      for (let look = 0; look < 150; look++) {
        for (let i = 0; i < 200; i++) {
          const x = random();
          const v = x < 0.5 ? 0 : x < 0.75 ? 1 : 2;
          counts[v] = (counts[v] ?? 0) + 1;
        }
        if (sequentialSrmTest(counts, [50, 25, 25], { alpha: 0.05 }).srmDetected) {
          alarms++;
          break;
        }
      }
    }
    expect(alarms / runs).toBeLessThanOrEqual(0.05);
  });

  it("names the field of a bad input", () => {
    expect(() => sequentialSrmTest([1, -1], [1, 1])).toThrow(/observed\[1\]/);
    expect(() => sequentialSrmTest([1, 2], [1])).toThrow(/expected_weights/);
  });
});

/** ln Γ by the Lanczos approximation (g = 7, n = 9), written out here independently of the engine's. */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const xm = x - 1;
  let a = c[0] ?? 0;
  const t = xm + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] ?? 0) / (xm + i);
  return 0.5 * Math.log(2 * Math.PI) + (xm + 0.5) * Math.log(t) - t + Math.log(a);
}
