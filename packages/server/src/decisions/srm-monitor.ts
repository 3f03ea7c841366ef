import { srmTest } from "@assay/stats";

/** What the SRM monitor remembers between intervals. */
export interface SrmState {
  /** Consecutive intervals with p below the threshold, up to and including the last one. */
  readonly streak: number;
  /** Whether the current streak has already raised its alert (an alert fires once per streak). */
  readonly alerted: boolean;
}

export const initialSrmState: SrmState = { streak: 0, alerted: false };

export interface SrmCheck {
  readonly state: SrmState;
  readonly pValue: number;
  readonly statistic: number;
  /** True on the interval where the streak reaches `consecutive` (seed 002: 3 intervals at p < 0.01). */
  readonly alert: boolean;
  /** Whether an SRM is currently established (streak ≥ consecutive). */
  readonly active: boolean;
  readonly observedShares: Record<string, number>;
  readonly expectedShares: Record<string, number>;
  readonly counts: Record<string, number>;
}

export interface SrmMonitorOptions {
  /** Default 0.01. */
  readonly threshold?: number;
  /** Default 3. */
  readonly consecutive?: number;
}

/**
 * One interval of the SRM monitor: the engine's χ² test on the units that arrived in this interval
 * against the configured allocation; the alert fires when p < threshold for `consecutive` intervals in a row.
 * An interval without units keeps the state unchanged.
 * @example
 * const r = checkSrmInterval(initialSrmState, { control: 5000, treatment: 4500 }, { control: 50, treatment: 50 });
 */
export function checkSrmInterval(
  previous: SrmState,
  counts: Readonly<Record<string, number>>,
  allocation: Readonly<Record<string, number>>,
  options: SrmMonitorOptions = {},
): SrmCheck {
  const threshold = options.threshold ?? 0.01;
  const consecutive = options.consecutive ?? 3;
  const variants = Object.keys(allocation).filter((v) => (allocation[v] ?? 0) > 0);
  const observed = variants.map((v) => Math.max(0, Math.round(counts[v] ?? 0)));
  const weights = variants.map((v) => allocation[v] ?? 0);
  const total = observed.reduce((a, b) => a + b, 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const observedShares: Record<string, number> = {};
  const expectedShares: Record<string, number> = {};
  variants.forEach((v, i) => {
    observedShares[v] = total > 0 ? (observed[i] ?? 0) / total : 0;
    expectedShares[v] = (weights[i] ?? 0) / weightSum;
  });
  const countsOut = Object.fromEntries(variants.map((v, i) => [v, observed[i] ?? 0]));
  if (variants.length < 2 || total === 0) {
    return {
      state: previous,
      pValue: Number.NaN,
      statistic: Number.NaN,
      alert: false,
      active: previous.streak >= consecutive,
      observedShares,
      expectedShares,
      counts: countsOut,
    };
  }
  const result = srmTest(observed, weights, { threshold });
  const streak = result.srmDetected ? previous.streak + 1 : 0;
  const active = streak >= consecutive;
  const alert = active && !previous.alerted;
  return {
    state: { streak, alerted: active && (previous.alerted || alert) },
    pValue: result.pValue,
    statistic: result.statistic,
    alert,
    active,
    observedShares,
    expectedShares,
    counts: countsOut,
  };
}

/** Units that arrived since the previous check: the difference of two cumulative per-variant counts. */
export function intervalCounts(
  cumulative: Readonly<Record<string, number>>,
  previous: Readonly<Record<string, number>> | undefined,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(cumulative).map(([v, n]) => [v, Math.max(0, n - (previous?.[v] ?? 0))]),
  );
}
