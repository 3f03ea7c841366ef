// Thin typed wrappers over @stdlib distribution functions, with tail-accurate survival functions.
import erfcinv from "@stdlib/math-base-special-erfcinv";
import gammainc from "@stdlib/math-base-special-gammainc";
import betaCdfImpl from "@stdlib/stats-base-dists-beta-cdf";
import betaLogPdfImpl from "@stdlib/stats-base-dists-beta-logpdf";
import betaQuantileImpl from "@stdlib/stats-base-dists-beta-quantile";
import normalCdfImpl from "@stdlib/stats-base-dists-normal-cdf";
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

/**
 * Standard normal quantile Φ⁻¹(p) = −√2·erfc⁻¹(2p), evaluated on the nearer tail so that it stays accurate
 * for p far below 1e-16 (stdlib's normal quantile goes through erf⁻¹(2p − 1), which loses the tail).
 */
export function normalQuantile(p: number): number {
  if (p < 0.5) return -Math.SQRT2 * erfcinv(2 * p);
  return Math.SQRT2 * erfcinv(2 * (1 - p));
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

/** Beta(a, b) log density (finite for large a, b where the density itself would overflow or underflow). */
export function betaLogPdf(x: number, a: number, b: number): number {
  return betaLogPdfImpl(x, a, b);
}
