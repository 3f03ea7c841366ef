import type { ExposureQualityDay } from "../api/api-types.js";

/** Assigned units below which a day's exposure rate is marked as unreliable (the pipeline's own threshold). */
export const MIN_UNITS_FOR_DAILY_RATE = 20;

/** A point of the daily exposure-rate chart; `note` marks a day with too few units to trust its rate. */
export interface ExposureRatePoint {
  readonly x: number;
  readonly y: number | null;
  readonly note?: string;
}

const dayMs = (d: string): number => Date.parse(d.length === 10 ? `${d}T00:00:00Z` : d);

/**
 * The exposure rate per assignment day, oldest first; a day with fewer than {@link MIN_UNITS_FOR_DAILY_RATE}
 * assigned units carries a note (a rate of 100 % from one user is not a healthy day).
 * @example exposureRatePoints([{ date_day: "2026-02-01", assigned_units: 1, exposure_rate: 1, ... }])[0].note // "1 assigned unit: too few to judge the rate"
 */
export function exposureRatePoints(days: ReadonlyArray<ExposureQualityDay>): ExposureRatePoint[] {
  return [...days]
    .sort((a, b) => a.date_day.localeCompare(b.date_day))
    .map((d) =>
      d.assigned_units < MIN_UNITS_FOR_DAILY_RATE
        ? {
            x: dayMs(d.date_day),
            y: d.exposure_rate,
            note: `${d.assigned_units} assigned unit${d.assigned_units === 1 ? "" : "s"}: too few to judge the rate`,
          }
        : { x: dayMs(d.date_day), y: d.exposure_rate },
    );
}
