// A/A calibration: under the null, the share of p < 0.05 over 1000 simulated experiments must lie in the
// exact 99.9% binomial interval around 0.05 (binomial quantiles computed below, as R's qbinom would).
import { describe, expect, it } from "vitest";
import {
  createNormalSampler,
  createSeededRandom,
  cupedTest,
  type MeanArm,
  meanTest,
  type RandomSource,
  type RatioArm,
  ratioTest,
} from "../src/index.js";

const EXPERIMENTS = 1000;
const UNITS_PER_ARM = 200;

/** Smallest lo and largest hi with P(X < lo) ≤ (1 − level)/2 and P(X > hi) ≤ (1 − level)/2, X ~ Bin(n, p). */
function binomialInterval(n: number, p: number, level: number): { lo: number; hi: number } {
  const tail = (1 - level) / 2;
  const pmf: number[] = [];
  let logPmf = n * Math.log(1 - p);
  for (let k = 0; k <= n; k++) {
    pmf.push(Math.exp(logPmf));
    logPmf += Math.log((n - k) / (k + 1)) + Math.log(p / (1 - p));
  }
  let lo = 0;
  for (let below = 0; below + (pmf[lo] ?? 0) <= tail; lo++) below += pmf[lo] ?? 0;
  let hi = n;
  for (let above = 0; above + (pmf[hi] ?? 0) <= tail; hi--) above += pmf[hi] ?? 0;
  return { lo, hi };
}

function rejections(simulate: (random: RandomSource) => number, seed: number): number {
  const random = createSeededRandom(seed);
  let count = 0;
  for (let i = 0; i < EXPERIMENTS; i++) if (simulate(random) < 0.05) count++;
  return count;
}

/** Sufficient statistics of a mean arm from unit values. */
function meanArmOf(values: Iterable<number>): MeanArm {
  let n = 0;
  let sum = 0;
  let sumSquares = 0;
  for (const v of values) {
    n++;
    sum += v;
    sumSquares += v * v;
  }
  return { n, sum, sumSquares };
}

function* units<T>(count: number, draw: () => T): Generator<T> {
  for (let i = 0; i < count; i++) yield draw();
}

describe("A/A simulation: the false positive rate is 5%", () => {
  const { lo, hi } = binomialInterval(EXPERIMENTS, 0.05, 0.999);

  it("has a sensible interval", () => {
    expect(lo).toBeGreaterThan(20);
    expect(hi).toBeLessThan(80);
  });

  it("mean test on skewed revenue-like data", () => {
    const count = rejections((random) => {
      const normal = createNormalSampler(random);
      const revenue = () => Math.exp(1 + 0.5 * normal());
      return meanTest(meanArmOf(units(UNITS_PER_ARM, revenue)), meanArmOf(units(UNITS_PER_ARM, revenue)))
        .pValue;
    }, 1);
    expect(count).toBeGreaterThanOrEqual(lo);
    expect(count).toBeLessThanOrEqual(hi);
  });

  it("mean test on conversions", () => {
    const count = rejections((random) => {
      const convert = () => (random() < 0.2 ? 1 : 0);
      return meanTest(meanArmOf(units(UNITS_PER_ARM, convert)), meanArmOf(units(UNITS_PER_ARM, convert)))
        .pValue;
    }, 2);
    expect(count).toBeGreaterThanOrEqual(lo);
    expect(count).toBeLessThanOrEqual(hi);
  });

  it("ratio test on orders per session", () => {
    const arm = (random: RandomSource): RatioArm => {
      const acc = {
        n: UNITS_PER_ARM,
        sumNum: 0,
        sumNumSquares: 0,
        sumDen: 0,
        sumDenSquares: 0,
        sumNumDen: 0,
      };
      for (let i = 0; i < UNITS_PER_ARM; i++) {
        const sessions = 1 + Math.floor(random() * 5);
        let orders = 0;
        for (let s = 0; s < sessions; s++) if (random() < 0.3) orders++;
        acc.sumNum += orders;
        acc.sumNumSquares += orders * orders;
        acc.sumDen += sessions;
        acc.sumDenSquares += sessions * sessions;
        acc.sumNumDen += orders * sessions;
      }
      return acc;
    };
    const count = rejections((random) => ratioTest(arm(random), arm(random)).pValue, 3);
    expect(count).toBeGreaterThanOrEqual(lo);
    expect(count).toBeLessThanOrEqual(hi);
  });

  it("CUPED test with a correlated pre-period covariate", () => {
    const arm = (random: RandomSource) => {
      const normal = createNormalSampler(random);
      const acc = { n: UNITS_PER_ARM, sum: 0, sumSquares: 0, sumX: 0, sumXSquares: 0, sumXY: 0 };
      for (let i = 0; i < UNITS_PER_ARM; i++) {
        const x = 10 + 3 * normal();
        const y = 2 + 0.8 * x + 2 * normal();
        acc.sum += y;
        acc.sumSquares += y * y;
        acc.sumX += x;
        acc.sumXSquares += x * x;
        acc.sumXY += x * y;
      }
      return acc;
    };
    let reductions = 0;
    const count = rejections((random) => {
      const result = cupedTest(arm(random), arm(random));
      reductions += result.varianceReductionPct;
      return result.pValue;
    }, 4);
    expect(count).toBeGreaterThanOrEqual(lo);
    expect(count).toBeLessThanOrEqual(hi);
    // corr(X, Y)² = (0.8·3)²/((0.8·3)² + 2²) ≈ 0.59, so CUPED should remove about 59% of the variance.
    expect(reductions / EXPERIMENTS).toBeGreaterThan(50);
    expect(reductions / EXPERIMENTS).toBeLessThan(65);
  });
});
