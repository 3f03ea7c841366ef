import { MissingPartitionError, runPipeline } from "@assay/pipeline";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";
import { pipelineErrorToCliError, runInWarehouse } from "./analyze-command.js";
import { jobOptions, lakeJob, withJobOptions } from "./build-command.js";
import { parseWarehouseKind, withEngineOptions } from "./engine-options.js";
import { reportProfile, withProfileOption } from "./profile-option.js";

/** `assay pipeline run`: every daily job for a date, in order. */
export function registerPipelineCommand(program: Command): void {
  const pipeline = program.command("pipeline").description("Run the daily lake pipeline.");
  withProfileOption(
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
    ),
  ).action(
    async (
      flags: Parameters<typeof jobOptions>[0] & { engine: string; url?: string; profile?: string | true },
    ) => {
      const options = jobOptions(flags);
      const kind = parseWarehouseKind(flags.engine, flags.url);
      try {
        const run = await runInWarehouse(kind, flags.url, (warehouse) =>
          runPipeline({ ...lakeJob(options), ...(warehouse ? { warehouse } : {}) }),
        );
        const reports = run.steps;
        const written = reports.reduce((s, r) => s + r.written.length, 0);
        const warnings = reports.flatMap((r) => r.tests).filter((t) => t.status === "warn").length;
        process.stdout.write(
          `pipeline dt=${options.dt}: ${reports.length} jobs, ${written} partitions written${warnings ? `, ${warnings} data test warning(s)` : ""}\n`,
        );
        await reportProfile(flags.profile, run.profile);
      } catch (error) {
        if (error instanceof MissingPartitionError) throw new CliError(error.message, 1);
        pipelineErrorToCliError(error);
      }
    },
  );
}
