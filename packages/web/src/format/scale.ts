/** Linear scales and "nice" ticks for the hand-drawn SVG charts. */

export interface LinearScale {
  (x: number): number;
  readonly domain: readonly [number, number];
  readonly ticks: ReadonlyArray<number>;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * A linear map from a data domain (widened to nice tick bounds) to a pixel range.
 * @example const x = linearScale([-0.013, 0.021], [0, 400]); x.ticks // [-0.015, -0.01, ..., 0.025]
 */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
  tickCount = 5,
): LinearScale {
  let [lo, hi] = domain;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, tickCount);
  const niceLo = Math.floor(lo / step) * step;
  const niceHi = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = niceLo; t <= niceHi + step / 2; t += step)
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  const [r0, r1] = range;
  const scale = ((x: number) => r0 + ((x - niceLo) / (niceHi - niceLo)) * (r1 - r0)) as LinearScale;
  Object.assign(scale, { domain: [niceLo, niceHi] as const, ticks });
  return scale;
}

/** The extent of the finite numbers given, or undefined when there are none. */
export function extent(values: Iterable<number | null | undefined>): [number, number] | undefined {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}
