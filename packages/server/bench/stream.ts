// Streaming delivery: N SDK clients (default 1,000) hold `GET /api/sdk/stream` to `assay serve` on loopback; each
// round kills a flag (`POST /api/flags/{key}/kill`) and times, per client, until it serves the flag's default,
// then restores it. Also the server's memory per open stream (RSS delta / connections). Writes
// bench-results/server-stream.{json,md}. `npm run bench -- server-stream`.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type AssayClient, createAssayClient, createPayloadSync, type PayloadSync } from "@assay/sdk";

const outDir = process.env.ASSAY_BENCH_OUT ?? join(import.meta.dirname, "..", "..", "..", "bench-results");
const clientCount = Number(process.env.ASSAY_BENCH_STREAM_CLIENTS ?? 1000);
const rounds = Number(process.env.ASSAY_BENCH_STREAM_ROUNDS ?? 20);
const cli = join(import.meta.dirname, "..", "..", "cli", "bin", "assay.mjs");
const loadBefore = loadavg()[0]!;
const home = await mkdtemp(join(tmpdir(), "assay-bench-stream-"));

// As bench/run.ts: the server on core 0, this process (the 1,000 clients) on core 1 (ASSAY_BENCH_PIN=0: off).
const pin =
  process.env.ASSAY_BENCH_PIN !== "0" &&
  cpus().length >= 2 &&
  spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" }).status === 0;
const serverArgs = [cli, "serve", "--port", "0", "--home", home, "--no-demo"];
const child = spawn(
  pin ? "taskset" : process.execPath,
  pin ? ["-c", "0", process.execPath, ...serverArgs] : serverArgs,
  {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ASSAY_DATABASE_URL: "", ASSAY_SDK_STREAM_MAX_PER_KEY: String(clientCount + 10) },
  },
);
// The server never outlives the bench, whatever way it ends.
process.on("exit", () => child.kill("SIGKILL"));
const url = await new Promise<string>((resolve, reject) => {
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m !== null && out.includes("API key")) resolve(m[1]!);
  });
  child.once("exit", (code) => reject(new Error(`server exited (${code})`)));
});
const progress = (line: string) => process.stderr.write(`[server-stream] ${line}\n`);
progress(`server at ${url}`);
const admin = (JSON.parse(await readFile(join(home, "api-keys.json"), "utf8")) as { admin: string }).admin;

