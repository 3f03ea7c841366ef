import { describe, expect, it } from "vitest";
import type { ExposureQualityDay } from "../src/api/api-types.js";
import { exposureRatePoints, MIN_UNITS_FOR_DAILY_RATE } from "../src/format/exposure-days.js";
import { forestDomain } from "../src/format/forest-domain.js";
import { formatCount } from "../src/format/number-format.js";
import { labelledTicks, linearScale } from "../src/format/scale.js";

// Issue 18 item 5: chart axes that read right.
describe("chart scales and ticks", () => {
  it("gives an all-zero count series the ticks 0 and 1, not '1, 1, 0, −0, −1'", () => {
    const y = linearScale([0, 0], [200, 0], 4, { integer: true });
    expect(labelledTicks(y.ticks, formatCount).map((t) => t.label)).toEqual(["0", "1"]);
    const counts = linearScale([0, 3], [200, 0], 4, { integer: true });
    expect(counts.ticks.every(Number.isInteger)).toBe(true);
  });

  it("never labels a tick −0 and drops ticks whose labels repeat, keeping real negatives", () => {
    const labels = labelledTicks([-0.5, -0, 0.5, 1], (v) => v.toFixed(0).replace("-", "−")).map(
      (t) => t.label,
    );
    expect(labels).toEqual(["−1", "0", "1"]);
    expect(
      labelledTicks([-0.03, 0, 0.03], (v) => v.toFixed(2).replace("-", "−")).map((t) => t.label),
    ).toEqual(["−0.03", "0.00", "0.03"]);
  });

  it("keeps a tiny segment's huge interval from stretching the forest plot's axis", () => {
    const rows = [
      { estimate: 0.01, low: -0.01, high: 0.03 },
      { estimate: 0.02, low: 0.0, high: 0.04 },
      { estimate: -0.01, low: -0.03, high: 0.01 },
      { estimate: 0.05, low: -0.3, high: 0.4 },
    ];
    expect(forestDomain(rows)).toEqual([-0.03, 0.04]);
    // Intervals alike: all of them count.
    expect(forestDomain(rows.slice(0, 3))).toEqual([-0.03, 0.04]);
    expect(forestDomain([{ estimate: null, low: null, high: null }])).toEqual([0, 0]);
  });

  it("marks a day with too few assigned units on the exposure-rate chart", () => {
    const day = (date_day: string, assigned: number, rate: number): ExposureQualityDay => ({
      date_day,
      assigned_units: assigned,
      exposed_units: Math.round(assigned * rate),
      exposure_rate: rate,
      exposure_rows: 0,
      valid_exposure_rows: 0,
      orphan_exposure_rows: 0,
      pre_assignment_exposure_units: 0,
      variant_mismatch_units: 0,
      multi_variation_exposure_units: 0,
      exposure_outside_window_units: 0,
    });
    const points = exposureRatePoints([day("2026-02-02", 1, 1), day("2026-02-01", 500, 0.8)]);
    expect(points.map((p) => p.y)).toEqual([0.8, 1]);
    expect(points[0]?.note).toBeUndefined();
    expect(points[1]?.note).toBe("1 assigned unit: too few to judge the rate");
    expect(MIN_UNITS_FOR_DAILY_RATE).toBe(20);
  });
});
