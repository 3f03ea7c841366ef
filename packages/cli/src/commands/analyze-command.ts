import { resolve } from "node:path";
import {
  ConfigError,
  checkDt,
  createStreamProgress,
  DataTestError,
  EngineError,
  InputError,
  isInteractive,
  isOutputFormat,
  loadConfigFile,
  type OutputFormat,
  outputFormats,
  type PipelineRun,
  runPipeline,
  silentProgress,
  type Warehouse,
  type WarehouseKind,
} from "@assay/pipeline";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";
import { qualitySummary } from "../quality-summary.js";
import { openWarehouse, parseWarehouseKind, withEngineOptions } from "./engine-options.js";
import { reportProfile, withProfileOption } from "./profile-option.js";

/** Maps the pipeline's typed user-facing errors to a one-line CLI error; anything else is a bug and rethrown. */
export function pipelineErrorToCliError(error: unknown): never {
  if (error instanceof ConfigError) throw new CliError(`config error: ${error.message}`, 2, { cause: error });
  if (error instanceof InputError) throw new CliError(`input error: ${error.message}`, 1, { cause: error });
  if (error instanceof DataTestError) throw new CliError(error.message, 1, { cause: error });
  if (error instanceof EngineError && /No files found|does not exist|IO Error/i.test(error.message)) {
    throw new CliError(`input error: ${error.message.split("\n")[0]}`, 1, { cause: error });
  }
  throw error;
}

/** Parses `--alpha`: a number strictly between 0 and 1. */
export function parseAlpha(text: string): number {
  const alpha = Number(text);
  if (!Number.isFinite(alpha) || alpha <= 0 || alpha >= 1) {
    throw new CliError(`--alpha must be a number in (0, 1), got "${text}"`, 2);
  }
  return alpha;
}

/** Progress on a TTY, silence in CI or when piped. */
export function progressForTerminal() {
  return isInteractive(process.stderr) ? createStreamProgress(process.stderr) : silentProgress;
}

/** Parses `--format`: csv or parquet. */
export function parseFormat(text: string): OutputFormat {
  if (!isOutputFormat(text)) {
    throw new CliError(`--format must be one of ${outputFormats.join(", ")}, got "${text}"`, 2);
  }
  return text;
}

/**
 * Runs the pipeline in a warehouse opened from the flags (the embedded DuckDB when `kind` is duckdb), mapping a
 * warehouse's statement errors to one-line CLI errors.
 */
export async function runInWarehouse(
  kind: WarehouseKind,
  url: string | undefined,
  run: (warehouse: Warehouse | undefined) => Promise<PipelineRun>,
): Promise<PipelineRun> {
  if (kind === "duckdb") return run(undefined);
  const warehouse = await openWarehouse(kind, url ?? "");
  try {
    return await run(warehouse);
  } catch (error) {
    if (error instanceof EngineError) {
      throw new CliError(`${kind}: ${error.message.split("\n")[0]}`, 1, { cause: error });
    }
    throw error;
  } finally {
    await warehouse.close();
  }
}