async function call(key: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
const newKey = async (role: string, name: string) =>
  ((await call(admin, "POST", "/api/keys", { role, name })) as { secret: string }).secret;
const editor = await newKey("editor", "bench-editor");
const sdkKey = await newKey("viewer", "bench-sdk");
const flagKey = "bench_stream_flag";
await call(editor, "PUT", `/api/flags/${flagKey}`, {
  type: "boolean",
  default_value: false,
  enabled: true,
  rollout_percentage: 100,
  variation_value: true,
});
// Ten more flags with targeting: each client validates and compiles the whole payload per event, and the
// clients share this process's one core, so a big payload would time the clients' CPU, not the delivery.
const extraFlags = Number(process.env.ASSAY_BENCH_STREAM_EXTRA_FLAGS ?? 10);
for (let i = 0; i < extraFlags; i++)
  await call(editor, "PUT", `/api/flags/bench_other_${i}`, {
    type: "string",
    default_value: "a",
    enabled: true,
    rollout_percentage: 30,
    variation_value: "b",
    targeting: { condition: { attribute: "country", op: "in", value: ["DE", "FR", "US"] } },
  });

/** VmRSS of the server process in KiB (Linux /proc); null where unavailable. */
async function serverRssKiB(): Promise<number | null> {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${child.pid}/status`, "utf8"));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

progress("registry ready");
// Let the server settle (JIT, first compaction) before the memory baseline.
await sleep(2000);
const rssBefore = await serverRssKiB();

interface BenchClient {
  readonly client: AssayClient;
  readonly sync: PayloadSync;
  onApplied: () => void;
}
const attributes = { identity_id: "bench-user" };
const clients: BenchClient[] = [];
let dropped = 0;
const connectStarted = performance.now();
for (let i = 0; i < clientCount; i++) {
  const client = createAssayClient({ payload: null, onError: () => undefined });
  const entry: BenchClient = {
    client,
    sync: createPayloadSync({
      client,
      url,
      sdkKey,
      // Polling only if a stream drops: counted, so a figure never comes from polling unnoticed.
      pollIntervalMs: 30_000,
      onPayload: () => entry.onApplied(),
      onError: (e) => {
        if (e.code === "STREAM_DROPPED" || e.code === "HTTP_ERROR" || e.code === "FETCH_FAILED") dropped++;
      },
    }),
    onApplied: () => undefined,
  };
  clients.push(entry);
  // Connect in batches so the accept queue is not flooded.
  if (i % 100 === 99) await Promise.all(clients.slice(i - 99).map((c) => c.sync.ready));
}
await Promise.all(clients.map((c) => c.sync.ready));
const connectSeconds = (performance.now() - connectStarted) / 1000;
progress(`${clientCount} clients connected in ${connectSeconds.toFixed(1)} s`);
const streaming = clients.filter((c) => c.sync.state === "streaming").length;
if (streaming !== clientCount) throw new Error(`only ${streaming} of ${clientCount} clients are streaming`);
if (!clients.every((c) => c.client.isEnabled(flagKey, attributes))) throw new Error("flag not on everywhere");
await sleep(3000);
const rssAfter = await serverRssKiB();
// What one client spends applying one event (JSON.parse + validate + compile), paid in turn by all of them here.
const payloadText = await (
  await fetch(`${url}/api/sdk/config`, { headers: { authorization: `Bearer ${sdkKey}` } })
).text();
const probe = createAssayClient({ payload: null, onError: () => undefined });
const applyStarted = performance.now();
for (let i = 0; i < 200; i++) probe.setPayload(JSON.parse(payloadText));
const applyMsPerClient = (performance.now() - applyStarted) / 200;

/** Kills (or restores) the flag and waits until every client serves `expect`; per-client ms from the POST. */
async function round(action: "kill" | "restore", expect: boolean) {
  const latencies = new Array<number>(clientCount).fill(Number.NaN);
  let done = 0;
  let finish: () => void = () => undefined;
  const all = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const started = performance.now();
  clients.forEach((c, i) => {
    c.onApplied = () => {
      if (!Number.isNaN(latencies[i]!) || c.client.isEnabled(flagKey, attributes) !== expect) return;
      latencies[i] = performance.now() - started;
      if (++done === clientCount) finish();
    };
  });
  await call(editor, "POST", `/api/flags/${flagKey}/${action}`);
  const postMs = performance.now() - started;
  const timeout = setTimeout(finish, 10_000);
  await all;
  clearTimeout(timeout);
  const missing = latencies.filter((x) => Number.isNaN(x)).length;
  return { latencies: latencies.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b), postMs, missing };
}
const quantile = (sorted: ReadonlyArray<number>, q: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const median = (xs: ReadonlyArray<number>) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const ms = (x: number) => Math.round(x * 10) / 10;

interface RoundFigures {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly postMs: number;
  readonly missing: number;
}
const killRounds: RoundFigures[] = [];
const pooled: number[] = [];
let missingTotal = 0;
for (let r = 0; r < rounds; r++) {
  const kill = await round("kill", false);
  pooled.push(...kill.latencies);
  missingTotal += kill.missing;
  killRounds.push({
    p50: ms(quantile(kill.latencies, 0.5)),
    p99: ms(quantile(kill.latencies, 0.99)),
    max: ms(kill.latencies.at(-1) ?? Number.NaN),
    postMs: ms(kill.postMs),
    missing: kill.missing,
  });
  progress(`round ${r + 1}: kill p50 ${killRounds.at(-1)?.p50} ms, p99 ${killRounds.at(-1)?.p99} ms`);
  const restore = await round("restore", true);
  missingTotal += restore.missing;
  await sleep(200);
}
pooled.sort((a, b) => a - b);
const pollsMade = dropped;
// A stop with every stream open: the server ends them and exits.
const exitMs = await new Promise<number>((resolve) => {
  const t0 = performance.now();
  child.once("exit", () => resolve(performance.now() - t0));
  child.kill("SIGTERM");
});
for (const c of clients) c.sync.close();
await rm(home, { recursive: true, force: true });

const figures = {
  clients: clientCount,
  rounds,
  connectSeconds: ms(connectSeconds),
  payloadBytes: payloadText.length,
  applyMsPerClient: Math.round(applyMsPerClient * 1000) / 1000,
  killToDefault: {
    p50MedianOfRounds: median(killRounds.map((r) => r.p50)),
    p99MedianOfRounds: median(killRounds.map((r) => r.p99)),
    p99WorstRound: Math.max(...killRounds.map((r) => r.p99)),
    pooledP50: ms(quantile(pooled, 0.5)),
    pooledP99: ms(quantile(pooled, 0.99)),
    pooledMax: ms(pooled.at(-1) ?? Number.NaN),
    postResponseMedianMs: median(killRounds.map((r) => r.postMs)),
    clientsMissed: missingTotal,
  },
  memory: {
    rssBeforeMiB: rssBefore === null ? null : ms(rssBefore / 1024),
    rssAfterMiB: rssAfter === null ? null : ms(rssAfter / 1024),
    kibPerConnection:
      rssBefore === null || rssAfter === null ? null : ms((rssAfter - rssBefore) / clientCount),
  },
  streamErrors: pollsMade,
  serverExitAfterSigtermMs: ms(exitMs),
  rounds_detail: killRounds,
  machine: {
    cpus: cpus().length,
    node: process.version,
    pinned: pin,
    loadAverage1mBefore: Math.round(loadBefore * 100) / 100,
    loadAverage1mAfter: Math.round(loadavg()[0]! * 100) / 100,
  },
};
await writeFile(join(outDir, "server-stream.json"), `${JSON.stringify(figures, null, 2)}\n`);
const k = figures.killToDefault;
const md = [
  `# Streaming delivery (${clientCount} SDK clients on \`GET /api/sdk/stream\`, loopback, \`assay serve\` with embedded PGlite)`,
  "",
  `Machine: ${figures.machine.cpus} cores shared with other work; Node ${figures.machine.node}; ${pin ? "server pinned to core 0, the clients (this process, real `createAssayClient` + `createPayloadSync` each) to core 1" : "not pinned"};`,
  `1-minute load average ${figures.machine.loadAverage1mBefore} before, ${figures.machine.loadAverage1mAfter} after.`,
  `The payload holds ${extraFlags + 1} flags, ${figures.payloadBytes} bytes; applying it costs one client ${figures.applyMsPerClient} ms, so the ${clientCount} clients on one core add up to ${ms(figures.applyMsPerClient * clientCount)} ms by themselves`,
  `(${clientCount} clients connected in ${figures.connectSeconds} s). Each of ${rounds} rounds: \`POST /api/flags/${flagKey}/kill\`, then per client the time from`,
  "sending the POST until that client's `isEnabled` returns the default (the event parsed, the payload validated and",
  "compiled, on the clients' one core); then a restore. Target: p99 < 1 s.",
  "",
  "| kill → every client serves the default | ms |",
  "|---|---:|",
  `| p50 (median over rounds) | ${k.p50MedianOfRounds} |`,
  `| p99 (median over rounds) | ${k.p99MedianOfRounds} |`,
  `| p99 (worst round) | ${k.p99WorstRound} |`,
  `| p50 / p99 / max over all ${pooled.length} client-rounds | ${k.pooledP50} / ${k.pooledP99} / ${k.pooledMax} |`,
  `| the POST's own response (median) | ${k.postResponseMedianMs} |`,
  "",
  `Clients that missed a change within 10 s: ${k.clientsMissed}; stream errors (drops, refused connections): ${figures.streamErrors}.`,
  "",
  "| server memory | |",
  "|---|---:|",
  `| RSS before the streams | ${figures.memory.rssBeforeMiB ?? "–"} MiB |`,
  `| RSS with ${clientCount} streams open | ${figures.memory.rssAfterMiB ?? "–"} MiB |`,
  `| per connection (RSS delta / connections) | ${figures.memory.kibPerConnection ?? "–"} KiB |`,
  "",
  `SIGTERM with ${clientCount} streams open → server exited after ${figures.serverExitAfterSigtermMs} ms.`,
  "",
].join("\n");
await writeFile(join(outDir, "server-stream.md"), md);
console.log(md);
