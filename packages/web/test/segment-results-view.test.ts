import { describe, expect, it } from "vitest";
import type { SegmentResults } from "../src/api/api-types.js";
import { comparisonCells } from "../src/format/metric-format.js";
import { segmentAttributes, segmentMetricViews } from "../src/format/segment-results.js";

const comparison = (variant: string, p: number | null, adjusted: number | null, uplift: number) => ({
  variant,
  n: 1000,
  mean: 0.12,
  uplift_abs: uplift,
  uplift_rel: uplift / 0.1,
  ci: { low: uplift - 0.01, high: uplift + 0.01 },
  p_value: p,
  p_value_adjusted: adjusted,
  significant: adjusted !== null && adjusted < 0.05,
  cuped: false,
});

const results: SegmentResults = {
  experiment_key: "exp_1",
  attribute: "platform",
  analysis_mode: "itt",
  cuped: false,
  alpha: 0.05,
  dt: "2026-02-14",
  values: ["web", "ios"],
  adjustment: { method: "holm", family: "the segment values of the attribute, per metric and treatment" },
  exploratory: true,
  note: "Segment results are exploratory.",
  metric_types: { conversion_7d: "conversion", refund_rate: "conversion" },
  metrics: [
    {
      metric_key: "conversion_7d",
      role: "primary",
      direction: "increase",
      segments: [
        {
          value: "web",
          n: { control: 1010, treatment: 1000 },
          control: { variant: "control", n: 1010, mean: 0.1 },
          comparisons: [comparison("treatment", 0.01, 0.02, 0.02)],
        },
        {
          value: "ios",
          n: { control: 490, treatment: 500 },
          control: { variant: "control", n: 490, mean: 0.1 },
          comparisons: [comparison("treatment", 0.04, 0.04, 0.005)],
        },
      ],
    },
    {
      metric_key: "refund_rate",
      role: "guardrail",
      direction: "decrease",
      segments: [
        {
          value: "web",
          n: { control: 1010, treatment: 1000 },
          control: null,
          comparisons: [comparison("treatment", 0.001, 0.002, 0.03), comparison("bigger", null, null, 0)],
        },
      ],
    },
  ],
};

describe("segment drill-down view model", () => {
  it("offers the summary's attributes, or its reason", () => {
    expect(segmentAttributes({ available: true, attributes: ["country", "platform"] })).toEqual({
      attributes: ["country", "platform"],
      reason: null,
    });
    expect(segmentAttributes({ available: false, reason: "no attributes yet" })).toEqual({
      attributes: [],
      reason: "no attributes yet",
    });
    expect(segmentAttributes(undefined).attributes).toEqual([]);
  });

  it("maps each value × treatment to a Comparison with tone from the adjusted p-value and the metric's direction", () => {
    const [conversion, refunds] = segmentMetricViews(results);
    expect(conversion).toMatchObject({
      metricKey: "conversion_7d",
      kind: "proportion",
      multipleTreatments: false,
    });
    expect(conversion!.rows.map((r) => [r.value, r.comparison.tone, r.pValueAdjusted])).toEqual([
      ["web", "positive", 0.02],
      ["ios", "positive", 0.04],
    ]);
    expect(conversion!.rows[0]!.units).toEqual([
      ["control", 1010],
      ["treatment", 1000],
    ]);
    expect(comparisonCells(conversion!.rows[0]!.comparison, "proportion")).toMatchObject({
      relative: "+20.0%",
      difference: "+2.00 pp",
      pValue: "0.010",
    });
    // A rise of a "decrease" guardrail is bad news; a comparison without a p-value is neutral.
    expect(refunds!.multipleTreatments).toBe(true);
    expect(refunds!.rows.map((r) => [r.comparison.variationId, r.comparison.tone])).toEqual([
      ["treatment", "negative"],
      ["bigger", "neutral"],
    ]);
  });
});
