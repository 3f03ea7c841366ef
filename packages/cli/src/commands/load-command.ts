import {
  checkDt,
  EngineError,
  EngineUrlError,
  InputError,
  type InputFile,
  isWarehouseKind,
  loadInputsIntoWarehouse,
  openWarehouse,
  partitionFiles,
  resolveInputFiles,
  resolveOptionalInputFiles,
} from "@assay/pipeline";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";

const tables = ["assignments", "exposures", "events", "user_attributes"] as const;
/** Inputs a data folder may lack (loaded only when present). */
const optional = new Set<string>(["user_attributes"]);

interface LoadOptions {
  engine: string;
  url?: string;
  dt: string;
  data?: string;
  lake?: string;
}

/** `assay load`: bulk-loads canonical inputs or the collector's raw lake partitions into a warehouse, per dt. */
export function registerLoadCommand(program: Command): void {
  program
    .command("load")
    .description(
      "Bulk-load the canonical input tables (CSV/Parquet) or the lake's raw partitions into PostgreSQL or ClickHouse as raw_assignments, raw_exposures, raw_events and, when present, raw_user_attributes, replacing partition --dt (idempotent).",
    )
    .requiredOption("--engine <name>", "postgres | clickhouse")
    .requiredOption(
      "--url <url>",
      "postgres://user@host:5432/db[?schema=assay] or clickhouse://host:8123[,host2:8123]/db[?cluster=name]",
    )
    .requiredOption("--dt <date>", "partition date YYYY-MM-DD to replace")
    .option(
      "--data <dir>",
      "folder with assignments, exposures, events and optionally user_attributes (<name>.csv, <name>.parquet or <name>/)",
    )
    .option("--lake <dir>", "lake folder: loads raw/<table>/dt=<dt>/*.parquet (the collector's partitions)")
    .addHelpText(
      "after",
      `
Examples:
  assay load --engine postgres --url postgres://assay@localhost/warehouse --dt 2026-02-01 --data input/
  assay load --engine clickhouse --url 'clickhouse://ch1:8123,ch2:8123/assay?cluster=assay' --dt 2026-02-01 --lake lake/
Then: assay analyze --engine <same> --url <same> --config assay.yaml --out results/`,
    )
    .action(async (options: LoadOptions) => {
      if (!isWarehouseKind(options.engine) || options.engine === "duckdb") {
        throw new CliError(`--engine must be postgres or clickhouse, got "${options.engine}"`, 2);
      }
      if ((options.data === undefined) === (options.lake === undefined)) {
        throw new CliError("give exactly one of --data <dir> or --lake <dir>", 2);
      }
      let dt: string;
      try {
        dt = checkDt(options.dt);
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const files: Partial<Record<(typeof tables)[number], InputFile[]>> = {};
      try {
        for (const table of tables) {
          files[table] = options.data
            ? optional.has(table)
              ? resolveOptionalInputFiles(options.data, table)
              : resolveInputFiles(options.data, table)
            : partitionFiles(options.lake ?? "", "raw", table, dt).map((path) => ({
                path,
                format: "parquet" as const,
              }));
        }
      } catch (error) {
        if (error instanceof InputError)
          throw new CliError(`input error: ${error.message}`, 1, { cause: error });
        throw error;
      }
      let warehouse: Awaited<ReturnType<typeof openWarehouse>>;
      try {
        warehouse = await openWarehouse({ kind: options.engine, url: options.url ?? "" });
      } catch (error) {
        if (error instanceof EngineUrlError || error instanceof EngineError) {
          throw new CliError(error.message, 2, { cause: error });
        }
        throw error;
      }
      try {
        const { loader } = warehouse;
        if (loader === null) throw new CliError(`--engine ${options.engine} cannot bulk-load`, 2);
        const reports = await loadInputsIntoWarehouse(loader, files, dt);
        for (const r of reports) {
          process.stdout.write(`${r.table} dt=${r.dt}: ${r.rows} rows in ${Math.round(r.elapsedMs)} ms\n`);
        }
      } catch (error) {
        if (error instanceof InputError)
          throw new CliError(`input error: ${error.message}`, 1, { cause: error });
        if (error instanceof EngineError)
          throw new CliError(`${options.engine}: ${error.message}`, 1, { cause: error });
        throw error;
      } finally {
        await warehouse.close();
      }
    });
}
