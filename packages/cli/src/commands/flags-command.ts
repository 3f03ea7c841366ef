import { readFile, stat } from "node:fs/promises";
import type { Command } from "commander";
import { CliError } from "../cli-error.js";
import { findFlagReferences } from "./flag-refs.js";

/** The flag keys of a JSON file: `GET /api/flags` output (`{flags: [{key}]}`) or an SDK payload (same shape). */
async function keysFromFile(file: string): Promise<string[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new CliError(`--flags ${file}: ${(error as Error).message}`);
  }
  const flags = (json as { flags?: unknown }).flags;
  if (!Array.isArray(flags)) throw new CliError(`--flags ${file}: expected {"flags": [{"key": ...}, ...]}`);
  return flags.map((f) => (f as { key?: unknown }).key).filter((k): k is string => typeof k === "string");
}

/** `assay flags refs DIR [KEY...]`: where flag keys appear in a code base; exit 0 with results, 1 with none. */
export function registerFlagsCommand(program: Command): void {
  const flags = program.command("flags").description("Feature flag tools.");
  flags
    .command("refs")
    .description(
      "List where flag keys appear in a code base (file:line), skipping node_modules, .git and dist; exits 1 when none is found.",
    )
    .argument("<dir>", "folder to search")
    .argument("[keys...]", "flag keys to look for")
    .option("--flags <file>", "read the keys from GET /api/flags output or an SDK payload (JSON)")
    .option("--json", "print the references as JSON lines")
    .action(async (dir: string, keys: string[], options: { flags?: string; json?: boolean }) => {
      if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new CliError(`${dir}: not a folder`);
      const all = [...keys, ...(options.flags ? await keysFromFile(options.flags) : [])];
      if (all.length === 0) throw new CliError("give flag keys, or --flags FILE to read them from");
      const refs = await findFlagReferences(dir, all);
      for (const ref of refs) {
        process.stdout.write(
          options.json ? `${JSON.stringify(ref)}\n` : `${ref.file}:${ref.line}: ${ref.key}: ${ref.text}\n`,
        );
      }
      const unused = all.filter((k) => !refs.some((r) => r.key === k));
      if (unused.length > 0 && refs.length > 0) process.stderr.write(`not found: ${unused.join(", ")}\n`);
      process.exitCode = refs.length > 0 ? 0 : 1;
    });
}
