import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { ZodError } from "zod";
import { CliError } from "../cli-error.js";
import { AssayApiError } from "../simulate/assay-api.js";
import { runSimulation, type SimulationReport } from "../simulate/run-simulation.js";
import { SimulationError } from "../simulate/simulation-error.js";
import { simulationDefaults } from "../simulate/simulation-options.js";

interface SimulateFlags {
  url: string;
  key?: string;
  home: string;
  lake: boolean;
  users: string;
  seed: string;
  experiment: string;
  baseline: string;
  effect?: string[];
  guardrailRegression: string;
  dropRate: string;
  lostAckRate: string;
  duplicateRate: string;
  concurrency: string;
  batchSize: string;
  runId?: string;
  json: boolean;
}

function numberFlag(name: string, text: string, integer = false): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new CliError(`--${name}: '${text}' is not ${integer ? "an integer" : "a number"}`, 2);
  }
  return n;
}

function parseEffects(values: readonly string[]): Record<string, number> {
  if (values.length === 0) return { ...simulationDefaults.effects };
  const effects: Record<string, number> = {};
  for (const v of values) {
    const m = /^([a-z0-9][a-z0-9_-]*)=(-?[0-9.]+)$/.exec(v);
    if (m === null)
      throw new CliError(`--effect: '${v}' is not VARIANT=ABSOLUTE_EFFECT (e.g. treatment=0.02)`, 2);
    effects[m[1]!] = numberFlag("effect", m[2]!);
  }
  return effects;
}

/** The admin key of `<home>/api-keys.json`, where `assay serve` keeps it. */
function keyFromHome(home: string): string {
  const path = join(home, "api-keys.json");
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { admin: string }).admin;
  } catch {
    throw new CliError(
      `no API key: pass --key (or ASSAY_API_KEY), or --home pointing at the server's folder (${path} not readable)`,
      2,
    );
  }
}

const pct = (x: number) => `${(x * 100).toFixed(2)} pp`;

