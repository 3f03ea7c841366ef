export { CUPED_MIN_COVARIATE_VARIANCE, cupedTest } from "./cuped-test.js";
export { ratioTest } from "./ratio-test.js";
export { SRM_DEFAULT_THRESHOLD, srmTest } from "./srm-test.js";
export { isStatsInputError, StatsInputError } from "./stats-input-error.js";
export type * from "./types.js";
export { meanTest } from "./welch-test.js";
