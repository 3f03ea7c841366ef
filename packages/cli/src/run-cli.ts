import { Command, CommanderError } from "commander";
import { CliError } from "./cli-error.js";
import { registerAnalyzeCommand } from "./commands/analyze-command.js";
import { registerBucketCommand } from "./commands/bucket-command.js";
import { registerBuildCommand } from "./commands/build-command.js";
import { registerDecideCommand } from "./commands/decide-command.js";
import { registerEraseUserCommand } from "./commands/erase-user-command.js";
import { registerFlagsCommand } from "./commands/flags-command.js";
import { registerGenerateCommand } from "./commands/generate-command.js";
import { registerLoadCommand } from "./commands/load-command.js";
import { registerPipelineCommand } from "./commands/pipeline-command.js";
import { registerServeCommand } from "./commands/serve-command.js";
import { registerSimulateCommand } from "./commands/simulate-command.js";
import { registerStatsCommand } from "./commands/stats-command.js";

/** Every sub-command registers itself on the program; one line each, in the order `--help` lists them. */
const registrations: ReadonlyArray<(program: Command) => void> = [
  registerAnalyzeCommand,
  registerGenerateCommand,
  registerBuildCommand,
  registerPipelineCommand,
  registerLoadCommand,
  registerEraseUserCommand,
  registerStatsCommand,
  registerDecideCommand,
  registerBucketCommand,
  registerServeCommand,
  registerSimulateCommand,
  registerFlagsCommand,
];

/** Builds the `assay` program. Exported for tests, which run commands in-process. */
export function createProgram(): Command {
  const program = new Command("assay")
    .description("Assay: trustworthy product experiments, from bucketing to the decision to ship.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  for (const register of registrations) register(program);
  return program;
}

/**
 * Runs the command line and returns the exit status; user errors print one line, never a stack trace.
 * @example process.exitCode = await runCli(["stats", "request.json"]);
 */
export async function runCli(argv: ReadonlyArray<string>): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode;
    }
    if (error instanceof CliError) {
      process.stderr.write(`assay: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
