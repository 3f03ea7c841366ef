import type { AssayConfig } from "../config/assay-config.js";
import { compareBytes } from "../segments/compare-bytes.js";
import {
  computeResults,
  type ExtraAggregates,
  type MomentAggregate,
  type QuantileAggregate,
  type ResultRow,
  resultColumns,
  type SkippedComparison,
  type VariantAggregate,
} from "./compute-results.js";

/** One row of `agg_experiment_metric_by_segment`: a by-variant aggregate within one segment. */
export interface SegmentAggregate extends VariantAggregate {
  readonly segment_attribute: string;
  readonly segment_value: string;
}

/** The per-segment metric-type aggregates: quantile summaries and moments with the segment keys. */
export interface SegmentExtraAggregates {
  readonly quantiles?: ReadonlyArray<QuantileAggregate & SegmentKeys>;
  readonly moments?: ReadonlyArray<MomentAggregate & SegmentKeys>;
}

/** The segment columns of a per-segment aggregate row. */
export interface SegmentKeys {
  readonly segment_attribute: string;
  readonly segment_value: string;
}

/** One row of `fct_experiment_results_by_segment`: a result row within one segment. */
export interface SegmentResultRow extends ResultRow {
  segment_attribute: string;
  segment_value: string;
}

/** A comparison within a segment the statistics engine refused (typically fewer than 2 units in an arm). */
export interface SkippedSegmentComparison extends SkippedComparison {
  readonly segment_attribute: string;
  readonly segment_value: string;
}

/** Columns of `fct_experiment_results_by_segment` (and `experiment_results_by_segment.csv`), in order. */
export const segmentResultColumns: ReadonlyArray<keyof SegmentResultRow> = [
  ...resultColumns.slice(0, 3),
  "segment_attribute",
  "segment_value",
  ...resultColumns.slice(3),
];

/**
 * Per-segment results: the per-variant computation ({@link computeResults}) run on each experiment × segment
 * attribute × segment value group of `agg_experiment_metric_by_segment` rows. Only groups with rows appear;
 * rows are ordered by experiment (config order), attribute, value (byte order), then as `computeResults` orders.
 * @example
 * const aggregates = await engine.query<SegmentAggregate>("SELECT * FROM agg_experiment_metric_by_segment");
 * const { rows } = computeSegmentResults(aggregates, config, { alpha: 0.05 });
 * rows.filter((r) => r.segment_attribute === "platform" && r.segment_value === "web");
 */
export function computeSegmentResults(
  aggregates: ReadonlyArray<SegmentAggregate>,
  config: AssayConfig,
  options: { readonly alpha: number },
  extras: SegmentExtraAggregates = {},
): { rows: SegmentResultRow[]; skipped: SkippedSegmentComparison[] } {
  const keyOf = (row: { experiment_id: string } & SegmentKeys) =>
    `${row.experiment_id}\u0000${row.segment_attribute}\u0000${row.segment_value}`;
  const groupBy = <T extends { experiment_id: string } & SegmentKeys>(rows: ReadonlyArray<T>) => {
    const out = new Map<string, T[]>();
    for (const row of rows) {
      const group = out.get(keyOf(row));
      if (group) group.push(row);
      else out.set(keyOf(row), [row]);
    }
    return out;
  };
  const groups = groupBy(aggregates);
  const quantiles = groupBy(extras.quantiles ?? []);
  const moments = groupBy(extras.moments ?? []);
  const rows: SegmentResultRow[] = [];
  const skipped: SkippedSegmentComparison[] = [];
  for (const experiment of config.experiments) {
    const segments = [...groups.values()]
      .map((group) => group[0]!)
      .filter((first) => first.experiment_id === experiment.id)
      .sort(
        (a, b) =>
          compareBytes(a.segment_attribute, b.segment_attribute) ||
          compareBytes(a.segment_value, b.segment_value),
      );
    for (const { segment_attribute, segment_value } of segments) {
      const key = `${experiment.id}\u0000${segment_attribute}\u0000${segment_value}`;
      const segmentExtras: ExtraAggregates = {
        ...(extras.quantiles ? { quantiles: quantiles.get(key) ?? [] } : {}),
        ...(extras.moments ? { moments: moments.get(key) ?? [] } : {}),
      };
      const result = computeResults(
        { ...config, experiments: [experiment] },
        groups.get(key) ?? [],
        options,
        segmentExtras,
      );
      const segment = { segment_attribute, segment_value };
      rows.push(...result.rows.map((row) => ({ ...row, ...segment })));
      skipped.push(...result.skipped.map((s) => ({ ...s, ...segment })));
    }
  }
  return { rows, skipped };
}
