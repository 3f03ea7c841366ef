import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { replayLine } from "@assay/decisions";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";

/** How a replay ended: counts of histories, and whether any line was unreadable. */
export interface ReplaySummary {
  readonly histories: number;
  readonly errors: number;
  readonly unreadable: number;
}

/**
 * Replays JSON Lines histories through the decision policy (`replayLine` of `@assay/decisions`, the function the
 * server's scheduled runs call), writing one JSON line per history as soon as it is done.
 * @example await replayStream(createReadStream("histories.jsonl"), (line) => process.stdout.write(line), { trace: false });
 */
export async function replayStream(
  input: Readable,
  write: (line: string) => void,
  options: { readonly trace: boolean },
): Promise<ReplaySummary> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  let histories = 0;
  let errors = 0;
  let unreadable = 0;
  for await (const line of lines) {
    n += 1;
    if (line.trim() === "") continue;
    const out = replayLine(line, n, options);
    histories += 1;
    if ("error" in out) {
      errors += 1;
      if (out.error.startsWith(`line ${n}: not valid JSON`)) unreadable += 1;
    }
    write(`${JSON.stringify(out)}\n`);
  }
  return { histories, errors, unreadable };
}

/** Registers `assay decide --replay [file]`. */
export function registerDecideCommand(program: Command): void {
  program
    .command("decide")
    .description("replay experiment histories through the decision policy (backtests, audits, error rates)")
    .requiredOption(
      "--replay [file]",
      "JSON Lines of histories (decisions-contract.md); stdin when omitted or -",
    )
    .option("--trace", "list every run's status, fail-closed state and reason codes", false)
    .addHelpText(
      "after",
      `
Each input line is one history: {"id", "experiment": {variants, metrics, planned_per_variant, start_at,
end_at, decision_config}, "snapshots": [{at, units, metrics, data_quality?}, ...]}. Each output line is
{"id", "final_status", "fail_closed_at", "first_ship_at", "first_roll_back_at", "srm_alert_at", "runs"}
(with --trace also "decisions": [{at, status, fail_closed, reasons: [{kind, severity, code}]}]), or
{"id", "error"} naming the field. The policy is the server's: see docs/decisions.md.

Exit status: 0 when every history ran, 1 when any has an error, 2 for unreadable input.

Example:
  assay decide --replay histories.jsonl --trace > decisions.jsonl`,
    )
    .action(async (options: { replay: string | true; trace: boolean }) => {
      const file = options.replay === true || options.replay === "-" ? null : options.replay;
      let input: Readable;
      if (file === null) {
        if (process.stdin.isTTY) {
          throw new CliError(
            "no histories: give a file, or pipe JSON Lines on stdin (see assay decide --help)",
            2,
          );
        }
        input = process.stdin;
      } else {
        try {
          await access(file);
        } catch (error) {
          throw new CliError(
            `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
            2,
            {
              cause: error,
            },
          );
        }
        input = createReadStream(file, "utf8");
      }
      const summary = await replayStream(input, (line) => process.stdout.write(line), {
        trace: options.trace,
      });
      if (summary.unreadable > 0) {
        throw new CliError(`${summary.unreadable} line(s) are not valid JSON (see their "error")`, 2);
      }
      if (summary.errors > 0) {
        throw new CliError(
          `${summary.errors} of ${summary.histories} histories have an error (see their "error" field)`,
          1,
        );
      }
    });
}
