export { alphaSpending, SPENDING_METHODS, type SpendingMethod } from "./alpha-spending.js";
export {
  type BayesBinomialInput,
  type BayesBinomialResult,
  type BinomialArm,
  bayesBinomial,
} from "./bayes-binomial.js";
export { type CompareToControlOptions, type Comparison, compareToControl } from "./compare-to-control.js";
export {
  type AlwaysValidInterval,
  alwaysValidInterval,
  type ConfidenceSequenceOptions,
  type ConfidenceSequenceResult,
  confidenceSequence,
  ratioConfidenceSequence,
} from "./confidence-sequence.js";
export { CUPED_MIN_COVARIATE_VARIANCE, cupedTest } from "./cuped-test.js";
export { normalCdf, normalQuantile, normalSf } from "./distributions.js";
export { integrate, type QuadratureOptions } from "./gauss-kronrod.js";
export {
  type MixtureSides,
  mixtureBoundary,
  mixtureLogE,
  mixturePValue,
  mixtureRho,
} from "./normal-mixture.js";
export { type AdjustmentMethod, adjustPValues } from "./p-value-adjustment.js";
export {
  type QuantileArm,
  type QuantileSummary,
  type QuantileTestResult,
  quantileRanks,
  quantileTest,
  summarizeQuantile,
} from "./quantile-test.js";
export { type RatioCupedArm, type RatioCupedResult, ratioCupedTest } from "./ratio-cuped-test.js";
export { ratioTest, summarizeRatioArm } from "./ratio-test.js";
export {
  type RegressionAdjustedResult,
  type RegressionArm,
  regressionAdjustedTest,
} from "./regression-adjusted-test.js";
export { relativeLiftSe } from "./relative-lift.js";
export {
  type MdeInput,
  type MdeResult,
  type MeanPowerInput,
  meanPower,
  meanSampleSize,
  minimumDetectableEffect,
  type PowerOptions,
  type SampleSizeInput,
  type SampleSizeResult,
  sampleSize,
} from "./sample-size.js";
export { createNormalSampler, createSeededRandom, type RandomSource } from "./seeded-random.js";
export {
  type SequentialBoundsInput,
  type SequentialBoundsResult,
  sequentialBounds,
} from "./sequential-bounds.js";
export {
  type SequentialSrmOptions,
  type SequentialSrmResult,
  sequentialSrmTest,
} from "./sequential-srm-test.js";
export { SRM_DEFAULT_THRESHOLD, srmTest } from "./srm-test.js";
export { isStatsInputError, StatsInputError } from "./stats-input-error.js";
export type * from "./types.js";
export { meanTest, summarizeMeanArm } from "./welch-test.js";
