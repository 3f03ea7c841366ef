import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { formatProfile, type PipelineProfile } from "@assay/pipeline";
import type { Command } from "commander";

/** Adds `--profile [file]`: per-model seconds and rows printed after the run, and written as JSON to `file`. */
export function withProfileOption(command: Command): Command {
  return command.option(
    "--profile [file]",
    "print per-model seconds and rows (and data test seconds) after the run; with a file, also write them there as JSON",
  );
}

/** Prints the profile (to stderr, so stdout keeps the run's summary) and writes the JSON when a file was given. */
export async function reportProfile(
  flag: string | true | undefined,
  profile: PipelineProfile,
): Promise<void> {
  if (flag === undefined) return;
  process.stderr.write(`${formatProfile(profile).join("\n")}\n`);
  if (typeof flag === "string") {
    await writeFile(resolve(flag), `${JSON.stringify(profile, null, 2)}\n`);
  }
}
