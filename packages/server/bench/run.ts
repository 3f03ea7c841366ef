// Loads /api/assign and /api/events with autocannon on loopback and writes requests/s and latency
// percentiles to bench-results/server.json and .md. The server runs as its own process (`assay serve`,
// embedded registry), so it has one core and autocannon the other.
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";

interface Run {
  readonly requestsPerSecond: number;
  /** Server process CPU time (user + system) per request, from /proc; null where unavailable. */
  readonly serverCpuMsPerRequest: number | null;
  /** CPU time of the load generator (this process, autocannon) per request. */
  readonly clientCpuMsPerRequest: number | null;
  /** Requests answered per write-ahead-log group commit (fdatasync); null for the bare reference. */
  readonly requestsPerFsync: number | null;
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
// The JIT keeps optimizing for several seconds: shorter warm-ups left the first measured run of a row slower.
const warmupSeconds = Number(process.env.ASSAY_BENCH_WARMUP_SECONDS ?? 5);
const cli = join(import.meta.dirname, "..", "..", "cli", "bin", "assay.mjs");
const loadBefore = loadavg()[0]!;
const home = await mkdtemp(join(tmpdir(), "assay-bench-"));

// ASSAY_BENCH_SERVER_NODE_ARGS passes flags to the server's node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
const serverNodeArgs = (process.env.ASSAY_BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
// The server gets core 0 and this process (autocannon) core 1, so neither steals the other's core and the
// scheduler does not bounce them between cores (ASSAY_BENCH_PIN=0 turns this off). taskset execs the command,
// so the child's pid is the server's.
const pin =
  process.env.ASSAY_BENCH_PIN !== "0" &&
  cpus().length >= 2 &&
  spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" }).status === 0;
const onServerCore = (command: string, args: string[]): [string, string[]] =>
  pin ? ["taskset", ["-c", "0", command, ...args]] : [command, args];
const child = spawn(
  ...onServerCore(process.execPath, [
    ...serverNodeArgs,
    cli,
    "serve",
    "--port",
    "0",
    "--home",
    home,
    "--no-demo",
  ]),
  {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ASSAY_DATABASE_URL: "" },
  },
);
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
async function serverCpuSeconds(pid: number | undefined): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The server's group commits so far (`assay_wal_fsyncs_total` at /metrics); null for a target without it. */
async function walFsyncs(target: Target): Promise<number | null> {
  if (!target.assay) return null;
  const text = await (await fetch(`${target.url}/metrics`)).text();
  const m = /^assay_wal_fsyncs_total (\d+)/m.exec(text);
  return m === null ? null : Number(m[1]);
}

/** Exact percentile of the recorded response times (ms). */
const percentile = (sorted: Float64Array, q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** A request body per request (a function) or a fixed list every connection cycles through. */
type Body = (() => string) | ReadonlyArray<string>;

/** The process under load: its base URL, pid (for its CPU time) and whether it is Assay (has /metrics). */
interface Target {
  readonly url: string;
  readonly pid: number | undefined;
  readonly assay: boolean;
}
let target: Target = { url, pid: child.pid, assay: true };

async function once(
  path: string,
  connections: number,
  seconds: number,
  body: Body,
  amount?: number,
): Promise<Run> {
  const times: number[] = [];
  const fsyncsBefore = await walFsyncs(target);
  const cpuBefore = await serverCpuSeconds(target.pid);
  const clientBefore = process.cpuUsage();
  const run = await new Promise<Omit<Run, PerRequest>>((resolve, reject) => {
    const tracker = autocannon(
      {
        url: `${target.url}${path}`,
        method: "POST",
        connections,
        duration: seconds,
        ...(amount === undefined ? {} : { amount }),
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        // A fixed list is encoded once by autocannon; a function builds every request anew (new users, events).
        requests:
          typeof body === "function"
            ? [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }) }]
            : body.map((text) => ({ body: text })),
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
  const cpuAfter = await serverCpuSeconds(target.pid);
  const client = process.cpuUsage(clientBefore);
  const fsyncsAfter = await walFsyncs(target);
  const fsyncs = fsyncsBefore === null || fsyncsAfter === null ? 0 : fsyncsAfter - fsyncsBefore;
  const cpu =
    cpuBefore === null || cpuAfter === null || times.length === 0
      ? null
      : Math.round(((cpuAfter - cpuBefore) * 1000 * 1000) / times.length) / 1000;
  const clientCpu =
    times.length === 0 ? null : Math.round((client.user + client.system) / times.length) / 1000;
  return {
    ...run,
    serverCpuMsPerRequest: cpu,
    clientCpuMsPerRequest: clientCpu,
    requestsPerFsync: fsyncs === 0 ? null : Math.round((times.length / fsyncs) * 10) / 10,
  };
}

type PerRequest = "serverCpuMsPerRequest" | "clientCpuMsPerRequest" | "requestsPerFsync";

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function load(
  name: string,
  path: string,
  connections: number,
  body: Body,
  itemsPerRequest: number,
): Promise<Figures> {
  // Each row starts from an idle server: the previous row's log compaction is not charged to this one.
  await serverIdle();
  await once(path, connections, warmupSeconds, body);
  const runs: Run[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await once(path, connections, duration, body));
  // ASSAY_BENCH_TRACE=1 prints every run, not only the medians (to see drift within a row).
  if (process.env.ASSAY_BENCH_TRACE) for (const r of runs) console.log("run", JSON.stringify(r));
  const m = (k: Exclude<keyof Run, PerRequest>) => median(runs.map((r) => r[k]));
  // Median over the runs that have the figure (null where none has it).
  const known = (k: PerRequest): number | null => {
    const xs = runs.flatMap((r) => (r[k] === null ? [] : [r[k]]));
    return xs.length === 0 ? null : median(xs);
  };
  const rps = m("requestsPerSecond");
  const figures: Figures = {
    name,
    connections,
    runs: repeats,
    requestsPerSecond: rps,
    serverCpuMsPerRequest: known("serverCpuMsPerRequest"),
    clientCpuMsPerRequest: known("clientCpuMsPerRequest"),
    requestsPerFsync: known("requestsPerFsync"),
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

const bareServer = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const text = JSON.stringify({ user_id: body.user_id, assignments: [{ experiment_key: "bench_checkout",
      in_experiment: true, variant: "control", value: null, reason: "assigned", first_assignment: false }] });
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
});
server.listen(0, "127.0.0.1", () => console.log("http://127.0.0.1:" + server.address().port));
`;

/** Waits (at most 2 minutes) until the server has used under 5% of a core for a second: the compactor is done. */
async function serverIdle(): Promise<void> {
  const deadline = Date.now() + 120_000;
  let quietSeconds = 0;
  let before = await serverCpuSeconds(target.pid);
  while (before !== null && quietSeconds < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await serverCpuSeconds(target.pid);
    if (now === null) return;
    quietSeconds = now - before < 0.025 ? quietSeconds + 0.5 : 0;
    before = now;
  }
}

let counter = 0;
// Returning users: a pool assigned once before the row, so every measured request repeats a logged pair
// (pure CPU, no log write). New users: an id never seen before per request, so every request is a first
// assignment and waits for its group commit.
const returningPool = Number(process.env.ASSAY_BENCH_RETURNING_USERS ?? 20_000);
const assignReturningBody = () =>
  JSON.stringify({ user_id: `user-${counter++ % returningPool}`, experiments: ["bench_checkout"] });
// The measured returning rows cycle through a fixed list of 100 of the pool's users: autocannon encodes a fixed list once
// per connection at the start of a run (cheap for 100) instead of building every request anew.
const returningBodies = Array.from({ length: Math.min(returningPool, 100) }, (_, i) =>
  JSON.stringify({ user_id: `user-${i}`, experiments: ["bench_checkout"] }),
);
const assignNewBody = () => JSON.stringify({ user_id: `new-${counter++}`, experiments: ["bench_checkout"] });
// Traffic as a live experiment sees it: most requests are users already assigned, one in ten is a first assignment.
const assignMixedBody = () => (counter % 10 === 0 ? assignNewBody() : assignReturningBody());
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

const connectionLevels = (process.env.ASSAY_BENCH_CONNECTIONS ?? "10,50,100").split(",").map(Number);
const figures: Figures[] = [];
// ASSAY_BENCH_ONLY=assign|returning|new|events|rss runs only those rows (for profiling; returning and new = assign,
// returning or new users).
const only = process.env.ASSAY_BENCH_ONLY;
if (only === "new")
  for (const connections of connectionLevels)
    figures.push(await load("assign, new users", "/api/assign", connections, assignNewBody, 1));
else if (only !== "events" && only !== "rss") {
  // Log the pool's pairs first: afterwards every request of the returning rows is a repeat.
  await once("/api/assign", 50, 600, assignReturningBody, returningPool);
  for (const connections of connectionLevels)
    figures.push(await load("assign, returning users", "/api/assign", connections, returningBodies, 1));
  if (only !== "returning") {
    for (const connections of connectionLevels)
      figures.push(await load("assign, new users", "/api/assign", connections, assignNewBody, 1));
    for (const connections of connectionLevels)
      figures.push(
        await load("assign, 90% returning / 10% new", "/api/assign", connections, assignMixedBody, 1),
      );
  }
}
if (only === undefined || only === "events") {
  for (const connections of connectionLevels)
    figures.push(await load("events (batches of 100)", "/api/events", connections, eventsBody, 100));
}

/** The server process's resident set size in MiB (VmRSS from /proc, Linux); null where unavailable. */
async function serverRssMiB(pid: number | undefined): Promise<number | null> {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"));
    return m === null ? null : Math.round(Number(m[1]) / 102.4) / 10;
  } catch {
    return null;
  }
}

/** The collector's memory under sustained ingestion: RSS while events arrive at a fixed rate for a long time. */
interface RssRow {
  readonly eventsPerSecondTarget: number;
  readonly eventsPerSecondAchieved: number;
  readonly seconds: number;
  readonly rssStartMiB: number | null;
  readonly rssMaxMiB: number | null;
  readonly rssEndMiB: number | null;
  readonly non2xx: number;
  readonly errors: number;
  /** The server's RSS when the acknowledged events first passed each count, and its maximum up to then. */
  readonly atEvents: ReadonlyArray<RssAtEvents>;
  /**
   * CPU seconds per second of the server process (all its threads, compaction included) and of this process (the
   * sender): near 1 for the server means its core was the limit; a sender near 1 would mean the bench was.
   */
  readonly serverCpuShare: number | null;
  readonly clientCpuShare: number;
}
interface RssAtEvents {
  readonly events: number;
  readonly rssMiB: number;
  readonly rssMaxMiB: number;
}
let rssRow: RssRow | undefined;
// ASSAY_BENCH_RSS_SECONDS (default 600) and ASSAY_BENCH_RSS_EVENTS_PER_SECOND (default 50,000): the sustained run;
// ASSAY_BENCH_RSS_SECONDS=0 skips it, ASSAY_BENCH_ONLY=rss runs only it.
const rssSeconds = Number(process.env.ASSAY_BENCH_RSS_SECONDS ?? 600);
const rssRate = Number(process.env.ASSAY_BENCH_RSS_EVENTS_PER_SECOND ?? 50_000);
if ((only === undefined || only === "rss") && rssSeconds > 0) {
  const rssStart = await serverRssMiB(child.pid);
  let rssMax = rssStart;
  const serverCpuBefore = await serverCpuSeconds(child.pid);
  const clientCpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  // Events acknowledged so far, and the RSS when the count first passed each checkpoint: throughput on a shared
  // machine varies from run to run, the memory at a fixed number of events does not.
  let acknowledged = 0;
  const atEvents: RssAtEvents[] = [];
  const checkpoints = [1e6, 2e6, 3e6, 4e6, 6e6, 8e6, 12e6, 16e6, 20e6, 25e6, 30e6];
  const sampler = setInterval(() => {
    const events = acknowledged;
    void serverRssMiB(child.pid).then((r) => {
      if (r !== null && (rssMax === null || r > rssMax)) rssMax = r;
      const next = checkpoints[atEvents.length];
      if (r !== null && next !== undefined && events >= next)
        atEvents.push({ events: next, rssMiB: r, rssMaxMiB: rssMax ?? r });
    });
  }, 1000);
  const result = await new Promise<{ total: number; duration: number; non2xx: number; errors: number }>(
    (resolve, reject) => {
      const instance = autocannon(
        {
          url: `${url}/api/events`,
          method: "POST",
          // Enough connections that the fixed rate is the server's to keep: with 20, one request in flight each, a
          // latency above 40 ms (a compaction sharing the server's core) capped the sender below 500 requests/s.
          connections: 100,
          overallRate: rssRate / 100,
          duration: rssSeconds,
          headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
          requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: eventsBody() }) }],
        },
        (error, r) =>
          error !== null
            ? reject(error)
            : resolve({ total: r.requests.total, duration: r.duration, non2xx: r.non2xx, errors: r.errors }),
      );
      instance.on("response", (_client: unknown, statusCode: number) => {
        if (statusCode === 200) acknowledged += 100;
      });
    },
  );
  clearInterval(sampler);
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const serverCpuAfter = await serverCpuSeconds(child.pid);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  rssRow = {
    eventsPerSecondTarget: rssRate,
    eventsPerSecondAchieved: Math.round((result.total * 100) / result.duration),
    seconds: rssSeconds,
    rssStartMiB: rssStart,
    rssMaxMiB: rssMax,
    rssEndMiB: await serverRssMiB(child.pid),
    non2xx: result.non2xx,
    errors: result.errors,
    atEvents,
    serverCpuShare:
      serverCpuBefore === null || serverCpuAfter === null
        ? null
        : Math.round(((serverCpuAfter - serverCpuBefore) / wallSeconds) * 100) / 100,
    clientCpuShare: Math.round(((clientCpu.user + clientCpu.system) / 1e6 / wallSeconds) * 100) / 100,
  };
  console.log("collector RSS", JSON.stringify(rssRow));
}

child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
await rm(home, { recursive: true, force: true });

// The floor on this machine at this moment: a bare node:http server answering an assign-shaped JSON
// (parse the body, stringify an answer), no Assay, no Fastify. Most of its cost is the kernel's loopback TCP.
if (only !== "events" && only !== "rss") {
  const bare = spawn(...onServerCore(process.execPath, ["-e", bareServer]), {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const bareUrl = await new Promise<string>((resolve) =>
    bare.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())),
  );
  target = { url: bareUrl, pid: bare.pid, assay: false };
  figures.push(await load("reference: bare node:http JSON answer", "/api/assign", 50, returningBodies, 1));
  bare.kill("SIGTERM");
}

await mkdir(outDir, { recursive: true });
// A partial run (ASSAY_BENCH_ONLY) writes server-<only>.* so it never replaces the full run's figures.
const outName = only === undefined ? "server" : `server-${only}`;
const machine = {
  cpus: cpus().length,
  node: process.version,
  durationSeconds: duration,
  runs: repeats,
  loadAverage1mBefore: Math.round(loadBefore * 10) / 10,
  loadAverage1mAfter: Math.round(loadavg()[0]! * 10) / 10,
  pinned: pin,
};
await writeFile(
  join(outDir, `${outName}.json`),
  `${JSON.stringify({ machine, figures, collectorRss: rssRow ?? null }, null, 2)}\n`,
);
const md = [
  "# Server benchmark (autocannon on loopback, `assay serve` in its own process, embedded PGlite registry)",
  "",
  `Machine: ${machine.cpus} cores shared by the server, autocannon and other work; Node ${machine.node};`,
  machine.pinned
    ? "the server process is pinned to core 0 and autocannon to core 1 (taskset), so each has one core of the two;"
    : "processes not pinned to cores;",
  `1-minute load average ${machine.loadAverage1mBefore} before, ${machine.loadAverage1mAfter} after (the benchmark keeps both cores busy; a high figure before means other work was running).`,
  `Each row: ${warmupSeconds} s warm-up, then the median of ${repeats} runs of ${duration} s (latency percentiles`,
  'exact over all responses of a run, median across runs). "returning users": every request repeats a',
  `(experiment, user) pair already logged (a pool of ${returningPool} users assigned before the rows; every row starts once the server is idle, its log compacted;`,
  `the rows cycle through ${returningBodies.length} of them): no log`,
  'write, the common case of real traffic. "new users": every request is a first assignment (a durable',
  'write-ahead-log append, acknowledged after the shared group-commit fdatasync). "90% returning / 10% new": one',
  "request in ten is a first assignment, as on a running experiment. Events are 100 per request.",
  "",
  "| endpoint | connections | requests/s | items/s | p50 ms | p90 ms | p95 ms | p97.5 ms | p99 ms | errors | non-2xx | server CPU ms/request | requests/s per server core | client CPU ms/request | requests per fsync |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...figures.map(
    (f) =>
      `| ${f.name} | ${f.connections} | ${Math.round(f.requestsPerSecond)} | ${Math.round(f.itemsPerSecond)} | ${f.p50} | ${f.p90} | ${f.p95} | ${f.p97_5} | ${f.p99} | ${f.errors} | ${f.non2xx} | ${f.serverCpuMsPerRequest ?? "–"} | ${f.serverCpuMsPerRequest ? Math.round(1000 / f.serverCpuMsPerRequest) : "–"} | ${f.clientCpuMsPerRequest ?? "–"} | ${f.requestsPerFsync ?? "–"} |`,
  ),
  "",
  "“requests/s per server core” = 1000 / server CPU ms per request: the rate one core fully given to the",
  "server would sustain (fdatasync waits are not CPU), independent of how much of the machine others took.",
  "“requests per fsync”: requests answered per write-ahead-log group commit (one write and one fdatasync, about",
  "0.1–0.2 ms of CPU on this machine), from the server's `assay_wal_fsyncs_total`.",
  "",
  "The reference row is a bare node:http server (parse the JSON body, answer an assign-shaped JSON; no",
  "Assay, no Fastify) loaded the same way right after: the floor of an HTTP request on this machine now.",
  "",
  "Targets: assignment p95 < 50 ms at ≥ 10,000 requests/s on 2 cores; ingestion ≥ 50,000 events/s in batches of 100.",
  "",
  ...(rssRow === undefined
    ? []
    : [
        "## Collector memory under sustained ingestion",
        "",
        `Events (batches of 100, every event id new) sent at a fixed ${rssRow.eventsPerSecondTarget} events/s for ${rssRow.seconds} s`,
        "(`ASSAY_BENCH_RSS_EVENTS_PER_SECOND`, `ASSAY_BENCH_RSS_SECONDS`; the server compacts every 10 s); the server's RSS",
        "sampled every second. Target: < 1 GiB.",
        "",
        "| events/s target | events/s achieved | seconds | RSS start MiB | RSS max MiB | RSS end MiB | non-2xx | errors | server CPU s/s | sender CPU s/s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        `| ${rssRow.eventsPerSecondTarget} | ${rssRow.eventsPerSecondAchieved} | ${rssRow.seconds} | ${rssRow.rssStartMiB ?? "–"} | ${rssRow.rssMaxMiB ?? "–"} | ${rssRow.rssEndMiB ?? "–"} | ${rssRow.non2xx} | ${rssRow.errors} | ${rssRow.serverCpuShare ?? "–"} | ${rssRow.clientCpuShare} |`,
        "",
        "CPU s/s: CPU seconds per second of the run (the server's threads, compaction included; the sender is this",
        "process): a server near 1.0 (its one pinned core) is the limit; a sender near 1.0 would be the bench's.",
        "",
        "RSS at a fixed number of acknowledged events (the figure to compare across runs: the achieved rate depends on",
        "what else the machine runs):",
        "",
        "| events acknowledged | RSS then MiB | RSS max so far MiB |",
        "|---:|---:|---:|",
        ...rssRow.atEvents.map(
          (a) => `| ${a.events.toLocaleString("en-US")} | ${a.rssMiB} | ${a.rssMaxMiB} |`,
        ),
        "",
      ]),
].join("\n");
await writeFile(join(outDir, `${outName}.md`), md);
console.log(md);
