import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { chooseVariant, getBucket } from "@assay/sdk";
import type { Command } from "commander";
import { z } from "zod";
import { CliError } from "../cli-error.js";

const bucketLine = z
  .object({
    identity_id: z.string().optional(),
    anon_id: z.string().optional(),
    experiment_key: z.string(),
    variant_weights: z.array(z.tuple([z.string(), z.number().finite().nonnegative()])).min(1),
    salt: z.string(),
    seed: z.number().int().min(0).max(4294967295),
  })
  .refine((line) => line.identity_id !== undefined || line.anon_id !== undefined, {
    message: "required (or anon_id)",
    path: ["identity_id"],
  })
  // The same rule as the registry's (traffic allocations sum to 100): any other total would bucket differently
  // from the server, or leave buckets without a variant.
  .superRefine((line, ctx) => {
    const total = line.variant_weights.reduce((sum, [, weight]) => sum + weight, 0);
    if (Math.abs(total - 100) > 1e-9) {
      ctx.addIssue({
        code: "custom",
        message: `weights must sum to 100, as the server requires (they sum to ${total})`,
        path: ["variant_weights"],
      });
    }
  });

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/**
 * Streams JSON lines `{identity_id, experiment_key, variant_weights, salt, seed}` from `input` and writes one
 * `{"bucket":…,"variant":…}` line per input line to `output`, in order, through the SDK's bucketing.
 * Blank lines are skipped. Throws CliError naming the line and field of the first bad line.
 */
export async function runBucket(input: Readable, output: Writable): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  let count = 0;
  let pending = "";
  const flush = async () => {
    if (pending === "") return;
    const chunk = pending;
    pending = "";
    if (!output.write(chunk)) await new Promise((resolve) => output.once("drain", resolve));
  };
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      await flush();
      throw new CliError(`line ${lineNumber}: not valid JSON (${(error as Error).message})`, 2);
    }
    const parsed = bucketLine.safeParse(raw);
    if (!parsed.success) {
      await flush();
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length > 0 ? fieldPath(issue.path) : "(line)";
      throw new CliError(`line ${lineNumber}: field ${field}: ${issue.message}`, 2);
    }
    const c = parsed.data;
    const bucket = getBucket(c.identity_id ?? c.anon_id!, c.experiment_key, c.salt, c.seed);
    pending += `${JSON.stringify({ bucket, variant: chooseVariant(bucket, c.variant_weights) })}\n`;
    count++;
    if (pending.length > 65536) await flush();
  }
  await flush();
  return count;
}

/** `assay bucket`: deterministic assignment of JSON lines on stdin, for backtests in other languages and audits. */
export function registerBucketCommand(program: Command): void {
  program
    .command("bucket")
    .description(
      "Assign JSON lines from stdin with the SDK's bucketing; one {bucket, variant} line out per line in",
    )
    .addHelpText(
      "after",
      `
Input, one JSON object per line:
  {"identity_id": "u-1", "experiment_key": "checkout", "variant_weights": [["control", 50], ["treatment", 50]],
   "salt": "2026-11", "seed": 0}
(anon_id is used when identity_id is absent.) Output, in order:
  {"bucket":4821,"variant":"control"}

bucket = xxHash32(UTF-8 of identity_id:experiment_key:salt, seed) mod 10000; the variant is the first whose
cumulative weight x 100 exceeds the bucket (docs/sdk.md); the weights must sum to 100. A bad line stops with its line number and field (exit 2).

Example:
  echo '{"identity_id":"u-1","experiment_key":"x","variant_weights":[["a",50],["b",50]],"salt":"","seed":0}' | assay bucket`,
    )
    .action(async () => {
      await runBucket(process.stdin, process.stdout);
    });
}
