import { join } from "node:path";
import type { AssayConfig } from "../config/assay-config.js";
import { identifyTableName } from "../identity/identify-input.js";
import { findIdentifyFiles, type IdentityStepResult, stitchFromFiles } from "../identity/identity-inputs.js";
import { type InputFile, resolveInputFiles, resolveOptionalInputFiles } from "../io/input-files.js";
import { InputError, type InputTableName, inputTables, optionalInputTables } from "../io/input-schema.js";
import { loadExtraTables } from "../io/load-extra-tables.js";
import { loadInputTable } from "../io/load-input-table.js";
import { checkDt, listPartitions, partitionDir, partitionFiles } from "../lake/lake-layout.js";
import { loadColumns, loadInputsIntoWarehouse, loadTableIntoWarehouse } from "../load/load-warehouse.js";
import { metricSources } from "../models/measure-plan.js";
import type { ProgressReporter } from "../progress/progress-reporter.js";
import type { BulkLoader } from "../warehouses/bulk-loader.js";
import type { Warehouse } from "../warehouses/warehouse.js";
import { MissingPartitionError } from "./missing-partition-error.js";

/**
 * Where the raw rows come from:
 * - `folder`: a bring-your-own-data folder (`<name>.csv|parquet` or `<name>/`); a warehouse with a bulk loader
 *   loads it into partition `dt` first, replacing that partition.
 * - `lake`: the lake's raw partitions up to and including `dt` (cumulative).
 * - `loaded`: what the warehouse's `raw_*` tables already hold (`assay load`).
 */
export type PipelineSource =
  | { readonly kind: "folder"; readonly dir: string; readonly dt?: string }
  | { readonly kind: "lake"; readonly lake: string; readonly dt: string }
  | { readonly kind: "loaded" };

/** Raw files of a folder source, per input table (optional tables may have none). */
function folderFiles(dir: string, tables: ReadonlyArray<InputTableName>): Map<InputTableName, InputFile[]> {
  return new Map(
    tables.map((table) => [
      table,
      optionalInputTables.has(table) ? resolveOptionalInputFiles(dir, table) : resolveInputFiles(dir, table),
    ]),
  );
}

/** Raw files of the lake partitions up to dt; a required table without any is a `MissingPartitionError`. */
function lakeFiles(lake: string, dt: string, table: InputTableName): InputFile[] {
  const days = listPartitions(lake, "raw", table).filter((day) => day <= dt);
  const files = days.flatMap((day) => partitionFiles(lake, "raw", table, day));
  if (files.length === 0 && !optionalInputTables.has(table)) {
    throw new MissingPartitionError(
      `no raw ${table} partitions at or before dt=${dt} under ${join(lake, "raw", table)} (run \`assay generate --dt ${dt}\` or land data there)`,
    );
  }
  return files.map((path) => ({ path, format: "parquet" as const }));
}

function refuseIdentifies(path: string | undefined): void {
  if (path === undefined) return;
  throw new InputError(
    `${path}: identity stitching (identifies) runs only on --engine duckdb; remove the file or use duckdb`,
    { file: path },
  );
}

export interface LoadSourceOptions {
  readonly source: PipelineSource;
  readonly warehouse: Warehouse;
  readonly config: AssayConfig;
  /** Raw tables the run's models read. */
  readonly tables: ReadonlyArray<InputTableName>;
  readonly warnOnly?: boolean;
  readonly progress?: ProgressReporter;
}

/**
 * Puts the source's raw rows where the models read them: into the embedded DuckDB (validated on the way, identify
 * rows stitched when present) or through the warehouse's bulk loader. Returns the stitching outcome, if any.
 */
export async function loadSource(options: LoadSourceOptions): Promise<IdentityStepResult | null> {
  const { source, warehouse, tables } = options;
  if (source.kind === "loaded") return null;
  const { loader } = warehouse;
  if (loader !== null) {
    if (source.kind === "folder") {
      refuseIdentifies(findIdentifyFiles(source.dir)[0]?.path);
      if (source.dt === undefined) throw new RangeError("--dt is required to load --data into a warehouse");
      const files = Object.fromEntries(folderFiles(source.dir, tables));
      await loadInputsIntoWarehouse(loader, files, checkDt(source.dt));
    } else {
      await loadLakeIntoWarehouse(loader, warehouse, source.lake, source.dt, tables, options.progress);
    }
    return null;
  }
  const { engine } = warehouse;
  if (tables.length === 0) return null;
  // Each table is resolved right before it loads: the first problem in input order is the one reported.
  for (const table of tables) {
    const files =
      source.kind === "folder"
        ? (folderFiles(source.dir, [table]).get(table) ?? [])
        : lakeFiles(source.lake, source.dt, table);
    await loadInputTable(engine, table, files);
  }
  // SQL-defined metric sources read the folder's other files as tables (docs/metrics.md).
  if (source.kind === "folder" && metricSources(options.config).length > 0) {
    await loadExtraTables(engine, source.dir);
  }
  const identify =
    source.kind === "folder"
      ? findIdentifyFiles(source.dir)
      : listPartitions(source.lake, "raw", identifyTableName)
          .filter((day) => day <= source.dt)
          .flatMap((day) => partitionFiles(source.lake, "raw", identifyTableName, day))
          .map((path) => ({ path, format: "parquet" as const }));
  return stitchFromFiles(engine, identify, {
    config: options.config,
    tables,
    ...(options.warnOnly ? { warnOnly: true } : {}),
  });
}

/**
 * The lake's raw partitions into a warehouse: partition dt (replaced) and any earlier one the warehouse lacks.
 * Refuses, before changing anything, when the warehouse holds raw partitions after dt (results for a day are
 * cumulative as of that day) or days the lake lacks (another data set in this schema): it never deletes warehouse
 * data it did not load.
 */
async function loadLakeIntoWarehouse(
  loader: BulkLoader,
  warehouse: Warehouse,
  lake: string,
  dt: string,
  tables: ReadonlyArray<InputTableName>,
  progress: ProgressReporter | undefined,
): Promise<void> {
  const identify = listPartitions(lake, "raw", identifyTableName).filter((day) => day <= dt);
  if (identify[0] !== undefined) refuseIdentifies(partitionDir(lake, "raw", identifyTableName, identify[0]));
  const plans = [];
  for (const table of tables) {
    const relation = inputTables[table].relation;
    const lakeDays = listPartitions(lake, "raw", table).filter((day) => day <= dt);
    if (lakeDays.length === 0 && !optionalInputTables.has(table)) lakeFiles(lake, dt, table);
    await loader.ensureLoadTable(relation, loadColumns(table), "user_id");
    const loaded = (
      await warehouse.engine.query<{ dt: Date }>(
        `SELECT DISTINCT dt FROM ${warehouse.dialect.functions.ident(relation)}`,
      )
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
    for (const day of lakeDays.filter((day) => day === dt || !loaded.includes(day))) {
      progress?.note(`load ${inputTables[table].relation} dt=${day}`);
      const files = partitionFiles(lake, "raw", table, day).map((path) => ({
        path,
        format: "parquet" as const,
      }));
      await loadTableIntoWarehouse(loader, table, files, day);
    }
  }
}
