import { describe, expect, it } from "vitest";
import {
  formatCount,
  formatDate,
  formatInterval,
  formatPercent,
  formatPercentagePoints,
  formatPValue,
  formatSignedPercent,
  formatSignedValue,
  formatValue,
} from "../src/format/number-format.js";

describe("number formatting", () => {
  it("formats counts with thousands separators and a dash for missing values", () => {
    expect(formatCount(10020)).toBe("10,020");
    expect(formatCount(null)).toBe("\u2014");
    expect(formatCount(Number.NaN)).toBe("\u2014");
  });

  it("formats proportions, signed relative changes and percentage points", () => {
    expect(formatPercent(0.0342)).toBe("3.42%");
    expect(formatPercent(1, 0)).toBe("100%");
    expect(formatSignedPercent(0.1234)).toBe("+12.34%");
    expect(formatSignedPercent(-0.05, 1)).toBe("\u22125.0%");
    expect(formatSignedPercent(-0.00001)).toBe("0.00%");
    expect(formatPercentagePoints(0.004)).toBe("+0.40 pp");
    expect(formatPercentagePoints(-0.0012)).toBe("\u22120.12 pp");
  });

  it("keeps four significant digits for values", () => {
    expect(formatValue(1234.5678)).toBe("1,235");
    expect(formatValue(0.012345)).toBe("0.01235");
    expect(formatValue(0)).toBe("0");
    expect(formatValue(-2.5)).toBe("\u22122.5");
    expect(formatSignedValue(0.5)).toBe("+0.5");
    expect(formatValue(1e-9)).toBe("1.000e-9");
  });

  it("shows p-values with three decimals and bounds at the extremes", () => {
    expect(formatPValue(0.0412)).toBe("0.041");
    expect(formatPValue(0.05)).toBe("0.050");
    expect(formatPValue(0.00002)).toBe("< 0.001");
    expect(formatPValue(0.9999)).toBe("> 0.999");
    expect(formatPValue(null)).toBe("\u2014");
  });

  it("formats intervals with the formatter of their ends", () => {
    expect(formatInterval(-0.0012, 0.0084, (x) => formatPercentagePoints(x))).toBe(
      "[\u22120.12 pp, +0.84 pp]",
    );
    expect(formatInterval(null, 0.1, (x) => String(x))).toBe("\u2014");
  });

  it("formats dates in UTC", () => {
    expect(formatDate("2026-02-12T23:30:00Z")).toBe("12 Feb 2026");
    expect(formatDate(null)).toBe("\u2014");
    expect(formatDate("not a date")).toBe("\u2014");
  });
});
