#!/usr/bin/env node
// Runs each package's benchmarks (packages/<name>/bench/run.ts, then bench/engines.ts if present; for decisions also
// packages/server/bench/decision-cycle.ts); each writes its figures to bench-results/<name>.json and .md.
// `npm run bench -- sdk stats` runs only those packages.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const order = ["stats", "sdk", "decisions", "pipeline", "server", "cli"];
const only = process.argv.slice(2);
mkdirSync(join(root, "bench-results"), { recursive: true });
let failed = 0;
// bench/run.ts writes <name>.*; bench/engines.ts (if present) writes <name>-engines.* (`npm run bench -- pipeline-engines` runs only it).
for (const name of order) {
  for (const [file, id, pkg] of [
    ["run.ts", name, name],
    ["engines.ts", `${name}-engines`, name],
    // bench/metrics.ts (pipeline): the cost of each metric type of docs/metrics.md, `npm run bench -- pipeline-metrics`.
    ["metrics.ts", `${name}-metrics`, name],
    // The decisions bench's second part, the server's hourly cycle over many experiments, lives with the server.
    ...(name === "decisions" ? [["decision-cycle.ts", "decisions-cycle", "server"]] : []),
    // The server's streaming delivery (1,000 SDK clients on GET /api/sdk/stream): bench-results/server-stream.*.
    ...(name === "server" ? [["stream.ts", "server-stream", "server"]] : []),
  ]) {
    if (only.length > 0 && !only.includes(name) && !only.includes(id)) continue;
    const script = join(root, "packages", pkg, "bench", file);
    if (!existsSync(script)) continue;
    console.log(`\n== bench: ${id}`);
    const result = spawnSync(
      process.execPath,
      ["--conditions=source", "--import", "tsx", "--expose-gc", script],
      {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, ASSAY_BENCH_OUT: join(root, "bench-results") },
      },
    );
    if (result.status !== 0) failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
