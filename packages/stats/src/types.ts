/** Sufficient statistics of one arm for a mean metric (conversion rates are means of 0/1). */
export interface MeanArm {
  readonly n: number;
  readonly sum: number;
  readonly sumSquares: number;
}

/** Sufficient statistics of one arm for a ratio metric Σnum/Σden over units. */
export interface RatioArm {
  readonly n: number;
  readonly sumNum: number;
  readonly sumNumSquares: number;
  readonly sumDen: number;
  readonly sumDenSquares: number;
  readonly sumNumDen: number;
}

/** Sufficient statistics of one arm for CUPED: outcome Y and pre-period covariate X. */
export interface CupedArm {
  readonly n: number;
  readonly sum: number;
  readonly sumSquares: number;
  readonly sumX: number;
  readonly sumXSquares: number;
  readonly sumXY: number;
}

export type Alternative = "two-sided" | "greater" | "less";

export interface TestOptions {
  /** Significance level in (0, 1); default 0.05. */
  readonly alpha?: number;
  /** Default two-sided; "greater" tests treatment > control. */
  readonly alternative?: Alternative;
}

export interface MeanTestResult {
  readonly controlMean: number;
  readonly treatmentMean: number;
  readonly diff: number;
  readonly se: number;
  readonly df: number;
  readonly pValue: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly relLift: number;
  readonly relCiLow: number;
  readonly relCiHigh: number;
}

export interface RatioTestResult {
  readonly controlValue: number;
  readonly treatmentValue: number;
  readonly diff: number;
  readonly se: number;
  readonly pValue: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly relLift: number;
  readonly relCiLow: number;
  readonly relCiHigh: number;
}

export interface CupedTestResult {
  readonly cupedApplied: boolean;
  readonly theta: number;
  readonly controlMean: number;
  readonly treatmentMean: number;
  readonly diff: number;
  readonly se: number;
  readonly df: number;
  readonly pValue: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly varianceReductionPct: number;
}

export interface SrmResult {
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
  readonly srmDetected: boolean;
}
