// Loads /api/assign and /api/events with autocannon on loopback and writes requests/s and latency
// percentiles to bench-results/server.json and .md. The server runs as its own process (`assay serve`,
// embedded registry), so it has one core and autocannon the other.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";

interface Run {
  readonly requestsPerSecond: number;
  /** Server process CPU time (user + system) per request, from /proc; null where unavailable. */
  readonly serverCpuMsPerRequest: number | null;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p97_5: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

interface Figures extends Run {
  readonly name: string;
  readonly connections: number;
  readonly itemsPerSecond: number;
  readonly runs: number;
}

const outDir = process.env.ASSAY_BENCH_OUT ?? join(import.meta.dirname, "..", "..", "..", "bench-results");
const duration = Number(process.env.ASSAY_BENCH_SECONDS ?? 5);
const repeats = Number(process.env.ASSAY_BENCH_RUNS ?? 3);
const warmupSeconds = 2;
const cli = join(import.meta.dirname, "..", "..", "cli", "bin", "assay.mjs");
const loadBefore = loadavg()[0]!;
const home = await mkdtemp(join(tmpdir(), "assay-bench-"));

const child = spawn(process.execPath, [cli, "serve", "--port", "0", "--home", home, "--no-demo"], {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, ASSAY_DATABASE_URL: "" },
});
const url = await new Promise<string>((resolve, reject) => {
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m !== null && out.includes("API key")) resolve(m[1]!);
  });
  child.once("exit", (code) => reject(new Error(`server exited (${code})`)));
});
const admin = (JSON.parse(await readFile(join(home, "api-keys.json"), "utf8")) as { admin: string }).admin;

async function call(key: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
const newKey = async (role: string, name: string) =>
  ((await call(admin, "POST", "/api/keys", { role, name })) as { secret: string }).secret;
const secret = await newKey("editor", "bench-editor");
const reviewer = await newKey("reviewer", "bench-reviewer");
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

/** CPU seconds (user + system) the server process has used, from /proc/<pid>/stat (Linux). */
async function serverCpuSeconds(): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${child.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Exact percentile of the recorded response times (ms). */
const percentile = (sorted: Float64Array, q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function once(path: string, connections: number, seconds: number, body: () => string): Promise<Run> {
  const times: number[] = [];
  const cpuBefore = await serverCpuSeconds();
  const run = await new Promise<Omit<Run, "serverCpuMsPerRequest">>((resolve, reject) => {
    const tracker = autocannon(
      {
        url: `${url}${path}`,
        method: "POST",
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }) }],
      },
      (error, result) => {
        if (error !== null) return reject(error);
        const sorted = Float64Array.from(times).sort();
        const round = (x: number) => Math.round(x * 10) / 10;
        resolve({
          requestsPerSecond: result.requests.total / result.duration,
          p50: round(percentile(sorted, 0.5)),
          p90: round(percentile(sorted, 0.9)),
          p95: round(percentile(sorted, 0.95)),
          p97_5: round(percentile(sorted, 0.975)),
          p99: round(percentile(sorted, 0.99)),
          errors: result.errors,
          non2xx: result.non2xx,
        });
      },
    );
    tracker.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => {
      times.push(ms);
    });
  });
  const cpuAfter = await serverCpuSeconds();
  const cpu =
    cpuBefore === null || cpuAfter === null || times.length === 0
      ? null
      : Math.round(((cpuAfter - cpuBefore) * 1000 * 1000) / times.length) / 1000;
  return { ...run, serverCpuMsPerRequest: cpu };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function load(
  name: string,
  path: string,
  connections: number,
  body: () => string,
  itemsPerRequest: number,
): Promise<Figures> {
  await once(path, connections, warmupSeconds, body);
  const runs: Run[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await once(path, connections, duration, body));
  const m = (k: Exclude<keyof Run, "serverCpuMsPerRequest">) => median(runs.map((r) => r[k]));
  const cpus = runs.flatMap((r) => (r.serverCpuMsPerRequest === null ? [] : [r.serverCpuMsPerRequest]));
  const rps = m("requestsPerSecond");
  const figures: Figures = {
    name,
    connections,
    runs: repeats,
    requestsPerSecond: rps,
    serverCpuMsPerRequest: cpus.length === 0 ? null : median(cpus),
    itemsPerSecond: rps * itemsPerRequest,
    p50: m("p50"),
    p90: m("p90"),
    p95: m("p95"),
    p97_5: m("p97_5"),
    p99: m("p99"),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
  };
  console.log(JSON.stringify(figures));
  return figures;
}

let counter = 0;
// Mostly first assignments (each one a durable log write), then repeats as user ids cycle.
const assignBody = () =>
  JSON.stringify({ user_id: `user-${counter++ % 500_000}`, experiments: ["bench_checkout"] });
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

const connectionLevels = (process.env.ASSAY_BENCH_CONNECTIONS ?? "10,50").split(",").map(Number);
const figures: Figures[] = [];
for (const connections of connectionLevels)
  figures.push(await load("assign", "/api/assign", connections, assignBody, 1));
for (const connections of connectionLevels)
  figures.push(await load("events (batches of 100)", "/api/events", connections, eventsBody, 100));
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
await rm(home, { recursive: true, force: true });

await mkdir(outDir, { recursive: true });
const machine = {
  cpus: cpus().length,
  node: process.version,
  durationSeconds: duration,
  runs: repeats,
  loadAverage1mBefore: Math.round(loadBefore * 10) / 10,
  loadAverage1mAfter: Math.round(loadavg()[0]! * 10) / 10,
};
await writeFile(join(outDir, "server.json"), `${JSON.stringify({ machine, figures }, null, 2)}\n`);
const md = [
  "# Server benchmark (autocannon on loopback, `assay serve` in its own process, embedded PGlite registry)",
  "",
  `Machine: ${machine.cpus} cores shared by the server, autocannon and other work; Node ${machine.node};`,
  `1-minute load average ${machine.loadAverage1mBefore} before, ${machine.loadAverage1mAfter} after (above 2, other work took cores).`,
  `Each row: ${warmupSeconds} s warm-up, then the median of ${repeats} runs of ${duration} s (latency percentiles`,
  "exact over all responses of a run, median across runs). Assign requests are mostly first assignments",
  "(each a durable write-ahead-log append); events are 100 per request.",
  "",
  "| endpoint | connections | requests/s | items/s | p50 ms | p90 ms | p95 ms | p97.5 ms | p99 ms | errors | non-2xx | server CPU ms/request | requests/s per server core |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...figures.map(
    (f) =>
      `| ${f.name} | ${f.connections} | ${Math.round(f.requestsPerSecond)} | ${Math.round(f.itemsPerSecond)} | ${f.p50} | ${f.p90} | ${f.p95} | ${f.p97_5} | ${f.p99} | ${f.errors} | ${f.non2xx} | ${f.serverCpuMsPerRequest ?? "–"} | ${f.serverCpuMsPerRequest ? Math.round(1000 / f.serverCpuMsPerRequest) : "–"} |`,
  ),
  "",
  "“requests/s per server core” = 1000 / server CPU ms per request: the rate one core fully given to the",
  "server would sustain (fdatasync waits are not CPU), independent of how much of the machine others took.",
  "",
  "Targets: assignment p95 < 50 ms at ≥ 10,000 requests/s on 2 cores; ingestion ≥ 50,000 events/s in batches of 100.",
  "",
].join("\n");
await writeFile(join(outDir, "server.md"), md);
console.log(md);
