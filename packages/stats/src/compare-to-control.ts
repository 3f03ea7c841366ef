import { type AdjustmentMethod, adjustPValues } from "./p-value-adjustment.js";
import { StatsInputError } from "./stats-input-error.js";
import type { TestOptions } from "./types.js";

export interface CompareToControlOptions extends TestOptions {
  /** Correction of the p-values across the treatment comparisons; default "holm". */
  readonly correction?: AdjustmentMethod | "none";
}

export type Comparison<R> = R & {
  /** Index of the treatment arm in the `treatments` argument. */
  readonly variantIndex: number;
  /** The p-value adjusted across all comparisons (equal to `pValue` with correction "none"). */
  readonly adjustedPValue: number;
};

/**
 * Compares each treatment arm with the control using `test` (e.g. {@link meanTest}), and adjusts the
 * p-values for the number of comparisons (Holm by default).
 * @example
 * compareToControl(meanTest, control, [variantB, variantC], { correction: "holm" })
 *   .map((r) => r.adjustedPValue);
 */
export function compareToControl<A, R extends { readonly pValue: number }>(
  test: (control: A, treatment: A, options?: TestOptions) => R,
  control: A,
  treatments: readonly A[],
  options: CompareToControlOptions = {},
): Comparison<R>[] {
  if (treatments.length === 0) throw new StatsInputError("treatments", "needs at least one treatment arm");
  const { correction = "holm", ...testOptions } = options;
  const results = treatments.map((treatment, index) => {
    try {
      return test(control, treatment, testOptions);
    } catch (error) {
      if (error instanceof StatsInputError && error.field.startsWith("treatment")) {
        throw new StatsInputError(error.field.replace(/^treatment/, `treatments[${index}]`), error.message);
      }
      throw error;
    }
  });
  const pValues = results.map((r) => r.pValue);
  const adjusted = correction === "none" ? pValues : adjustPValues(correction, pValues);
  return results.map((r, index) => ({
    ...r,
    variantIndex: index,
    adjustedPValue: adjusted[index] ?? r.pValue,
  }));
}
