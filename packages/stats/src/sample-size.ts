import { normalCdf, normalQuantile } from "./distributions.js";
import { StatsInputError } from "./stats-input-error.js";
import type { Alternative } from "./types.js";
import { requireCount, requireFinite, requireOpenUnit, requirePositive, resolveOptions } from "./validate.js";

export interface PowerOptions {
  /** Significance level; default 0.05. */
  readonly alpha?: number;
  /** Target power; default 0.8. */
  readonly power?: number;
  /** Default two-sided (z_{1−α/2}); one-sided alternatives use z_{1−α}. */
  readonly alternative?: Alternative;
}

export interface SampleSizeInput extends PowerOptions {
  /** Control conversion rate p in (0, 1). */
  readonly baselineRate: number;
  /** Absolute minimum detectable effect δ (p + δ must stay in (0, 1)). */
  readonly mdeAbs: number;
}

export interface SampleSizeResult {
  readonly nPerVariant: number;
}

/** (z_{1−α/2} + z_power)², or with z_{1−α} for a one-sided test. */
function zFactor(options: PowerOptions): number {
  const { alpha, alternative } = resolveOptions(options);
  const power = requireOpenUnit(options.power ?? 0.8, "power");
  const zAlpha = normalQuantile(alternative === "two-sided" ? 1 - alpha / 2 : 1 - alpha);
  const z = zAlpha + normalQuantile(power);
  return z * z;
}

/**
 * Units per variant for a two-proportion test:
 * n = ⌈(z_{1−α/2} + z_power)²·(p(1−p) + (p+δ)(1−p−δ))/δ²⌉.
 * @example
 * sampleSize({ baselineRate: 0.1, mdeAbs: 0.01 }).nPerVariant; // 14749
 */
export function sampleSize(input: SampleSizeInput): SampleSizeResult {
  const p = requireOpenUnit(input.baselineRate, "baseline_rate");
  const delta = requireFinite(input.mdeAbs, "mde_abs");
  if (delta === 0) throw new StatsInputError("mde_abs", "must not be 0");
  if (p + delta <= 0 || p + delta >= 1) {
    throw new StatsInputError("mde_abs", `baseline_rate + mde_abs must be in (0, 1), got ${p + delta}`);
  }
  const variance = p * (1 - p) + (p + delta) * (1 - p - delta);
  const exact = (zFactor(input) * variance) / (delta * delta);
  // Guard against 1e-13 of rounding turning an integer into the next one up.
  return { nPerVariant: Math.ceil(exact - 1e-9) };
}

export interface MdeInput extends PowerOptions {
  readonly baselineRate: number;
  readonly nPerVariant: number;
}

export interface MdeResult {
  /** Smallest increase δ > 0 detectable with the given n, alpha and power. */
  readonly mdeAbs: number;
  /** δ/p. */
  readonly mdeRel: number;
}

/**
 * The inverse of {@link sampleSize}: the smallest absolute increase δ detectable with n units per variant.
 * Solves n·δ² = K·(p(1−p) + (p+δ)(1−p−δ)) with K = (z_α + z_power)², a quadratic in δ:
 * (n + K)δ² − K(1 − 2p)δ − 2K·p(1−p) = 0.
 * @example
 * minimumDetectableEffect({ baselineRate: 0.1, nPerVariant: 14749 }).mdeAbs; // ≈ 0.01
 */
export function minimumDetectableEffect(input: MdeInput): MdeResult {
  const p = requireOpenUnit(input.baselineRate, "baseline_rate");
  const n = requireCount(input.nPerVariant, "n_per_variant", 2);
  const k = zFactor(input);
  const b = k * (1 - 2 * p);
  const delta = (b + Math.sqrt(b * b + 8 * (n + k) * k * p * (1 - p))) / (2 * (n + k));
  if (p + delta >= 1) {
    throw new StatsInputError(
      "n_per_variant",
      `is too small: no increase below 1 − baseline_rate is detectable`,
    );
  }
  return { mdeAbs: delta, mdeRel: delta / p };
}

export interface MeanPowerInput {
  /** Baseline mean of the metric (needed for a relative effect). */
  readonly baselineMean: number;
  /** Baseline standard deviation of the metric per unit, assumed equal in both arms. */
  readonly baselineSd: number;
  /** Absolute effect; give this or `mdeRel`. */
  readonly mdeAbs?: number;
  /** Relative effect δ/μ; give this or `mdeAbs`. */
  readonly mdeRel?: number;
}

function effect(input: MeanPowerInput): { readonly delta: number; readonly sd: number } {
  requireFinite(input.baselineMean, "baseline_mean");
  const sd = requirePositive(input.baselineSd, "baseline_sd");
  let delta: number;
  if (input.mdeAbs !== undefined) delta = requireFinite(input.mdeAbs, "mde_abs");
  else if (input.mdeRel !== undefined) delta = requireFinite(input.mdeRel, "mde_rel") * input.baselineMean;
  else throw new StatsInputError("mde_abs", "give mde_abs or mde_rel");
  if (delta === 0)
    throw new StatsInputError(input.mdeAbs !== undefined ? "mde_abs" : "mde_rel", "the effect is 0");
  return { delta, sd };
}

/**
 * Units per variant to detect a shift δ in a mean metric with standard deviation σ:
 * n = ⌈2(z_{1−α/2} + z_power)²σ²/δ²⌉ (normal approximation, equal arms).
 * @example
 * meanSampleSize({ baselineMean: 20, baselineSd: 10, mdeRel: 0.05 }).nPerVariant; // 1570
 */
export function meanSampleSize(input: MeanPowerInput & PowerOptions): SampleSizeResult {
  const { delta, sd } = effect(input);
  return { nPerVariant: Math.ceil((2 * zFactor(input) * sd * sd) / (delta * delta) - 1e-9) };
}

/**
 * Power of the two-sample test of means with n units per variant:
 * Φ(|δ|/se − z_{1−α/2}) + Φ(−|δ|/se − z_{1−α/2}), se = σ√(2/n); one-sided: Φ(|δ|/se − z_{1−α}).
 * @example
 * meanPower({ baselineMean: 20, baselineSd: 10, mdeRel: 0.05, nPerVariant: 1570 }); // ≈ 0.80
 */
export function meanPower(
  input: MeanPowerInput & {
    readonly nPerVariant: number;
    readonly alpha?: number;
    readonly alternative?: Alternative;
  },
): number {
  const { delta, sd } = effect(input);
  const n = requireCount(input.nPerVariant, "n_per_variant", 2);
  const { alpha, alternative } = resolveOptions(input);
  const shift = Math.abs(delta) / (sd * Math.sqrt(2 / n));
  if (alternative !== "two-sided") return normalCdf(shift - normalQuantile(1 - alpha));
  const z = normalQuantile(1 - alpha / 2);
  return normalCdf(shift - z) + normalCdf(-shift - z);
}
