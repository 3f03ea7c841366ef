import { cupedTest } from "./cuped-test.js";
import { StatsInputError } from "./stats-input-error.js";
import type { TestOptions } from "./types.js";
import { requireCount, requireFinite, sampleVariance } from "./validate.js";
import { type ArmSummary, welchFromSummaries } from "./welch-test.js";

/** One arm with k pre-period covariates: Σy, Σy², Σx_i, Σx_i·x_j (k × k) and Σx_i·y. */
export interface RegressionArm {
  readonly n: number;
  readonly sum: number;
  readonly sumSquares: number;
  readonly sumX: ReadonlyArray<number>;
  readonly sumXX: ReadonlyArray<ReadonlyArray<number>>;
  readonly sumXY: ReadonlyArray<number>;
}

export interface RegressionAdjustedResult {
  readonly applied: boolean;
  readonly theta: number[];
  readonly diff: number;
  readonly se: number;
  readonly df: number;
  readonly pValue: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly varianceReductionPct: number;
}

function checkArm(arm: RegressionArm, k: number, field: string): void {
  requireCount(arm.n, `${field}.n`, 2);
  requireFinite(arm.sum, `${field}.sum`);
  requireFinite(arm.sumSquares, `${field}.sum_squares`);
  if (arm.sumX.length !== k) throw new StatsInputError(`${field}.sum_x`, `needs ${k} covariates`);
  if (arm.sumXY.length !== k) throw new StatsInputError(`${field}.sum_xy`, `needs ${k} values`);
  if (arm.sumXX.length !== k || arm.sumXX.some((row) => row.length !== k)) {
    throw new StatsInputError(`${field}.sum_xx`, `must be a ${k} × ${k} matrix`);
  }
  for (const [i, v] of arm.sumX.entries()) requireFinite(v, `${field}.sum_x[${i}]`);
  for (const [i, v] of arm.sumXY.entries()) requireFinite(v, `${field}.sum_xy[${i}]`);
  for (const [i, row] of arm.sumXX.entries()) {
    for (const [j, v] of row.entries()) requireFinite(v, `${field}.sum_xx[${i}][${j}]`);
  }
}

/** Cholesky factor of a symmetric matrix, or null when a pivot is at or below `tolerance` (not positive definite). */
function cholesky(a: number[][], tolerance: number): number[][] | null {
  const k = a.length;
  const l = a.map(() => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]?.[j] ?? 0;
      for (let m = 0; m < j; m++) s -= (l[i]?.[m] ?? 0) * (l[j]?.[m] ?? 0);
      if (i === j) {
        if (!(s > tolerance)) return null;
        (l[i] as number[])[i] = Math.sqrt(s);
      } else (l[i] as number[])[j] = s / (l[j]?.[j] ?? 1);
    }
  }
  return l;
}

/** Solves L·Lᵀ·x = b by forward and back substitution. */
function solve(l: number[][], b: number[]): number[] {
  const k = b.length;
  const y = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    let s = b[i] ?? 0;
    for (let m = 0; m < i; m++) s -= (l[i]?.[m] ?? 0) * (y[m] ?? 0);
    y[i] = s / (l[i]?.[i] ?? 1);
  }
  const x = new Array<number>(k).fill(0);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i] ?? 0;
    for (let m = i + 1; m < k; m++) s -= (l[m]?.[i] ?? 0) * (x[m] ?? 0);
    x[i] = s / (l[i]?.[i] ?? 1);
  }
  return x;
}

const dot = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) =>
  a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);

/**
 * Regression adjustment with k pre-period covariates (metrics-contract.md, `regression_adjusted`; CUPED with a
 * vector θ = C_xx⁻¹·c_xy over pooled units, as Eppo's CUPED++ and Statsig's CURE do in their linear form).
 * k = 1 is exactly {@link cupedTest}; for k ≥ 2, θ is applied when the pooled covariance matrix is positive
 * definite (every Cholesky pivot > 1e-12·trace/k). Each arm's adjusted mean ȳ − θᵀ(x̄_arm − x̄_pooled) and
 * variance s_y² + θᵀS_xxθ − 2θᵀs_xy (the arm's own covariances) go into Welch's test.
 * @example regressionAdjustedTest(controlArm, treatmentArm).theta; // [θ₁, θ₂]
 */
