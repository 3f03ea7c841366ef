import { createDuckDbEngine, partitionFiles } from "@assay/pipeline";
import type { SegmentResultRow } from "./segment-results.js";

/** The gold table of per-segment results the pipeline writes beside `fct_experiment_results`. */
export const SEGMENT_RESULTS_TABLE = "fct_experiment_results_by_segment";

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * The per-segment result rows of one experiment in the results partition `dt` (the summary's), optionally of
 * one attribute; empty when the partition has no segment results.
 * @example const rows = await readSegmentRows(lake, "exp_checkout", "2026-02-14", "platform");
 */
export async function readSegmentRows(
  lake: string,
  experimentId: string,
  dt: string,
  attribute?: string,
): Promise<SegmentResultRow[]> {
  const files = partitionFiles(lake, "gold", SEGMENT_RESULTS_TABLE, dt);
  if (files.length === 0) return [];
  const engine = await createDuckDbEngine({ threads: 1 });
  try {
    return await engine.query<SegmentResultRow & Record<string, unknown>>(
      `SELECT * FROM read_parquet([${files.map(quote).join(", ")}], hive_partitioning = false)
       WHERE experiment_id = ${quote(experimentId)}${attribute === undefined ? "" : ` AND segment_attribute = ${quote(attribute)}`}
       ORDER BY segment_attribute, segment_value, metric_id, analysis_mode, is_control DESC, variation_id`,
    );
  } finally {
    await engine.close();
  }
}
