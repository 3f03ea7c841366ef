import { resolve } from "node:path";
import {
  analyzeDirectory,
  ConfigError,
  createStreamProgress,
  DataTestError,
  EngineError,
  InputError,
  isInteractive,
  loadConfigFile,
  silentProgress,
} from "@assay/pipeline";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";

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

/** `assay analyze`: the bring-your-own-data batch of the pipeline contract. */
export function registerAnalyzeCommand(program: Command): void {
  program
    .command("analyze")
    .description(
      "Run the canonical assignment → exposure → outcomes pipeline on CSV or Parquet files and write every model as CSV plus quality_report.json.",
    )
    .requiredOption("--config <file>", "assay.yaml with experiments, variants and metrics")
    .requiredOption(
      "--data <dir>",
      "folder with assignments, exposures and events (<name>.csv, <name>.parquet or a folder <name>/ of such files)",
    )
    .requiredOption("--out <dir>", "output folder; replaced atomically, never half-written")
    .option("--alpha <number>", "significance level for p-values and confidence intervals", "0.05")
    .option("--warn-only", "report failing data tests as warnings instead of stopping")
    .addHelpText(
      "after",
      `
Outputs (CSV, UTC times as YYYY-MM-DDTHH:MM:SSZ, empty for null):
  fact_assignment, int_experiment_exposure_validation, fct_experiment_exposure_quality_daily,
  fct_experiment_cohort, fct_experiment_unit_outcomes, agg_experiment_metric_by_variant,
  fct_experiment_results, and quality_report.json.

Example:
  assay analyze --config assay.yaml --data ./input --out ./results --alpha 0.05`,
    )
    .action(
      async (options: { config: string; data: string; out: string; alpha: string; warnOnly?: boolean }) => {
        const alpha = parseAlpha(options.alpha);
        try {
          const config = await loadConfigFile(resolve(options.config));
          const progress = progressForTerminal();
          const analysis = await analyzeDirectory({
            config,
            dataDir: resolve(options.data),
            outDir: resolve(options.out),
            alpha,
            warnOnly: options.warnOnly === true,
            progress,
          });
          const warnings = analysis.quality.data_tests.filter((t) => t.status === "warn").length;
          process.stdout.write(
            `wrote ${analysis.results.length} result rows for ${config.experiments.length} experiment(s) to ${options.out}${warnings > 0 ? ` (${warnings} data test warning(s))` : ""}\n`,
          );
        } catch (error) {
          pipelineErrorToCliError(error);
        }
      },
    );
}
