// Every case of fixtures/reference/stats-public.json (scipy 1.10.1, statsmodels 0.13.5, R rpact 3.3.4) run through the engine directly.
import { describe, expect, it } from "vitest";
import {
  adjustPValues,
  bayesBinomial,
  cupedTest,
  meanTest,
  ratioTest,
  sampleSize,
  sequentialBounds,
  srmTest,
} from "../src/index.js";
import { compareToReference, loadReferenceCases } from "./reference.js";

type Json = Record<string, number>;
const snake = (result: object): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(result).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]),
  );
const meanArm = (a: Json) => ({ n: a.n ?? 0, sum: a.sum ?? 0, sumSquares: a.sum_squares ?? 0 });
const ratioArm = (a: Json) => ({
  n: a.n ?? 0,
  sumNum: a.sum_num ?? 0,
  sumNumSquares: a.sum_num_squares ?? 0,
  sumDen: a.sum_den ?? 0,
  sumDenSquares: a.sum_den_squares ?? 0,
  sumNumDen: a.sum_num_den ?? 0,
});
const cupedArm = (a: Json) => ({
  ...meanArm(a),
  sumX: a.sum_x ?? 0,
  sumXSquares: a.sum_x_squares ?? 0,
  sumXY: a.sum_xy ?? 0,
});

// biome-ignore lint/suspicious/noExplicitAny: the fixture's request objects are untyped JSON
const runners: Record<string, (r: any) => object> = {
  mean: (r) => meanTest(meanArm(r.control), meanArm(r.treatment), { alpha: r.alpha ?? 0.05 }),
  ratio: (r) => ratioTest(ratioArm(r.control), ratioArm(r.treatment), { alpha: r.alpha ?? 0.05 }),
  cuped: (r) => cupedTest(cupedArm(r.control), cupedArm(r.treatment), { alpha: r.alpha ?? 0.05 }),
  srm: (r) => srmTest(r.observed, r.expected_weights, { threshold: r.threshold ?? 0.01 }),
  sample_size: (r) =>
    sampleSize({
      baselineRate: r.baseline_rate,
      mdeAbs: r.mde_abs,
      alpha: r.alpha ?? 0.05,
      power: r.power ?? 0.8,
    }),
  bayes_binomial: (r) => bayesBinomial({ prior: r.prior, control: r.control, treatment: r.treatment }),
  adjust: (r) => ({ adjusted: adjustPValues(r.method, r.p_values) }),
  sequential_bounds: (r) =>
    sequentialBounds({
      method: r.method,
      alpha: r.alpha ?? 0.05,
      informationFractions: r.information_fractions,
    }),
};

describe("engine against the public reference cases", () => {
  for (const [kind, run] of Object.entries(runners)) {
    const cases = loadReferenceCases(kind);
    it(`has ${kind} cases`, () => expect(cases.length).toBeGreaterThan(0));
    it.each(cases.map((c) => [c.request.id, c] as const))("%s", (_id, c) => {
      expect(compareToReference(kind, c.expect, snake(run(c.request)))).toEqual([]);
    });
  }
});
