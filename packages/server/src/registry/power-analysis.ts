import { isStatsInputError, sampleSize } from "@assay/stats";
import { BadRequestError } from "../http/http-error.js";
import type { ExperimentInput, PowerAnalysis } from "./experiment-schema.js";

/**
 * Completes a power analysis request with the engine's per-variant sample size (two-proportion test).
 * @example computePowerAnalysis({ baseline_rate: 0.1, mde_abs: 0.01, alpha: 0.05, power: 0.8 }).n_per_variant // 14749
 */
export function computePowerAnalysis(input: NonNullable<ExperimentInput["power_analysis"]>): PowerAnalysis {
  try {
    const { nPerVariant } = sampleSize({
      baselineRate: input.baseline_rate,
      mdeAbs: input.mde_abs,
      alpha: input.alpha,
      power: input.power,
    });
    // An alpha or power so extreme that no finite sample reaches it (alpha 1e-300) is the caller's error.
    if (!Number.isFinite(nPerVariant) || nPerVariant > Number.MAX_SAFE_INTEGER)
      throw new BadRequestError("power_analysis.alpha", "no finite sample size reaches this alpha and power");
    return {
      ...input,
      n_per_variant: nPerVariant,
      computed_by: "@assay/stats sampleSize (two-proportion z)",
    };
  } catch (error) {
    if (isStatsInputError(error)) {
      throw new BadRequestError(
        `power_analysis.${error.field}`,
        error.message.replace(`${error.field}: `, ""),
        error,
      );
    }
    throw error;
  }
}