/** The report as a person reads it; `problems` lists the integrity checks that failed. */
export function formatReport(r: SimulationReport): { text: string; problems: string[] } {
  const o = r.outcome;
  const problems: string[] = [];
  const lines = [
    `Simulated ${r.users} users on ${r.experiment} (run ${r.runId}) in ${(r.timings.simulateMs / 1000).toFixed(1)} s: ${r.timings.usersPerSecond.toFixed(0)} users/s, ${r.timings.eventsPerSecond.toFixed(0)} events/s`,
    `  payload fetches: ${o.payloadFetches.full} full, ${o.payloadFetches.notModified} not modified (ETag)`,
    `  events: ${o.sent.size} sent, ${o.acknowledged.size} acknowledged, ${o.undelivered} given up, ${o.rejected.length} rejected`,
    `  network faults: ${o.faults.requests} requests, ${o.faults.droppedBeforeSend} dropped before send, ${o.faults.lostAcks} acks lost, ${o.faults.duplicateSends} sent twice`,
    `Pipeline and decision: compaction ${r.timings.compactMs} ms, decision run ${r.timings.decisionRunMs} ms; last event → fresh summary ${(r.timings.lastEventToSummaryMs / 1000).toFixed(1)} s`,
  ];
  for (const e of r.effects) {
    lines.push(
      `  conversion_7d ${e.variant}: ${pct(e.upliftAbs)} [${pct(e.ci.low)}, ${pct(e.ci.high)}], true ${pct(e.trueEffect)} ${e.covered ? "inside" : "OUTSIDE"} the interval, p = ${e.pValue.toPrecision(3)}`,
    );
  }
  lines.push(
    `  decision: ${r.decision.status} (experiment ${r.decision.experimentStatus}${r.decision.failClosed ? ", FAILED CLOSED" : ""})`,
  );
  for (const reason of r.decision.reasons)
    lines.push(`    ${reason.kind} [${reason.severity}]: ${reason.message}`);
  if (r.decision.served !== null) {
    lines.push(
      `  SDK payload now serves ${r.experiment} as ${r.decision.served.status}: ${Object.entries(
        r.decision.served.weights,
      )
        .map(([k, w]) => `${k} ${w}%`)
        .join(", ")}`,
    );
  }
  if (r.lake !== null) {
    const a = r.lake.assignments;
    const ev = r.lake.events;
    lines.push(
      `Lake (dt=${r.lake.dt}): ${a.lakeRows} canonical assignments; re-hash mismatches: SDK ${a.sdkVsRehash}, server ${a.serverVsSdk}, fact_assignment ${a.lakeMismatches}; missing ${a.lakeMissing}, unexpected ${a.lakeUnexpected}`,
      `  events stored: ${ev.lakeRows} rows; stored more than once ${ev.storedMoreThanOnce}; acknowledged but missing ${ev.acknowledgedMissing}; unknown ${ev.unknownStored}; stored without an ack ${ev.storedUnacknowledged}`,
      ev.ordersByVariant === null
        ? `  orders_7d: not among ${r.rule.experimentKey}'s metrics, so the order counts are not compared`
        : `  orders_7d: ${Object.entries(ev.ordersByVariant)
            .map(([v, c]) => `${v} ${c.pipeline} counted / ${c.acknowledged} acknowledged`)
            .join(", ")}`,
    );
    if (a.sdkVsRehash + a.serverVsSdk + a.lakeMismatches + a.lakeMissing + a.lakeUnexpected > 0)
      problems.push("assignments in the lake differ from what the SDK decided");
    if (ev.storedMoreThanOnce + ev.acknowledgedMissing + ev.unknownStored > 0)
      problems.push("acknowledged events are not stored exactly once");
    if (
      ev.ordersByVariant !== null &&
      Object.values(ev.ordersByVariant).some((c) => c.pipeline !== c.acknowledged)
    )
      problems.push("the pipeline's order counts differ from the acknowledged purchases");
  }
  if (o.rejected.length > 0)
    problems.push(
      `the collector rejected ${o.rejected.length} events, e.g. ${JSON.stringify(o.rejected[0])}`,
    );
  if (o.sdkErrors.length > 0) problems.push(`the SDK reported: ${o.sdkErrors[0]}`);
  lines.push(
    `Summary: ${r.summaryUrl}  (dashboard: ${r.summaryUrl.replace(/\/api\/experiments\/.*$/, "/")})`,
  );
  for (const p of problems) lines.push(`PROBLEM: ${p}`);
  return { text: lines.join("\n"), problems };
}

