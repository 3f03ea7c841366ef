import {
  EngineError,
  MissingPartitionError,
  type PipelineJobReport,
  runPipeline,
  runPipelineInWarehouse,
} from "@assay/pipeline";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";
import { pipelineErrorToCliError } from "./analyze-command.js";
import { jobOptions, withJobOptions } from "./build-command.js";
import { openWarehouse, parseEngineKind, withEngineOptions } from "./engine-options.js";

/** `assay pipeline run`: every daily job for a date, in order. */
export function registerPipelineCommand(program: Command): void {
  const pipeline = program.command("pipeline").description("Run the daily lake pipeline.");
  withEngineOptions(
    withJobOptions(
      pipeline
        .command("run")
        .description("Run assignments → exposure-validation → outcomes → results for a date")
        .addHelpText(
          "after",
          `
Lake layout: <lake>/raw|silver|gold/<model>/dt=YYYY-MM-DD/part-0.parquet; results for dt are cumulative as of that day.

With --engine postgres|clickhouse --url …, the models run in the warehouse: the raw partition of dt (and any
earlier lake partition the warehouse lacks) is bulk-loaded, and the same partitions are written back to the lake.

Examples:
  assay generate --dt 2026-02-14 --from 2026-01-18 && assay pipeline run --dt 2026-02-14
  assay pipeline run --dt 2026-02-14 --engine clickhouse --url 'clickhouse://ch1:8123,ch2:8123/assay?cluster=assay'`,
        ),
    ),
  ).action(async (flags: Parameters<typeof jobOptions>[0] & { engine: string; url?: string }) => {
    const options = jobOptions(flags);
    const kind = parseEngineKind(flags.engine, flags.url);
    try {
      let reports: PipelineJobReport[];
      if (kind === "duckdb") {
        reports = await runPipeline(options);
      } else {
        const opened = await openWarehouse(kind, flags.url ?? "");
        try {
          reports = await runPipelineInWarehouse({ ...options, opened });
        } catch (error) {
          if (error instanceof EngineError) {
            throw new CliError(`${kind}: ${error.message.split("\n")[0]}`, 1, { cause: error });
          }
          throw error;
        } finally {
          await opened.engine.close();
        }
      }
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
