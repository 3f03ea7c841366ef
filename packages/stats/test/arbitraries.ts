import fc from "fast-check";
import type { CupedArm, MeanArm, RatioArm } from "../src/index.js";

const n = fc.integer({ min: 2, max: 1_000_000 });
const location = fc.double({ min: -1000, max: 1000, noNaN: true });
const spread = fc.double({ min: 0.001, max: 1000, noNaN: true });

/** Sufficient statistics of an arm with the given n, mean and standard deviation. */
export const meanArm: fc.Arbitrary<MeanArm> = fc
  .record({ n, mean: location, sd: spread })
  .map(({ n, mean, sd }) => ({
    n,
    sum: n * mean,
    sumSquares: (n - 1) * sd * sd + n * mean * mean,
  }));

/** A ratio arm from means, standard deviations and a correlation of numerator and denominator. */
export const ratioArm: fc.Arbitrary<RatioArm> = fc
  .record({
    n,
    meanNum: fc.double({ min: 0, max: 100, noNaN: true }),
    meanDen: fc.double({ min: 0.1, max: 10, noNaN: true }),
    sdNum: fc.double({ min: 0.01, max: 50, noNaN: true }),
    sdDen: fc.double({ min: 0.01, max: 5, noNaN: true }),
    rho: fc.double({ min: -0.95, max: 0.95, noNaN: true }),
  })
  .map(({ n, meanNum, meanDen, sdNum, sdDen, rho }) => ({
    n,
    sumNum: n * meanNum,
    sumNumSquares: (n - 1) * sdNum * sdNum + n * meanNum * meanNum,
    sumDen: n * meanDen,
    sumDenSquares: (n - 1) * sdDen * sdDen + n * meanDen * meanDen,
    sumNumDen: (n - 1) * rho * sdNum * sdDen + n * meanNum * meanDen,
  }));

/** A CUPED arm with outcome Y and covariate X of the given moments and correlation. */
export const cupedArm: fc.Arbitrary<CupedArm> = fc
  .record({
    n,
    meanY: fc.double({ min: -100, max: 100, noNaN: true }),
    meanX: fc.double({ min: -100, max: 100, noNaN: true }),
    sdY: fc.double({ min: 0.01, max: 100, noNaN: true }),
    sdX: fc.double({ min: 0.01, max: 100, noNaN: true }),
    rho: fc.double({ min: -0.95, max: 0.95, noNaN: true }),
  })
  .map(({ n, meanY, meanX, sdY, sdX, rho }) => ({
    n,
    sum: n * meanY,
    sumSquares: (n - 1) * sdY * sdY + n * meanY * meanY,
    sumX: n * meanX,
    sumXSquares: (n - 1) * sdX * sdX + n * meanX * meanX,
    sumXY: (n - 1) * rho * sdX * sdY + n * meanX * meanY,
  }));

export const alpha = fc.double({ min: 0.001, max: 0.5, noNaN: true });
export const alternative = fc.constantFrom("two-sided" as const, "greater" as const, "less" as const);
