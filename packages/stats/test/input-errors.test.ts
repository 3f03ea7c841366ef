import { describe, expect, it } from "vitest";
import { cupedTest, isStatsInputError, meanTest, ratioTest, StatsInputError, srmTest } from "../src/index.js";

const arm = { n: 100, sum: 10, sumSquares: 10 };

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isStatsInputError(error)) return error.field;
    throw error;
  }
  return undefined;
}

describe("invalid input throws StatsInputError naming the field", () => {
  it("n < 2", () => expect(fieldOf(() => meanTest(arm, { ...arm, n: 1 }))).toBe("treatment.n"));
  it("non-integer n", () => expect(fieldOf(() => meanTest({ ...arm, n: 10.5 }, arm))).toBe("control.n"));
  it("alpha outside (0,1)", () => expect(fieldOf(() => meanTest(arm, arm, { alpha: 1 }))).toBe("alpha"));
  it("inconsistent sum of squares", () =>
    expect(fieldOf(() => meanTest(arm, { n: 100, sum: 50, sumSquares: 1 }))).toBe("treatment.sum_squares"));
  it("non-finite sum", () =>
    expect(fieldOf(() => meanTest({ ...arm, sum: Number.NaN }, arm))).toBe("control.sum"));
  it("ratio with zero denominator", () => {
    const r = { n: 10, sumNum: 1, sumNumSquares: 1, sumDen: 0, sumDenSquares: 0, sumNumDen: 0 };
    expect(fieldOf(() => ratioTest(r, r))).toBe("control.sum_den");
  });
  it("cuped n", () => {
    const c = { n: 0, sum: 1, sumSquares: 1, sumX: 1, sumXSquares: 1, sumXY: 1 };
    expect(fieldOf(() => cupedTest(c, c))).toBe("control.n");
  });
  it("srm negative count", () => expect(fieldOf(() => srmTest([10, -1], [1, 1]))).toBe("observed[1]"));
  it("srm non-positive weight", () =>
    expect(fieldOf(() => srmTest([10, 10], [1, 0]))).toBe("expected_weights[1]"));
  it("srm length mismatch", () => expect(fieldOf(() => srmTest([10, 10], [1]))).toBe("expected_weights"));
  it("is an Error subclass with a message naming the field", () => {
    const error = new StatsInputError("control.n", "must be ≥ 2");
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain("control.n");
  });
});

describe("edge cases", () => {
  it("zero variance in both arms and equal means gives p = 1", () => {
    const zero = { n: 50, sum: 0, sumSquares: 0 };
    const r = meanTest(zero, zero);
    expect(r.pValue).toBe(1);
    expect(Number.isNaN(r.relLift)).toBe(true);
  });
  it("one-sided p-value is half the two-sided one in the direction of the effect", () => {
    const t = { n: 1000, sum: 130, sumSquares: 130 };
    const c = { n: 1000, sum: 100, sumSquares: 100 };
    const two = meanTest(c, t);
    const greater = meanTest(c, t, { alternative: "greater" });
    expect(greater.pValue).toBeCloseTo(two.pValue / 2, 12);
    expect(greater.ciHigh).toBe(Number.POSITIVE_INFINITY);
    expect(meanTest(c, t, { alternative: "less" }).pValue).toBeCloseTo(1 - two.pValue / 2, 12);
  });
});
