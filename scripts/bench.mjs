#!/usr/bin/env node
// Runs each package's benchmark (packages/<name>/bench/run.ts); each writes its figures to bench-results/<name>.json and .md.
// `npm run bench -- sdk stats` runs only those packages.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const order = ["stats", "sdk", "pipeline", "server", "cli"];
const only = process.argv.slice(2);
mkdirSync(join(root, "bench-results"), { recursive: true });
let failed = 0;
for (const name of order) {
  if (only.length > 0 && !only.includes(name)) continue;
  const script = join(root, "packages", name, "bench", "run.ts");
  if (!existsSync(script)) continue;
  console.log(`\n== bench: ${name}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", script], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ASSAY_BENCH_OUT: join(root, "bench-results") },
  });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
