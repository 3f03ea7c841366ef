import type { Experiment, SegmentResults, SegmentsInfo } from "../api/api-types.js";
import { type Comparison, type MetricKind, toneOf } from "./metric-results.js";

/** One segment value × treatment of a metric: the comparison (tone from the adjusted p-value) and both p-values. */
export interface SegmentRow {
  readonly value: string;
  /** Units per variant in the segment value, control first. */
  readonly units: ReadonlyArray<readonly [variant: string, n: number]>;
  readonly comparison: Comparison;
  readonly pValueAdjusted: number | null;
}

export interface SegmentMetricView {
  readonly metricKey: string;
  readonly role: Experiment["metrics"][number]["role"] | "other";
  readonly direction: "increase" | "decrease";
  readonly kind: MetricKind;
  /** More than one treatment: rows and plot labels name the variant too. */
  readonly multipleTreatments: boolean;
  readonly rows: ReadonlyArray<SegmentRow>;
}

/**
 * The attributes the summary offers for a drill-down, or the server's reason there are none.
 * @example segmentAttributes({ available: true, attributes: ["country", "platform"] }) // { attributes: [...], reason: null }
 */
export function segmentAttributes(info: SegmentsInfo | undefined): {
  readonly attributes: ReadonlyArray<string>;
  readonly reason: string | null;
} {
  if (info === undefined)
    return { attributes: [], reason: "The server provides no per-segment results for this experiment." };
  if (!info.available) return { attributes: [], reason: info.reason };
  return {
    attributes: info.attributes,
    reason: info.attributes.length === 0 ? "No segment attribute has results yet." : null,
  };
}

/**
 * One view per metric of a drill-down answer: per segment value and treatment the comparison in the
 * dashboard's `Comparison` shape (so the results formatting and the forest plot apply), significance and tone
 * from the multiple-testing adjusted p-value.
 * @example segmentMetricViews(results)[0]?.rows[0]?.pValueAdjusted
 */
export function segmentMetricViews(results: SegmentResults): SegmentMetricView[] {
  return results.metrics.map((m) => {
    const direction = m.direction ?? "increase";
    const variants = new Set(m.segments.flatMap((s) => s.comparisons.map((c) => c.variant)));
    return {
      metricKey: m.metric_key,
      role: m.role ?? "other",
      direction,
      kind: results.metric_types[m.metric_key] === "conversion" ? "proportion" : "number",
      multipleTreatments: variants.size > 1,
      rows: m.segments.flatMap((s) =>
        s.comparisons.map(
          (c): SegmentRow => ({
            value: s.value,
            units: Object.entries(s.n),
            pValueAdjusted: c.p_value_adjusted,
            comparison: {
              variationId: c.variant,
              nUsers: c.n,
              mean: c.mean,
              upliftAbs: c.uplift_abs,
              upliftRel: c.uplift_rel,
              ciLow: c.ci.low,
              ciHigh: c.ci.high,
              pValue: c.p_value,
              significant: c.significant,
              tone: toneOf(c.uplift_abs, c.significant, direction),
              cuped: c.cuped,
              varianceReductionPct: null,
              method: "fixed_sample",
              fixed: { ciLow: c.ci.low, ciHigh: c.ci.high, pValue: c.p_value },
            },
          }),
        ),
      ),
    };
  });
}
