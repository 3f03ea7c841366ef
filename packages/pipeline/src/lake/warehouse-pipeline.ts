import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAnalysis } from "../analyze.js";
import { loadConfigFile } from "../config/load-config.js";
import { getModel } from "../dialect/base/models.js";
import { segmentModelNames } from "../dialect/base/segment-models.js";
import { duckdbFunctions as d } from "../dialect/duckdb/functions.js";
import { duckdbDialect } from "../dialect/duckdb/index.js";
import type { OpenedEngine } from "../engine/opened-engine.js";
import { warehouseTarget } from "../engine/warehouse-analysis.js";
import { identifyTableName } from "../identity/identify-input.js";
import { writeDirectoryAtomically } from "../io/atomic-directory.js";
import { exportParquet } from "../io/export-table.js";
import { InputError, inputTableNames, inputTables, optionalInputTables } from "../io/input-schema.js";
import { loadColumns, loadTableIntoWarehouse } from "../load/load-warehouse.js";
import { createOutputShapes, unloadIntoDuckDb } from "../load/unload-warehouse.js";
import { materializeResults } from "../results/results-table.js";
import { checkDt, lakeConfigPath, listPartitions, partitionDir, partitionFiles } from "./lake-layout.js";
import {
  areaOf,
  MissingPartitionError,
  type PipelineJobOptions,
  type PipelineJobReport,
  pipelineSteps,
  stepPlans,
  writeSegmentResultsPartition,
  writeTestLog,
} from "./pipeline-jobs.js";

export interface WarehousePipelineOptions extends Omit<PipelineJobOptions, "engineOptions"> {
  /** A warehouse engine from `openEngine` (PostgreSQL or ClickHouse). */
  readonly opened: OpenedEngine;
}

/**
 * `assay pipeline run --engine postgres|clickhouse`: the lake's daily jobs with the models in the warehouse. Loads
 * the raw partition of `dt` (and any earlier lake partition the warehouse lacks) with the bulk loader, runs every
 * model there, and writes the same lake partitions as the DuckDB jobs (silver/gold models, results, quality report,
 * data test logs), exported from the warehouse tables. The models read every loaded partition, so it refuses, before
 * changing anything, when the warehouse holds raw partitions after `dt` (results for a day are cumulative as of that
 * day) or days the lake lacks (another data set in this schema): it never deletes warehouse data it did not load.
 * @example await runPipelineInWarehouse({ lake: "./data", dt: "2026-02-14", opened: await openEngine({ kind: "postgres", url }) });
 */
export async function runPipelineInWarehouse(
  options: WarehousePipelineOptions,
): Promise<PipelineJobReport[]> {
  const dt = checkDt(options.dt);
  const { lake, opened } = options;
  const target = warehouseTarget(opened.engine);
  const config = await loadConfigFile(options.configPath ?? lakeConfigPath(lake));
  const identify = listPartitions(lake, "raw", identifyTableName).filter((day) => day <= dt);
  if (identify.length > 0) {
    const dir = partitionDir(lake, "raw", identifyTableName, identify[0] ?? dt);
    throw new InputError(`${dir}: identity stitching (identifies) runs only on --engine duckdb`, {
      file: dir,
    });
  }
  const plans = [];
  for (const table of inputTableNames) {
    const relation = inputTables[table].relation;
    const lakeDays = listPartitions(lake, "raw", table).filter((day) => day <= dt);
    if (lakeDays.length === 0 && !optionalInputTables.has(table)) {
      throw new MissingPartitionError(
        `no raw ${table} partitions at or before dt=${dt} under ${join(lake, "raw", table)} (run \`assay generate --dt ${dt}\` or land data there)`,
      );
    }
    await target.ensureLoadTable(relation, loadColumns(table), "user_id");
    const loaded = (
      await target.query<{ dt: Date }>(`SELECT DISTINCT dt FROM ${opened.dialect.functions.ident(relation)}`)
    ).map((row) => row.dt.toISOString().slice(0, 10));
    const later = loaded.filter((day) => day > dt).sort();
    if (later.length > 0) {
      throw new MissingPartitionError(
        `the warehouse's ${relation} holds partitions after dt=${dt} (${later.join(", ")}); results for dt would not be as of that day`,
      );
    }
    const foreign = loaded.filter((day) => !lakeDays.includes(day)).sort();
    if (foreign.length > 0) {
      throw new MissingPartitionError(
        `the warehouse's ${relation} holds partitions the lake ${join(lake, "raw", table)} lacks (${foreign.join(", ")}); the models would count them: run the lake's pipeline in its own schema or database`,
      );
    }
    plans.push({ table, lakeDays, loaded });
  }
  for (const { table, lakeDays, loaded } of plans) {
    const relation = inputTables[table].relation;
    for (const day of lakeDays.filter((day) => day === dt || !loaded.includes(day))) {
      options.progress?.note(`load ${relation} dt=${day}`);
      const files = partitionFiles(lake, "raw", table, day).map((path) => ({
        path,
        format: "parquet" as const,
      }));
      await loadTableIntoWarehouse(target, table, files, day);
    }
  }
  const analysis = await runAnalysis(target, {
    config,
    dialect: opened.dialect,
    ...(options.alpha === undefined ? {} : { alpha: options.alpha }),
    ...(options.warnOnly ? { warnOnly: true } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
  });
  const shapes = await createOutputShapes(config);
  const work = await mkdtemp(join(tmpdir(), "assay-unload-"));
  try {
    const reports: PipelineJobReport[] = [];
    for (const step of pipelineSteps) {
      const plan = stepPlans[step];
      const written: string[] = [];
      const segmented = analysis.segmentAttributes.length > 0;
      for (const name of plan.models.filter((m) => !segmented && segmentModelNames.has(m))) {
        await rm(partitionDir(lake, areaOf(name), name, dt), { recursive: true, force: true });
      }
      const built = plan.models.filter((m) => segmented || !segmentModelNames.has(m));
      for (const model of built.map(getModel).filter((m) => m.zone !== "transient")) {
        await unloadIntoDuckDb(target, opened.dialect, shapes, model.name, work);
        const dir = partitionDir(lake, areaOf(model.name), model.name, dt);
        await writeDirectoryAtomically(dir, (tmp) =>
          exportParquet(shapes, `SELECT * FROM ${d.ident(model.name)}`, join(tmp, "part-0.parquet")),
        );
        written.push(dir);
      }
      const tests = analysis.quality.data_tests.filter((t) => plan.models.includes(t.model));
      if (step === "results") {
        await materializeResults(shapes, duckdbDialect, analysis.results);
        const resultsDir = partitionDir(lake, "gold", "fct_experiment_results", dt);
        await writeDirectoryAtomically(resultsDir, (tmp) =>
          exportParquet(shapes, "SELECT * FROM fct_experiment_results", join(tmp, "part-0.parquet")),
        );
        const segmentDir = await writeSegmentResultsPartition(shapes, lake, dt, analysis.segmentResults);
        const qualityDir = partitionDir(lake, "gold", "quality_report", dt);
        await writeDirectoryAtomically(qualityDir, (tmp) =>
          writeFile(join(tmp, "quality_report.json"), `${JSON.stringify(analysis.quality, null, 2)}\n`),
        );
        written.push(resultsDir, segmentDir, qualityDir);
      } else {
        await writeTestLog(lake, step, dt, tests);
      }
      const models = analysis.models.filter((m) => plan.models.includes(m.model));
      reports.push({ step, models, tests, written });
    }
    return reports;
  } finally {
    await shapes.close();
    await rm(work, { recursive: true, force: true });
  }
}
