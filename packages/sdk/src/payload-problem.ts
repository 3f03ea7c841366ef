/** The first problem found in a payload: where (a JSON path such as `$.flags[3].rules[0].value`) and what. */
export interface PayloadProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * A malformed payload or condition, carrying the JSON path of the problem.
 * @example new PayloadError({ path: "$.flags[0].type", message: "must be one of boolean, string, number, json" })
 */
export class PayloadError extends Error {
  readonly path: string;
  constructor(problem: PayloadProblem) {
    super(`${problem.path}: ${problem.message}`);
    this.name = "PayloadError";
    this.path = problem.path;
  }
}