/** `assay simulate`: simulated users through the SDK and the collector of a running server, then the pipeline and the decision. */
export function registerSimulateCommand(program: Command): void {
  program
    .command("simulate")
    .description(
      "Drive a running server like real clients: simulated users fetch the SDK payload, are assigned locally, send exposures and events through the SDK event client (with dropped connections, lost acks and duplicate sends), then the pipeline and the decision run and the lake is checked",
    )
    .option(
      "--url <url>",
      "server base URL (env ASSAY_URL)",
      process.env.ASSAY_URL ?? "http://127.0.0.1:3000",
    )
    .option(
      "--key <key>",
      "admin API key (env ASSAY_API_KEY; default: the admin key in <home>/api-keys.json)",
    )
    .option(
      "--home <dir>",
      "the server's folder, for its key and lake (env ASSAY_HOME)",
      process.env.ASSAY_HOME ?? ".assay",
    )
    .option("--no-lake", "skip the checks against <home>/lake (for a remote server)")
    .option("-n, --users <n>", "simulated users", String(simulationDefaults.users))
    .option("--seed <n>", "seed of every random draw", String(simulationDefaults.seed))
    .option(
      "--experiment <key>",
      "experiment to create (or reuse while running)",
      simulationDefaults.experiment,
    )
    .option("--baseline <rate>", "purchase conversion of control", String(simulationDefaults.baseline))
    .option(
      "--effect <variant=abs>",
      `true absolute effect on conversion of a treatment (repeat for more variants) (default: ${Object.entries(
        simulationDefaults.effects,
      )
        .map(([variant, effect]) => `${variant}=${effect}`)
        .join(" ")})`,
      (v: string, all: string[] | undefined) => [...(all ?? []), v],
    )
    .option(
      "--guardrail-regression <share>",
      "relative drop of purchase value in treatments (0.3 = 30 % less revenue per order)",
      "0",
    )
    .option(
      "--drop-rate <p>",
      "share of event requests dropped before reaching the server",
      String(simulationDefaults.faults.dropBeforeSend),
    )
    .option(
      "--lost-ack-rate <p>",
      "share of event requests stored but whose answer is lost (forces a retry)",
      String(simulationDefaults.faults.lostAck),
    )
    .option(
      "--duplicate-rate <p>",
      "share of event requests sent twice",
      String(simulationDefaults.faults.duplicateSend),
    )
    .option("--concurrency <n>", "users simulated at once", String(simulationDefaults.concurrency))
    .option(
      "--batch-size <n>",
      "events per request of the SDK event client",
      String(simulationDefaults.batchSize),
    )
    .option("--run-id <id>", "prefix of this run's user and event ids (default: from the clock)")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
Against \`npm start\` in another terminal:
  npx assay simulate --users 20000 --effect treatment=0.02
  npx assay simulate --experiment sim_guardrail --guardrail-regression 0.4   # fails closed
The experiment is created through the registry API (metrics, approval by a reviewer key, start) and added
to <home>/lake/assay.yaml so the scheduled pipeline sees it; "decision/run" runs that pipeline at once.
Exit 0 when every lake check holds, 1 when one fails (listed as PROBLEM lines), 2 for bad flags.`,
    )
    .action(async (flags: SimulateFlags) => {
      const key = flags.key ?? process.env.ASSAY_API_KEY ?? keyFromHome(flags.home);
      const lakeDir = flags.lake ? join(flags.home, "lake") : null;
      if (lakeDir !== null && !existsSync(flags.home)) {
        throw new CliError(
          `--home: ${flags.home} does not exist (pass the server's --home, or --no-lake)`,
          2,
        );
      }
      let report: SimulationReport;
      try {
        report = await runSimulation({
          ...simulationDefaults,
          url: flags.url,
          key,
          lakeDir,
          experiment: flags.experiment,
          users: numberFlag("users", flags.users, true),
          seed: numberFlag("seed", flags.seed, true),
          runId: flags.runId ?? `r${Date.now().toString(36)}`,
          baseline: numberFlag("baseline", flags.baseline),
          effects: parseEffects(flags.effect ?? []),
          guardrailRegression: numberFlag("guardrail-regression", flags.guardrailRegression),
          faults: {
            dropBeforeSend: numberFlag("drop-rate", flags.dropRate),
            lostAck: numberFlag("lost-ack-rate", flags.lostAckRate),
            duplicateSend: numberFlag("duplicate-rate", flags.duplicateRate),
          },
          concurrency: numberFlag("concurrency", flags.concurrency, true),
          batchSize: numberFlag("batch-size", flags.batchSize, true),
        });
      } catch (error) {
        if (error instanceof ZodError) {
          const issue = error.issues[0]!;
          throw new CliError(`${issue.path.join(".")}: ${issue.message}`, 2);
        }
        if (error instanceof SimulationError) throw new CliError(error.message, 1, { cause: error });
        if (error instanceof AssayApiError) throw new CliError(error.message, 1, { cause: error });
        throw error;
      }
      const { text, problems } = formatReport(report);
      if (flags.json) {
        const { outcome, ...rest } = report;
        const { users: _u, sent: _s, acknowledged: _a, ...counts } = outcome;
        process.stdout.write(
          `${JSON.stringify({ ...rest, outcome: { ...counts, sent: outcome.sent.size, acknowledged: outcome.acknowledged.size }, problems }, null, 2)}\n`,
        );
      } else {
        process.stdout.write(`${text}\n`);
      }
      if (problems.length > 0) process.exitCode = 1;
    });
}