export function regressionAdjustedTest(
  control: RegressionArm,
  treatment: RegressionArm,
  options?: TestOptions,
): RegressionAdjustedResult {
  const k = control.sumX.length;
  if (k < 1) throw new StatsInputError("control.sum_x", "needs at least one covariate");
  checkArm(control, k, "control");
  checkArm(treatment, k, "treatment");
  if (k === 1) {
    const arm = (a: RegressionArm) => ({
      n: a.n,
      sum: a.sum,
      sumSquares: a.sumSquares,
      sumX: a.sumX[0] ?? 0,
      sumXSquares: a.sumXX[0]?.[0] ?? 0,
      sumXY: a.sumXY[0] ?? 0,
    });
    const r = cupedTest(arm(control), arm(treatment), options);
    return {
      applied: r.cupedApplied,
      theta: [r.theta],
      diff: r.diff,
      se: r.se,
      df: r.df,
      pValue: r.pValue,
      ciLow: r.ciLow,
      ciHigh: r.ciHigh,
      varianceReductionPct: r.varianceReductionPct,
    };
  }
  const n = control.n + treatment.n;
  const sx = control.sumX.map((v, i) => v + (treatment.sumX[i] ?? 0));
  const sy = control.sum + treatment.sum;
  const cxx = sx.map((xi, i) =>
    sx.map(
      (xj, j) => ((control.sumXX[i]?.[j] ?? 0) + (treatment.sumXX[i]?.[j] ?? 0) - (xi * xj) / n) / (n - 1),
    ),
  );
  const cxy = sx.map(
    (xi, i) => ((control.sumXY[i] ?? 0) + (treatment.sumXY[i] ?? 0) - (xi * sy) / n) / (n - 1),
  );
  const trace = cxx.reduce((s, row, i) => s + (row[i] ?? 0), 0);
  const l = cholesky(cxx, (1e-12 * trace) / k);
  const applied = l !== null;
  const theta = l === null ? new Array<number>(k).fill(0) : solve(l, cxy);
  const pooledMeanX = sx.map((v) => v / n);
  const summarize = (a: RegressionArm, adjust: boolean, field: string): ArmSummary => {
    const meanY = a.sum / a.n;
    const varY = sampleVariance(a.n, a.sum, a.sumSquares, `${field}.sum_squares`);
    if (!adjust) return { n: a.n, mean: meanY, variance: varY };
    const meanX = a.sumX.map((v) => v / a.n);
    const sxx = a.sumX.map((xi, i) =>
      a.sumX.map((xj, j) => ((a.sumXX[i]?.[j] ?? 0) - (xi * xj) / a.n) / (a.n - 1)),
    );
    const sxy = a.sumX.map((xi, i) => ((a.sumXY[i] ?? 0) - (xi * a.sum) / a.n) / (a.n - 1));
    const quad = dot(
      theta,
      sxx.map((row) => dot(row, theta)),
    );
    return {
      n: a.n,
      mean:
        meanY -
        dot(
          theta,
          meanX.map((m, i) => m - (pooledMeanX[i] ?? 0)),
        ),
      variance: Math.max(0, varY + quad - 2 * dot(theta, sxy)),
    };
  };
  const raw = welchFromSummaries(
    summarize(control, false, "control"),
    summarize(treatment, false, "treatment"),
    options,
  );
  const adjusted = applied
    ? welchFromSummaries(
        summarize(control, true, "control"),
        summarize(treatment, true, "treatment"),
        options,
      )
    : raw;
  return {
    applied,
    theta,
    diff: adjusted.diff,
    se: adjusted.se,
    df: adjusted.df,
    pValue: adjusted.pValue,
    ciLow: adjusted.ciLow,
    ciHigh: adjusted.ciHigh,
    varianceReductionPct: raw.se > 0 ? 100 * (1 - (adjusted.se * adjusted.se) / (raw.se * raw.se)) : 0,
  };
}
