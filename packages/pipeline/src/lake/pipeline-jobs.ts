import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ResultRow } from "../results/compute-results.js";
import type { SegmentResultRow } from "../results/compute-segment-results.js";
import type { QualityReport } from "../results/quality-report.js";
import { createDuckDbEngine } from "../warehouses/duckdb/connection.js";
import { duckdbFunctions as f } from "../warehouses/duckdb/sql-compiler.js";
import { listPartitions, partitionDir, partitionFiles } from "./lake-layout.js";

// Reads of the pipeline's lake partitions (the runner, `runner/run-pipeline.ts`, writes them).

/** The latest results partition at or before `dt` (or the latest overall). */
export function latestResultsDt(lake: string, dt?: string): string | null {
  const days = listPartitions(lake, "gold", "fct_experiment_results").filter(
    (d) => dt === undefined || d <= dt,
  );
  return days.at(-1) ?? null;
}

/** One `agg_experiment_metric_by_variant` row: a variant's sufficient statistics of one metric and mode. */
export interface VariantAggregateRow {
  readonly experiment_id: string;
  readonly metric_id: string;
  readonly analysis_mode: string;
  readonly variation_id: string;
  readonly n: number;
  readonly sum_value: number | null;
  readonly sum_value_sq: number | null;
  readonly sum_den: number | null;
  readonly sum_den_sq: number | null;
  readonly sum_value_den: number | null;
}

/**
 * Reads result rows for one experiment from the lake (latest partition unless `dt` is given).
 * @example const rows = await readExperimentResults({ lake: "./data", experimentId: "exp_checkout" });
 */
export async function readExperimentResults(options: {
  readonly lake: string;
  readonly experimentId: string;
  readonly dt?: string;
}): Promise<{ dt: string; rows: ResultRow[] } | null> {
  const dt = latestResultsDt(options.lake, options.dt);
  if (dt === null) return null;
  const files = partitionFiles(options.lake, "gold", "fct_experiment_results", dt);
  const engine = await createDuckDbEngine();
  try {
    const rows = await engine.query<ResultRow & Record<string, unknown>>(
      `SELECT * FROM read_parquet([${files.map(f.string).join(", ")}], hive_partitioning = false, union_by_name = true) WHERE experiment_id = ${f.string(options.experimentId)}`,
    );
    return { dt, rows };
  } finally {
    await engine.close();
  }
}

/**
 * Reads per-segment result rows (`fct_experiment_results_by_segment`) for one experiment from the same results
 * partition {@link readExperimentResults} reads (latest unless `dt` is given). `rows` is empty when that day had no
 * segment attribute; null when there is no results partition (or it predates segments).
 * @example
 * const seg = await readExperimentSegmentResults({ lake: "./data", experimentId: "exp_checkout" });
 * seg?.rows.filter((r) => r.segment_attribute === "platform");
 */
export async function readExperimentSegmentResults(options: {
  readonly lake: string;
  readonly experimentId: string;
  readonly dt?: string;
}): Promise<{ dt: string; rows: SegmentResultRow[] } | null> {
  const dt = latestResultsDt(options.lake, options.dt);
  if (dt === null) return null;
  const files = partitionFiles(options.lake, "gold", "fct_experiment_results_by_segment", dt);
  if (files.length === 0) return null;
  const engine = await createDuckDbEngine();
  try {
    const rows = await engine.query<SegmentResultRow & Record<string, unknown>>(
      `SELECT * FROM read_parquet([${files.map(f.string).join(", ")}], hive_partitioning = false, union_by_name = true) WHERE experiment_id = ${f.string(options.experimentId)}`,
    );
    return { dt, rows };
  } finally {
    await engine.close();
  }
}

/** Reads the quality report of a results partition (latest unless `dt` is given). */
export async function readQualityReport(options: {
  readonly lake: string;
  readonly dt?: string;
}): Promise<{ dt: string; report: QualityReport } | null> {
  const dt = latestResultsDt(options.lake, options.dt);
  if (dt === null) return null;
  const path = join(partitionDir(options.lake, "gold", "quality_report", dt), "quality_report.json");
  if (!existsSync(path)) return null;
  return { dt, report: JSON.parse(await readFile(path, "utf8")) as QualityReport };
}