/** `assay analyze`: the bring-your-own-data batch of the pipeline contract. */
export function registerAnalyzeCommand(program: Command): void {
  withProfileOption(
    withEngineOptions(
      program
        .command("analyze")
        .description(
          "Run the canonical assignment → exposure → outcomes pipeline on CSV or Parquet files (embedded DuckDB, or inside PostgreSQL/ClickHouse with --engine) and write every model as CSV plus quality_report.json.",
        )
        .requiredOption("--config <file>", "assay.yaml with experiments, variants and metrics")
        .option(
          "--data <dir>",
          "folder with assignments, exposures, events and optionally user_attributes (<name>.csv, <name>.parquet or a folder <name>/ of such files); required with duckdb, optional with a warehouse (omit to analyse what `assay load` loaded)",
        )
        .requiredOption("--out <dir>", "output folder; replaced atomically, never half-written")
        .option("--alpha <number>", "significance level for p-values and confidence intervals", "0.05")
        .option("--warn-only", "report failing data tests as warnings instead of stopping")
        .option(
          "--format <format>",
          "output tables as csv (sorted, the contract's files) or parquet (unsorted; better for large per-unit tables)",
          "csv",
        )
        .option(
          "--dt <date>",
          "warehouse only: partition YYYY-MM-DD that --data replaces (as `assay load --dt`)",
        ),
    ),
  )
    .addHelpText(
      "after",
      `
Outputs (CSV, UTC times as YYYY-MM-DDTHH:MM:SSZ, empty for null; with --format parquet the same tables as
.parquet files with TIMESTAMP columns, unsorted):
  fact_assignment, int_experiment_exposure_validation, fct_experiment_exposure_quality_daily,
  fct_experiment_cohort, fct_experiment_unit_outcomes, agg_experiment_metric_by_variant,
  fct_experiment_results, and quality_report.json. With a segment attribute (user_attributes rows, or
  segment_attributes in assay.yaml) also int_experiment_unit_segments, agg_experiment_metric_by_segment and
  experiment_results_by_segment (docs/pipeline.md, "Segments").

With --engine postgres|clickhouse the models are tables in the warehouse over every partition of
raw_assignments/raw_exposures/raw_events; statistics use only the per-variant sufficient statistics, and the
CSVs above are exported from the warehouse tables. See docs/warehouse.md.

Examples:
  assay analyze --config assay.yaml --data ./input --out ./results --alpha 0.05
  assay analyze --config assay.yaml --data ./input --out ./results --format parquet --profile profile.json
  assay analyze --engine postgres --url postgres://assay@db/warehouse --config assay.yaml --data ./input --dt 2026-02-01 --out ./results
  assay analyze --engine clickhouse --url 'clickhouse://ch1:8123,ch2:8123/assay?cluster=assay' --config assay.yaml --out ./results`,
    )
    .action(async (options: AnalyzeFlags) => {
      const alpha = parseAlpha(options.alpha);
      const format = parseFormat(options.format);
      const kind = parseWarehouseKind(options.engine, options.url);
      if (kind === "duckdb" && options.data === undefined) {
        throw new CliError("--data <dir> is required with --engine duckdb", 2);
      }
      if (kind !== "duckdb" && options.data !== undefined && options.dt === undefined) {
        throw new CliError(
          `--dt <date> is required to load --data into ${kind} (the partition it replaces)`,
          2,
        );
      }
      let dt: string | undefined;
      try {
        dt = options.dt === undefined ? undefined : checkDt(options.dt);
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      try {
        const config = await loadConfigFile(resolve(options.config));
        const run = await runInWarehouse(kind, options.url, (warehouse) =>
          runPipeline({
            source:
              options.data === undefined
                ? { kind: "loaded" }
                : { kind: "folder", dir: resolve(options.data), ...(dt === undefined ? {} : { dt }) },
            ...(warehouse ? { warehouse } : {}),
            sink: { kind: "folder", dir: resolve(options.out), format },
            config,
            alpha,
            warnOnly: options.warnOnly === true,
            progress: progressForTerminal(),
          }),
        );
        const quality = run.quality;
        if (quality === null) throw new Error("analyze ran without its results job");
        const warnings = quality.data_tests.filter((t) => t.status === "warn").length;
        process.stdout.write(
          `wrote ${run.results.length} result rows for ${config.experiments.length} experiment(s) to ${options.out}${warnings > 0 ? ` (${warnings} data test warning(s))` : ""}\n`,
        );
        process.stdout.write(`${qualitySummary(quality).join("\n")}\n`);
        await reportProfile(options.profile, run.profile);
      } catch (error) {
        pipelineErrorToCliError(error);
      }
    });
}

interface AnalyzeFlags {
  config: string;
  data?: string;
  out: string;
  alpha: string;
  warnOnly?: boolean;
  dt?: string;
  format: string;
  engine: string;
  url?: string;
  profile?: string | true;
}
