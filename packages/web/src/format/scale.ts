/** Linear scales and "nice" ticks for the hand-drawn SVG charts. */

export interface LinearScale {
  (x: number): number;
  readonly domain: readonly [number, number];
  readonly ticks: ReadonlyArray<number>;
}

export interface ScaleOptions {
  /** Whole-number ticks only (counts): the step is at least 1, so no tick reads "0.5" rounded to "1". */
  readonly integer?: boolean;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * A linear map from a data domain (widened to nice tick bounds) to a pixel range. A domain of one value is
 * widened around it; an all-zero one becomes [0, 1] (nothing below zero to show). Ticks are distinct and never
 * "−0".
 * @example const x = linearScale([-0.013, 0.021], [0, 400]); x.ticks // [-0.015, -0.01, ..., 0.025]
 * @example linearScale([0, 0], [200, 0], 4, { integer: true }).ticks // [0, 1]
 */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
  tickCount = 5,
  options: ScaleOptions = {},
): LinearScale {
  let [lo, hi] = domain;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo === hi) {
    if (lo === 0) hi = 1;
    else {
      const pad = Math.abs(lo) * 0.1;
      lo -= pad;
      hi += pad;
    }
  }
  const step =
    options.integer === true ? Math.max(1, niceStep(hi - lo, tickCount)) : niceStep(hi - lo, tickCount);
  const niceLo = Math.floor(lo / step) * step;
  const niceHi = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = niceLo; t <= niceHi + step / 2; t += step)
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)) + 0);
  const [r0, r1] = range;
  const scale = ((x: number) => r0 + ((x - niceLo) / (niceHi - niceLo)) * (r1 - r0)) as LinearScale;
  Object.assign(scale, { domain: [niceLo, niceHi] as const, ticks });
  return scale;
}

/**
 * Ticks with their labels, dropping a tick whose label repeats its neighbour's (a formatter that rounds) and
 * writing a negative zero as "0".
 * @example labelledTicks([0, 0.5, 1], (y) => y.toFixed(0)) // [{ value: 0, label: "0" }, { value: 1, label: "1" }]
 */
export function labelledTicks(
  ticks: ReadonlyArray<number>,
  format: (value: number) => string,
): Array<{ value: number; label: string }> {
  const out: Array<{ value: number; label: string }> = [];
  for (const value of ticks) {
    const label = format(value).replace(/^[−-](0(?:[.,]0+)?)(?![.,\d])/, "$1");
    if (out.at(-1)?.label === label) continue;
    out.push({ value, label });
  }
  return out;
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
