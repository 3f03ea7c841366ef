// Loads /api/assign and /api/events with autocannon on loopback (server in-process, embedded registry)
// and writes requests/s and latency percentiles to bench-results/server.json and .md.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { createApiKey, startServer } from "../src/index.js";

interface Figures {
  readonly name: string;
  readonly connections: number;
  readonly requestsPerSecond: number;
  readonly itemsPerSecond: number;
  readonly p50: number;
  readonly p90: number;
  /** autocannon reports p90 and p97.5, not p95: p97.5 is an upper bound of p95. */
  readonly p97_5: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

const outDir = process.env.ASSAY_BENCH_OUT ?? join(import.meta.dirname, "..", "..", "..", "bench-results");
const duration = Number(process.env.ASSAY_BENCH_SECONDS ?? 10);
const home = await mkdtemp(join(tmpdir(), "assay-bench-"));
const server = await startServer({ home, port: 0, print: () => undefined });
const { secret } = await createApiKey(server.context.db, {
  team: "demo",
  role: "editor",
  name: "bench-editor",
});
const { secret: reviewer } = await createApiKey(server.context.db, {
  team: "demo",
  role: "reviewer",
  name: "bench-reviewer",
});

async function call(key: string, method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}
await call(secret, "PUT", "/api/metrics/conversion_7d", {
  type: "conversion",
  event: "purchase",
  window_days: 7,
});
await call(secret, "PUT", "/api/metrics/refund_rate", {
  type: "conversion",
  event: "refund",
  window_days: 7,
});
await call(secret, "POST", "/api/experiments", {
  key: "bench_checkout",
  name: "Bench checkout",
  owner_team: "demo",
  variants: [
    { key: "control", allocation: 50, is_control: true },
    { key: "treatment", allocation: 50 },
  ],
  metrics: [
    { metric_key: "conversion_7d", role: "primary", direction: "increase" },
    { metric_key: "refund_rate", role: "guardrail", direction: "decrease", threshold: 0.2 },
  ],
  prereg_url: "https://example.com/prereg",
  power_analysis: { baseline_rate: 0.1, mde_abs: 0.01 },
});
await call(secret, "POST", "/api/experiments/bench_checkout/status", { status: "submitted" });
await call(reviewer, "POST", "/api/experiments/bench_checkout/status", { status: "approved" });
await call(secret, "POST", "/api/experiments/bench_checkout/status", { status: "running" });

let counter = 0;
async function load(
  name: string,
  path: string,
  connections: number,
  body: () => string,
  itemsPerRequest: number,
): Promise<Figures> {
  const result = await autocannon({
    url: `${server.url}${path}`,
    method: "POST",
    connections,
    duration,
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }) }],
  });
  return {
    name,
    connections,
    requestsPerSecond: result.requests.average,
    itemsPerSecond: result.requests.average * itemsPerRequest,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

const assignBody = () =>
  JSON.stringify({ user_id: `user-${counter++ % 200_000}`, experiments: ["bench_checkout"] });
const eventsBody = () => {
  const base = counter++;
  const t = new Date().toISOString();
  return JSON.stringify({
    events: Array.from({ length: 100 }, (_, i) => ({
      event_id: `b${base}-${i}`,
      user_id: `user-${(base * 100 + i) % 50_000}`,
      event_name: "page_view",
      timestamp: t,
      properties: { path: "/home" },
    })),
  });
};

const figures: Figures[] = [];
for (const connections of [10, 50])
  figures.push(await load("assign", "/api/assign", connections, assignBody, 1));
for (const connections of [10, 50])
  figures.push(await load("events (batches of 100)", "/api/events", connections, eventsBody, 100));
await server.close();
await rm(home, { recursive: true, force: true });

await mkdir(outDir, { recursive: true });
const machine = {
  cpus: (await import("node:os")).cpus().length,
  node: process.version,
  durationSeconds: duration,
};
await writeFile(join(outDir, "server.json"), `${JSON.stringify({ machine, figures }, null, 2)}\n`);
const md = [
  "# Server benchmark (autocannon on loopback, embedded PGlite registry)",
  "",
  `Machine: ${machine.cpus} cores, Node ${machine.node}; ${duration} s per run; the machine is shared, figures are noisy.`,
  "",
  "| endpoint | connections | requests/s | items/s | p50 ms | p90 ms | p97.5 ms (≥ p95) | p99 ms | errors | non-2xx |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...figures.map(
    (f) =>
      `| ${f.name} | ${f.connections} | ${Math.round(f.requestsPerSecond)} | ${Math.round(f.itemsPerSecond)} | ${f.p50} | ${f.p90} | ${f.p97_5} | ${f.p99} | ${f.errors} | ${f.non2xx} |`,
  ),
  "",
  "Targets: assignment p95 < 50 ms at ≥ 10,000 requests/s on 2 cores; ingestion ≥ 50,000 events/s in batches of 100.",
  "",
].join("\n");
await writeFile(join(outDir, "server.md"), md);
console.log(md);
