import { resolve } from "node:path";
import {
  checkDt,
  MissingPartitionError,
  type PipelineStep,
  type RunPipelineOptions,
  runPipeline,
} from "@assay/pipeline";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";
import { parseAlpha, pipelineErrorToCliError, progressForTerminal } from "./analyze-command.js";

interface JobFlags {
  dt: string;
  lake: string;
  config?: string;
  alpha: string;
  warnOnly?: boolean;
}

/** Maps job flags to pipeline options, validating them. */
export function jobOptions(flags: JobFlags) {
  let dt: string;
  try {
    dt = checkDt(flags.dt);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  return {
    lake: resolve(flags.lake),
    dt,
    alpha: parseAlpha(flags.alpha),
    warnOnly: flags.warnOnly === true,
    progress: progressForTerminal(),
    ...(flags.config ? { configPath: resolve(flags.config) } : {}),
  };
}

/** The runner's options for the lake's daily jobs of `jobOptions`: lake partitions in, lake partitions out. */
export function lakeJob(options: ReturnType<typeof jobOptions>): RunPipelineOptions {
  const { lake, dt, configPath, ...rest } = options;
  return {
    source: { kind: "lake", lake, dt },
    sink: { kind: "lake", lake, dt },
    ...(configPath === undefined ? {} : { configPath }),
    ...rest,
  };
}

/** Adds the options every daily job shares. */
export function withJobOptions(command: Command): Command {
  return command
    .requiredOption("--dt <date>", "partition date YYYY-MM-DD; raw data up to and including this day is used")
    .option("--lake <dir>", "lake root", "./data")
    .option("--config <file>", "assay.yaml (default: <lake>/assay.yaml)")
    .option("--alpha <number>", "significance level", "0.05")
    .option("--warn-only", "report failing data tests as warnings instead of stopping");
}

/** Runs one job and maps its errors to CLI errors. */
export async function runJob(step: PipelineStep, flags: JobFlags): Promise<void> {
  const options = jobOptions(flags);
  try {
    const run = await runPipeline({ ...lakeJob(options), steps: [step] });
    const written = run.steps.reduce((sum, report) => sum + report.written.length, 0);
    process.stdout.write(`${step} dt=${options.dt}: wrote ${written} partition(s)\n`);
  } catch (error) {
    if (error instanceof MissingPartitionError) throw new CliError(error.message, 1);
    pipelineErrorToCliError(error);
  }
}

const jobs: ReadonlyArray<{ step: PipelineStep; description: string }> = [
  {
    step: "assignments",
    description: "J1: canonical assignments (silver/fact_assignment) from raw assignments",
  },
  {
    step: "exposure-validation",
    description:
      "J2: exposure validation, cohort (silver) and daily exposure quality (gold/fct_experiment_exposure_quality_daily)",
  },
  { step: "outcomes", description: "unit outcomes and per-variant sufficient statistics (gold)" },
  { step: "results", description: "results by the statistics engine and the quality report (gold)" },
];

/** `assay build <job>`: the daily jobs of seed 001, one at a time. */
export function registerBuildCommand(program: Command): void {
  const build = program
    .command("build")
    .description("Run one daily pipeline job for a date; outputs replace their Hive partition atomically.");
  for (const job of jobs) {
    withJobOptions(build.command(job.step).description(job.description)).action((flags: JobFlags) =>
      runJob(job.step, flags),
    );
  }
}
