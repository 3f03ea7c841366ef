import { resolve } from "node:path";
import { checkDt, type GeneratorFaults, generateToDirectory, generateToLake } from "@assay/pipeline";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";
import { pipelineErrorToCliError } from "./analyze-command.js";

interface GenerateFlags {
  dt?: string;
  from?: string;
  lake: string;
  csv?: string;
  seed: string;
  users: string;
  days: string;
  start: string;
  lift: string;
  brokenExposureLogging?: string;
  preAssignmentExposure?: string;
  variantMismatch?: string;
  multiVariationExposure?: string;
  lateExposure?: string;
  sampleRatioMismatch?: string;
  duplicateEvents?: string;
  userAttributes: boolean;
  liftByPlatform?: string;
}

/** Parses `--lift-by-platform web=0.3,ios=0` into per-platform lifts of exp_checkout/treatment. */
export function platformLifts(text: string): Record<string, number> {
  const lifts: Record<string, number> = {};
  for (const part of text.split(",")) {
    const match = /^([A-Za-z0-9_-]+)=(-?[0-9.]+(?:e-?\d+)?)$/.exec(part.trim());
    const lift = Number(match?.[2]);
    if (!match?.[1] || !Number.isFinite(lift) || lift <= -1) {
      throw new CliError(
        `--lift-by-platform must be PLATFORM=LIFT[,PLATFORM=LIFT…] with lifts > -1, e.g. web=0.3, got "${text}"`,
        2,
      );
    }
    lifts[match[1]] = lift;
  }
  return lifts;
}

function integer(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new CliError(`--${name} must be an integer ≥ ${min}, got "${text}"`, 2);
  return value;
}

function fraction(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 1) {
    throw new CliError(`--${name} must be a fraction in (0, 1], got "${text}"`, 2);
  }
  return value;
}

/** Reads the fault switches from the flags. */
export function faultsFromFlags(flags: GenerateFlags): GeneratorFaults {
  const faults: Record<string, unknown> = {};
  if (flags.brokenExposureLogging !== undefined) {
    const match = /^(\d+):(\d+)$/.exec(flags.brokenExposureLogging);
    if (!match) throw new CliError(`--broken-exposure-logging must be FROM_DAY:DAYS, e.g. 5:2`, 2);
    faults.brokenExposureLogging = { fromDay: Number(match[1]), days: Number(match[2]) };
  }
  const fractions = {
    preAssignmentExposure: "pre-assignment-exposure",
    variantMismatch: "variant-mismatch",
    multiVariationExposure: "multi-variation-exposure",
    lateExposure: "late-exposure",
    sampleRatioMismatch: "sample-ratio-mismatch",
    duplicateEvents: "duplicate-events",
  } as const;
  for (const [key, flag] of Object.entries(fractions)) {
    const value = fraction(flag, flags[key as keyof typeof fractions]);
    if (value !== undefined) faults[key] = value;
  }
  return faults as GeneratorFaults;
}

/** `assay generate`: a seeded synthetic data set with known effects and switchable failure modes. */
export function registerGenerateCommand(program: Command): void {
  program
    .command("generate")
    .description(
      "Generate a realistic synthetic data set (seeded, known true effects) into the lake's raw partitions, or as CSV for `assay analyze`.",
    )
    .option("--dt <date>", "last day to write, YYYY-MM-DD (lake mode)")
    .option(
      "--from <date>",
      "first day to write (default: --dt only); the pre-period starts 14 days before --start",
    )
    .option("--lake <dir>", "lake root", "./data")
    .option(
      "--csv <dir>",
      "instead of the lake, write assignments/exposures/events.csv and assay.yaml to this folder",
    )
    .option("--seed <n>", "random seed; the same seed gives the same rows", "1")
    .option("--users <n>", "number of users", "5000")
    .option("--start <date>", "experiment start day", "2026-02-01")
    .option("--days <n>", "experiment length in days", "14")
    .option("--lift <x>", "true relative lift of purchase probability for exp_checkout/treatment", "0.15")
    .option(
      "--broken-exposure-logging <from:days>",
      "drop all exposures for DAYS days from day FROM of the experiment",
    )
    .option("--pre-assignment-exposure <fraction>", "units with an exposure before their assignment")
    .option("--variant-mismatch <fraction>", "units whose exposures name another variant")
    .option("--multi-variation-exposure <fraction>", "units exposed to two variants")
    .option("--late-exposure <fraction>", "units with an exposure after the experiment's end")
    .option("--sample-ratio-mismatch <fraction>", "share of non-control assignments lost")
    .option("--duplicate-events <fraction>", "share of events logged twice with the same event_id")
    .option("--no-user-attributes", "write no user_attributes rows (platform, country)")
    .option(
      "--lift-by-platform <spec>",
      "heterogeneous lift for exp_checkout/treatment by platform instead of --lift, e.g. web=0.3 (other platforms 0)",
    )
    .addHelpText(
      "after",
      `
Examples:
  assay generate --dt 2026-02-14 --from 2026-01-18          # 4 weeks of raw partitions under ./data/raw
  assay generate --csv ./demo --variant-mismatch 0.05       # a folder for assay analyze --data ./demo
  assay generate --csv ./demo --lift-by-platform web=0.3     # an effect on web only (drill down by platform)`,
    )
    .action(async (flags: GenerateFlags) => {
      const lift = Number(flags.lift);
      if (!Number.isFinite(lift) || lift <= -1)
        throw new CliError(`--lift must be a number > -1, got "${flags.lift}"`, 2);
      const base = {
        seed: integer("seed", flags.seed, 0),
        users: integer("users", flags.users, 1),
        days: integer("days", flags.days, 1),
        start: flags.start,
        faults: faultsFromFlags(flags),
        effects: { exp_checkout: { treatment: lift }, exp_onboarding: { guided: 0 } },
        userAttributes: flags.userAttributes,
        ...(flags.liftByPlatform === undefined
          ? {}
          : { effectsByPlatform: { exp_checkout: { treatment: platformLifts(flags.liftByPlatform) } } }),
      };
      try {
        checkDt(flags.start);
        if (flags.csv) {
          const dataset = await generateToDirectory({ ...base, dir: resolve(flags.csv) });
          process.stdout.write(
            `wrote ${dataset.rows.assignments} assignments, ${dataset.rows.exposures} exposures, ${dataset.rows.events} events, ${dataset.rows.userAttributes} user attributes to ${flags.csv}\n`,
          );
          return;
        }
        if (!flags.dt) throw new CliError("--dt is required (or use --csv DIR)", 2);
        const dataset = await generateToLake({
          ...base,
          lake: resolve(flags.lake),
          dt: checkDt(flags.dt),
          ...(flags.from ? { from: checkDt(flags.from) } : {}),
        });
        process.stdout.write(
          `wrote raw partitions for ${dataset.days.length} day(s) (${dataset.days[0]} … ${dataset.days.at(-1)}) under ${flags.lake}/raw\n`,
        );
      } catch (error) {
        if (error instanceof RangeError) throw new CliError(error.message, 2);
        pipelineErrorToCliError(error);
      }
    });
}
