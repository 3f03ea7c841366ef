import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AnalysisOptions,
  type AnalysisResult,
  analysisOutputs,
  runAnalysis,
  segmentAnalysisOutputs,
} from "../analyze.js";
import { duckdbDialect } from "../dialect/duckdb/index.js";
import { findIdentifyFiles } from "../identity/identity-inputs.js";
import { writeDirectoryAtomically } from "../io/atomic-directory.js";
import { exportCsv } from "../io/export-table.js";
import { resolveInputFiles, resolveOptionalInputFiles } from "../io/input-files.js";
import { InputError, inputTableNames, optionalInputTables } from "../io/input-schema.js";
import { type BulkLoadTarget, isBulkLoadTarget } from "../load/bulk-load-target.js";
import { loadInputsIntoWarehouse } from "../load/load-warehouse.js";
import { createOutputShapes, unloadIntoDuckDb } from "../load/unload-warehouse.js";
import { materializeResults, materializeSegmentResults } from "../results/results-table.js";
import type { Engine } from "./engine.js";
import type { OpenedEngine } from "./opened-engine.js";

export interface AnalyzeWarehouseOptions extends Omit<AnalysisOptions, "dialect"> {
  /** A warehouse engine from `openEngine` (PostgreSQL or ClickHouse). */
  readonly opened: OpenedEngine;
  readonly outDir: string;
  /** A bring-your-own-data folder loaded into partition `dt` first (replacing it); omit to analyse what is loaded. */
  readonly dataDir?: string;
  readonly dt?: string;
}

/** The engine as a bulk-load target, or a clear error for engines without a bulk path. */
export function warehouseTarget(engine: Engine): BulkLoadTarget {
  if (!isBulkLoadTarget(engine)) throw new TypeError(`engine ${engine.dialectName} is not a warehouse`);
  return engine;
}

/**
 * `assay analyze --engine postgres|clickhouse`: optionally loads a data folder into the warehouse, runs every
 * model there (model tables stay in the warehouse), computes the statistics from the sufficient statistics alone,
 * and writes the same files as the DuckDB path: the contract's per-unit and aggregate CSVs (exported from the
 * warehouse tables through the bulk unload path) and `quality_report.json`, atomically.
 * @example
 * const opened = await openEngine({ kind: "postgres", url });
 * await analyzeInWarehouse({ opened, config, dataDir: "input", dt: "2026-02-01", outDir: "out" });
 */
export async function analyzeInWarehouse(options: AnalyzeWarehouseOptions): Promise<AnalysisResult> {
  const { opened, config } = options;
  const target = warehouseTarget(opened.engine);
  if (options.dataDir !== undefined) {
    const identify = findIdentifyFiles(options.dataDir);
    if (identify[0] !== undefined) {
      throw new InputError(
        `${identify[0].path}: identity stitching (identifies) runs only on --engine duckdb; remove the file or use duckdb`,
        { file: identify[0].path },
      );
    }
    if (options.dt === undefined) throw new RangeError("--dt is required to load --data into a warehouse");
    const files = Object.fromEntries(
      inputTableNames.map((table) => [
        table,
        optionalInputTables.has(table)
          ? resolveOptionalInputFiles(options.dataDir ?? "", table)
          : resolveInputFiles(options.dataDir ?? "", table),
      ]),
    );
    await loadInputsIntoWarehouse(target, files, options.dt);
  }
  const analysis = await runAnalysis(target, { ...options, dialect: opened.dialect });
  const shapes = await createOutputShapes(config);
  const work = await mkdtemp(join(tmpdir(), "assay-unload-"));
  try {
    await writeDirectoryAtomically(options.outDir, async (dir) => {
      for (const output of analysisOutputs) {
        if (output.table === "fct_experiment_results") {
          await materializeResults(shapes, duckdbDialect, analysis.results);
        } else {
          await unloadIntoDuckDb(target, opened.dialect, shapes, output.table, work);
        }
        await exportCsv(shapes, output.table, join(dir, `${output.table}.csv`), output.orderBy || undefined);
      }
      if (analysis.segmentAttributes.length > 0) {
        for (const output of segmentAnalysisOutputs) {
          if (output.table === "fct_experiment_results_by_segment") {
            await materializeSegmentResults(shapes, duckdbDialect, analysis.segmentResults);
          } else {
            await unloadIntoDuckDb(target, opened.dialect, shapes, output.table, work);
          }
          await exportCsv(shapes, output.table, join(dir, `${output.file}.csv`), output.orderBy || undefined);
        }
      }
      await writeFile(join(dir, "quality_report.json"), `${JSON.stringify(analysis.quality, null, 2)}\n`);
    });
    return analysis;
  } finally {
    await shapes.close();
    await rm(work, { recursive: true, force: true });
  }
}
