// The whole loop's throughput: `assay serve` in its own process, simulated users through the SDK and the
// collector (with the default seeded network faults), then compaction, pipeline and decision, summary.
// ASSAY_BENCH_USERS (default 50000), ASSAY_BENCH_CONCURRENCY (default 128). Writes bench-results/cli.{json,md}.
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runSimulation, simulationDefaults, spawnServer } from "../src/simulate/index.js";

const out = process.env.ASSAY_BENCH_OUT ?? resolve(import.meta.dirname, "../../../bench-results");
const users = Number(process.env.ASSAY_BENCH_USERS ?? 50_000);
const concurrency = Number(process.env.ASSAY_BENCH_CONCURRENCY ?? 128);
mkdirSync(out, { recursive: true });

const home = await mkdtemp(join(tmpdir(), "assay-bench-cli-"));
const loadAtStart = loadavg()[0]!;
const startedAt = Date.now();
const server = await spawnServer(home);
const serverStartMs = Date.now() - startedAt;
try {
  const r = await runSimulation({
    ...simulationDefaults,
    url: server.url,
    key: server.key,
    lakeDir: join(home, "lake"),
    runId: "bench",
    users,
    concurrency,
  });
  const a = r.lake!.assignments;
  const e = r.lake!.events;
  const result = {
    machine: { cpus: cpus().length, node: process.version, loadavg1AtStart: loadAtStart },
    users,
    concurrency,
    faults: r.outcome.faults,
    events: {
      sent: e.sent,
      acknowledged: e.acknowledged,
      stored: e.lakeRows,
      storedMoreThanOnce: e.storedMoreThanOnce,
    },
    requests: {
      payloadFetches: r.outcome.payloadFetches.full + r.outcome.payloadFetches.notModified,
      assigns: users,
      eventBatches: r.outcome.faults.requests,
    },
    serverStartMs,
    simulateMs: r.timings.simulateMs,
    usersPerSecond: r.timings.usersPerSecond,
    eventsPerSecond: r.timings.eventsPerSecond,
    lastEventToSummaryMs: r.timings.lastEventToSummaryMs,
    compactMs: r.timings.compactMs,
    decisionRunMs: r.timings.decisionRunMs,
    checks: {
      rehashMismatches: a.lakeMismatches + a.sdkVsRehash + a.serverVsSdk,
      lakeMissing: a.lakeMissing,
    },
    decision: r.decision.status,
    effect: r.effects[0],
  };
  writeFileSync(join(out, "cli.json"), `${JSON.stringify(result, null, 2)}\n`);
  const md = `# End-to-end loop benchmark (\`assay simulate\` against \`assay serve\`)

Machine: ${cpus().length} cores shared with other work; Node ${process.version}; 1-minute load average ${loadAtStart.toFixed(1)} when the run started.
One run (the loop is long; figures are noisy on a shared machine). The server runs as its own process
(\`assay serve --no-demo\`, embedded PGlite registry); the simulator plays ${users} users, ${concurrency} at a time, each
fetching the SDK payload (ETag revalidation), registering by \`POST /api/assign\`, being assigned locally by the SDK and
sending a session start, an exposure and its purchases through the SDK event client (batches of ${simulationDefaults.batchSize},
with ${(simulationDefaults.faults.dropBeforeSend * 100).toFixed(0)} % dropped connections, ${(simulationDefaults.faults.lostAck * 100).toFixed(0)} % lost acks and ${(simulationDefaults.faults.duplicateSend * 100).toFixed(0)} % duplicate sends).

| measure | value |
|---|---:|
| users/s (first payload fetch → last acknowledgement) | ${result.usersPerSecond.toFixed(0)} |
| events/s acknowledged | ${result.eventsPerSecond.toFixed(0)} |
| simulation | ${(result.simulateMs / 1000).toFixed(1)} s |
| last event → fresh summary | ${(result.lastEventToSummaryMs / 1000).toFixed(1)} s |
| … of which compaction (\`POST /api/admin/compact\`) | ${(result.compactMs / 1000).toFixed(1)} s |
| … of which pipeline + decision (\`POST …/decision/run\`) | ${(result.decisionRunMs / 1000).toFixed(1)} s |
| server start (first start, embedded registry) | ${(serverStartMs / 1000).toFixed(1)} s |
| events sent / acknowledged / stored | ${e.sent} / ${e.acknowledged} / ${e.lakeRows} |
| event requests (dropped before send, lost acks, sent twice) | ${r.outcome.faults.requests} (${r.outcome.faults.droppedBeforeSend}, ${r.outcome.faults.lostAcks}, ${r.outcome.faults.duplicateSends}) |
| re-hash mismatches, events stored twice | ${result.checks.rehashMismatches}, ${e.storedMoreThanOnce} |
| decision | ${r.decision.status} |
`;
  writeFileSync(join(out, "cli.md"), md);
  process.stdout.write(md);
} finally {
  await server.stop();
  await rm(home, { recursive: true, force: true });
}
