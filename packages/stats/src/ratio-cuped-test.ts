import { infer } from "./hypothesis.js";
import { ratioTest } from "./ratio-test.js";
import { standardNormal } from "./relative-lift.js";
import { StatsInputError } from "./stats-input-error.js";
import type { TestOptions } from "./types.js";
import { requireCount, requireFinite, resolveOptions } from "./validate.js";

/** One arm of a ratio metric with one pre-period covariate x per unit. */
export interface RatioCupedArm {
  readonly n: number;
  readonly sumNum: number;
  readonly sumNumSquares: number;
  readonly sumDen: number;
  readonly sumDenSquares: number;
  readonly sumNumDen: number;
  readonly sumX: number;
  readonly sumXSquares: number;
  readonly sumXNum: number;
  readonly sumXDen: number;
}

export interface RatioCupedResult {
  readonly applied: boolean;
  readonly theta: number;
  readonly controlValue: number;
  readonly treatmentValue: number;
  readonly diff: number;
  readonly se: number;
  readonly pValue: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly varianceReductionPct: number;
}

interface Linearised {
  readonly n: number;
  readonly ratio: number;
  readonly meanX: number;
  readonly varL: number;
  readonly varX: number;
  readonly covLX: number;
}

function linearise(a: RatioCupedArm, field: string): Linearised {
  const n = requireCount(a.n, `${field}.n`, 2);
  for (const [k, v] of Object.entries(a))
    requireFinite(v as number, `${field}.${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`);
  if (a.sumDen === 0) throw new StatsInputError(`${field}.sum_den`, "must not be 0 (the ratio is undefined)");
  const cov = (sxy: number, sx: number, sy: number) => (sxy - (sx * sy) / n) / (n - 1);
  const ratio = a.sumNum / a.sumDen;
  const meanDen = a.sumDen / n;
  const varNum = cov(a.sumNumSquares, a.sumNum, a.sumNum);
  const varDen = cov(a.sumDenSquares, a.sumDen, a.sumDen);
  const covNumDen = cov(a.sumNumDen, a.sumNum, a.sumDen);
  return {
    n,
    ratio,
    meanX: a.sumX / n,
    varL: Math.max(0, (varNum - 2 * ratio * covNumDen + ratio * ratio * varDen) / (meanDen * meanDen)),
    varX: Math.max(0, cov(a.sumXSquares, a.sumX, a.sumX)),
    covLX: (cov(a.sumXNum, a.sumX, a.sumNum) - ratio * cov(a.sumXDen, a.sumX, a.sumDen)) / meanDen,
  };
}

/**
 * CUPED for a ratio metric (metrics-contract.md, `ratio_cuped`; Deng et al. 2018, "Applying the delta method in
 * metric analytics"): the ratio is linearised per unit, L = (num − R·den)/d̄, and adjusted by a pre-period
 * covariate with θ = Σ(n−1)cov(L, x)/Σ(n−1)var(x) over both arms (not applied when that denominator ≤ 1e-12 or
 * the numerator ≤ 0); R̃ = R − θ(x̄_arm − x̄_pooled), Var(R̃) = (var L + θ²var x − 2θ cov(L, x))/n; z-test.
 * @example ratioCupedTest(controlArm, treatmentArm).varianceReductionPct;
 */
export function ratioCupedTest(
  control: RatioCupedArm,
  treatment: RatioCupedArm,
  options?: TestOptions,
): RatioCupedResult {
  const { alpha, alternative } = resolveOptions(options);
  const c = linearise(control, "control");
  const t = linearise(treatment, "treatment");
  const num = (c.n - 1) * c.covLX + (t.n - 1) * t.covLX;
  const den = (c.n - 1) * c.varX + (t.n - 1) * t.varX;
  const applied = den > 1e-12 && num > 0;
  const theta = applied ? num / den : 0;
  const pooledMeanX = (control.sumX + treatment.sumX) / (c.n + t.n);
  const adjusted = (a: Linearised) => ({
    value: a.ratio - theta * (a.meanX - pooledMeanX),
    variance: Math.max(0, (a.varL + theta * theta * a.varX - 2 * theta * a.covLX) / a.n),
  });
  const ac = adjusted(c);
  const at = adjusted(t);
  const diff = at.value - ac.value;
  const se = Math.sqrt(ac.variance + at.variance);
  const { pValue, ciLow, ciHigh } = infer(diff, se, alpha, alternative, standardNormal);
  const raw = ratioTest(
    {
      n: c.n,
      sumNum: control.sumNum,
      sumNumSquares: control.sumNumSquares,
      sumDen: control.sumDen,
      sumDenSquares: control.sumDenSquares,
      sumNumDen: control.sumNumDen,
    },
    {
      n: t.n,
      sumNum: treatment.sumNum,
      sumNumSquares: treatment.sumNumSquares,
      sumDen: treatment.sumDen,
      sumDenSquares: treatment.sumDenSquares,
      sumNumDen: treatment.sumNumDen,
    },
    options,
  );
  return {
    applied,
    theta,
    controlValue: ac.value,
    treatmentValue: at.value,
    diff,
    se,
    pValue,
    ciLow,
    ciHigh,
    varianceReductionPct: raw.se > 0 ? 100 * (1 - (se * se) / (raw.se * raw.se)) : 0,
  };
}
