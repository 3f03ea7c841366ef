import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringifyConfig } from "../config/load-config.js";
import { type GeneratedDataset, generateDataset } from "../generator/generate-dataset.js";
import type { GenerateOptions } from "../generator/generator-options.js";
import { writeDirectoryAtomically } from "../io/atomic-directory.js";
import { exportCsv, exportParquet } from "../io/export-table.js";
import { inputTableNames, inputTables } from "../io/input-schema.js";
import type { Engine } from "../sql/engine.js";
import { createDuckDbEngine, type DuckDbEngineOptions } from "../warehouses/duckdb/connection.js";
import { duckdbFunctions as f } from "../warehouses/duckdb/sql-compiler.js";
import { checkDt, daysBetween, lakeConfigPath, partitionDir } from "./lake-layout.js";
import { rawLakeSelectList } from "./raw-lake-schema.js";

export interface GenerateToLakeOptions extends GenerateOptions {
  readonly lake: string;
  /** Last day to write. */
  readonly dt: string;
  /** First day to write (default: `dt` only). Rows are placed in the partition of their own UTC day. */
  readonly from?: string;
  readonly engineOptions?: DuckDbEngineOptions;
}

/**
 * `assay generate`: writes the generated raw rows of each day into `raw/<table>/dt=<day>/part-0.parquet` in the
 * raw lake schema (`rawLakeColumns`, the collector's)
 * (each partition replaced atomically) and the data set's `assay.yaml` into the lake if it has none.
 * @example await generateToLake({ lake: "./data", dt: "2026-02-14", from: "2026-01-18", seed: 1, users: 5000 });
 */
export async function generateToLake(
  options: GenerateToLakeOptions,
): Promise<GeneratedDataset & { days: string[] }> {
  const last = checkDt(options.dt);
  const first = checkDt(options.from ?? options.dt);
  const engine = await createDuckDbEngine(options.engineOptions ?? {});
  try {
    const dataset = await generateDataset(engine, options);
    const days = daysBetween(first, last);
    for (const name of inputTableNames) {
      const spec = inputTables[name];
      const columns = await engine.query<{ column_name: string }>(`DESCRIBE ${f.ident(spec.relation)}`);
      // The collector's schema (rawLakeColumns): a reader of a partition gets the same columns from every file.
      const select = rawLakeSelectList(
        name,
        columns.map((c) => c.column_name),
      );
      for (const day of days) {
        await writeDirectoryAtomically(partitionDir(options.lake, "raw", name, day), (dir) =>
          exportParquet(
            engine,
            `SELECT ${select} FROM ${spec.relation} WHERE CAST(${spec.time} AS DATE) = DATE ${f.string(day)}`,
            join(dir, "part-0.parquet"),
          ),
        );
      }
    }
    if (!existsSync(lakeConfigPath(options.lake))) {
      await mkdir(options.lake, { recursive: true });
      await writeFile(lakeConfigPath(options.lake), stringifyConfig(dataset.config));
    }
    return { ...dataset, days };
  } finally {
    await engine.close();
  }
}

/**
 * Writes a generated data set as a bring-your-own-data folder (`assignments.csv`, `exposures.csv`, `events.csv`,
 * `assay.yaml`) for `assay analyze`.
 */
export async function generateToDirectory(
  options: GenerateOptions & { readonly dir: string; readonly engine?: Engine },
): Promise<GeneratedDataset> {
  const engine = options.engine ?? (await createDuckDbEngine());
  try {
    const dataset = await generateDataset(engine, options);
    await writeDirectoryAtomically(options.dir, async (dir) => {
      for (const [name, spec] of Object.entries(inputTables)) {
        await exportCsv(engine, spec.relation, join(dir, `${name}.csv`));
      }
      await writeFile(join(dir, "assay.yaml"), stringifyConfig(dataset.config));
    });
    return dataset;
  } finally {
    if (!options.engine) await engine.close();
  }
}
