// Thin typed wrappers over @stdlib distribution functions, with tail-accurate survival functions.
import gammainc from "@stdlib/math-base-special-gammainc";
import betaCdfImpl from "@stdlib/stats-base-dists-beta-cdf";
import betaQuantileImpl from "@stdlib/stats-base-dists-beta-quantile";
import normalCdfImpl from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantileImpl from "@stdlib/stats-base-dists-normal-quantile";
import tCdfImpl from "@stdlib/stats-base-dists-t-cdf";
import tQuantileImpl from "@stdlib/stats-base-dists-t-quantile";

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return normalCdfImpl(x, 0, 1);
}

/** Standard normal upper tail 1 − Φ(x), computed as Φ(−x) so that it keeps relative precision. */
export function normalSf(x: number): number {
  return normalCdfImpl(-x, 0, 1);
}

/** Standard normal quantile Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  return normalQuantileImpl(p, 0, 1);
}

/** Student t CDF with `df` degrees of freedom. */
export function tCdf(x: number, df: number): number {
  return tCdfImpl(x, df);
}

/** Student t upper tail, computed as F(−x) for relative precision in the tail. */
export function tSf(x: number, df: number): number {
  return tCdfImpl(-x, df);
}

/** Student t quantile. */
export function tQuantile(p: number, df: number): number {
  return tQuantileImpl(p, df);
}

/** χ² upper tail P(X ≥ x) with `df` degrees of freedom, via the regularized upper incomplete gamma Q(df/2, x/2). */
export function chiSquareSf(x: number, df: number): number {
  if (x <= 0) return 1;
  return gammainc(x / 2, df / 2, true, true);
}

/** Beta(a, b) CDF. */
export function betaCdf(x: number, a: number, b: number): number {
  return betaCdfImpl(x, a, b);
}

/** Beta(a, b) quantile. */
export function betaQuantile(p: number, a: number, b: number): number {
  return betaQuantileImpl(p, a, b);
}
