import { MissingPartitionError, runPipeline } from "@assay/pipeline";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";
import { pipelineErrorToCliError } from "./analyze-command.js";
import { jobOptions, withJobOptions } from "./build-command.js";

/** `assay pipeline run`: every daily job for a date, in order. */
export function registerPipelineCommand(program: Command): void {
  const pipeline = program.command("pipeline").description("Run the daily lake pipeline.");
  withJobOptions(
    pipeline
      .command("run")
      .description("Run assignments → exposure-validation → outcomes → results for a date")
      .addHelpText(
        "after",
        `
Lake layout: <lake>/raw|silver|gold/<model>/dt=YYYY-MM-DD/part-0.parquet; results for dt are cumulative as of that day.

Example:
  assay generate --dt 2026-02-14 --from 2026-01-18 && assay pipeline run --dt 2026-02-14`,
      ),
  ).action(async (flags) => {
    const options = jobOptions(flags);
    try {
      const reports = await runPipeline(options);
      const written = reports.reduce((s, r) => s + r.written.length, 0);
      const warnings = reports.flatMap((r) => r.tests).filter((t) => t.status === "warn").length;
      process.stdout.write(
        `pipeline dt=${options.dt}: ${reports.length} jobs, ${written} partitions written${warnings ? `, ${warnings} data test warning(s)` : ""}\n`,
      );
    } catch (error) {
      if (error instanceof MissingPartitionError) throw new CliError(error.message, 1);
      pipelineErrorToCliError(error);
    }
  });
}
