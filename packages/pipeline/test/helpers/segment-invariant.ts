import { sufficientStatistics } from "../../src/models/metric-aggregate-sql.js";

type Row = Record<string, unknown>;

/**
 * The segment invariant: for each attribute, summing `agg_experiment_metric_by_segment` over the attribute's values
 * gives `agg_experiment_metric_by_variant` (every unit is in exactly one value of each attribute). Counts must match
 * exactly, sums to relative 1e-9. Returns every mismatch as text (empty = holds).
 */
export function checkSegmentInvariant(
  byVariant: ReadonlyArray<Row>,
  bySegment: ReadonlyArray<Row>,
  attributes: ReadonlyArray<string>,
): string[] {
  const key = (r: Row) => `${r.experiment_id}/${r.metric_id}/${r.analysis_mode}/${r.variation_id}`;
  const columns = ["n", ...sufficientStatistics];
  const mismatches: string[] = [];
  for (const attribute of attributes) {
    const totals = new Map<string, Record<string, number>>();
    for (const row of bySegment.filter((r) => r.segment_attribute === attribute)) {
      const total = totals.get(key(row)) ?? Object.fromEntries(columns.map((c) => [c, 0]));
      for (const c of columns) total[c] = (total[c] ?? 0) + Number(row[c]);
      totals.set(key(row), total);
    }
    for (const want of byVariant) {
      const got = totals.get(key(want));
      for (const c of columns) {
        const expected = Number(want[c]);
        const actual = got?.[c] ?? 0;
        const ok =
          c === "n"
            ? actual === expected
            : Math.abs(actual - expected) <= Math.max(1e-9 * Math.abs(expected), 1e-9);
        if (!ok) mismatches.push(`${attribute}: ${key(want)}.${c}: ${actual} != ${expected}`);
      }
    }
    // A segment row can only belong to an existing by-variant row.
    for (const k of totals.keys()) {
      if (!byVariant.some((r) => key(r) === k)) mismatches.push(`${attribute}: ${k} has no by-variant row`);
    }
  }
  return mismatches;
}
