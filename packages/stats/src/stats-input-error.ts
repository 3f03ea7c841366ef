/**
 * Invalid input to a statistics function; `field` names the offending input (e.g. `treatment.n`).
 * @example
 * try { meanTest(control, { n: 1, sum: 0, sumSquares: 0 }); }
 * catch (error) { if (isStatsInputError(error)) console.log(error.field); } // "treatment.n"
 */
export class StatsInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "StatsInputError";
    this.field = field;
  }
}

/** True when `error` is a {@link StatsInputError}. */
export function isStatsInputError(error: unknown): error is StatsInputError {
  return error instanceof StatsInputError;
}
