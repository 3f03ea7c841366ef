// `npm run bench -- decisions` (second part): one hourly decision cycle of the server on its embedded defaults
// (PGlite registry, DuckDB over the Parquet lake) with many running experiments: the scheduler's tick, one
// shared pipeline refresh over every experiment's data, then each experiment evaluated by @assay/decisions and
// its state persisted. Scales from ASSAY_BENCH_CYCLE_SCALES ("experiments:assignments,...", default
// "100:1000000,1000:1000000,1000:10000000", the last the issue's target). Writes bench-results/decisions-cycle.{json,md}.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { generateToLake } from "@assay/pipeline";
import { createApp } from "../src/app.js";
import { createDecisionService } from "../src/decisions/decision-service.js";
import { createLakeResultsSource, type ResultsSource } from "../src/decisions/lake-results-source.js";
import {
  createApiKey,
  createPgliteDatabase,
  createServerContext,
  type Principal,
  withTeam,
} from "../src/index.js";
import { experimentInputSchema } from "../src/registry/experiment-schema.js";
import { createExperiment, transitionExperiment } from "../src/registry/experiment-store.js";
import { writePipelineConfig } from "../src/results/pipeline-config.js";

const outDir = process.env.ASSAY_BENCH_OUT ?? join(import.meta.dirname, "..", "..", "..", "bench-results");
const scales = (process.env.ASSAY_BENCH_CYCLE_SCALES ?? "100:1000000,1000:1000000,1000:10000000")
  .split(",")
  .map((s) => s.split(":").map(Number) as [number, number]);
const USERS_PER_EXPERIMENT_SHARE = 0.01;
const DAY = 86_400_000;

interface CycleFigures {
  readonly experiments: number;
  readonly assignments: number;
  readonly exposures: number;
  readonly events: number;
  readonly setupSeconds: number;
  readonly generateSeconds: number;
  readonly refreshSeconds: number;
  readonly evaluateSeconds: number;
  readonly cycleSeconds: number;
  readonly msPerExperimentEvaluated: number;
  readonly refreshes: number;
  readonly decided: number;
  readonly rssMiB: number;
}

async function cycle(experiments: number, assignments: number): Promise<CycleFigures> {
  const dir = await mkdtemp(join(tmpdir(), "assay-cycle-"));
  const lake = join(dir, "lake");
  const db = await createPgliteDatabase();
  const context = await createServerContext({ db, walDir: join(dir, "wal"), lakeDir: lake });
  const base = createLakeResultsSource({ lakeDir: lake });
  let refreshes = 0;
  let refreshMs = 0;
  const source: ResultsSource = {
    async refresh(now) {
      const t = performance.now();
      refreshes += 1;
      try {
        return await base.refresh(now);
      } finally {
        refreshMs += performance.now() - t;
      }
    },
    read: (key, mode, at) => base.read(key, mode, at),
  };
  const today = Math.floor(Date.now() / DAY) * DAY;
  const start = today - 14 * DAY;
  const decisions = createDecisionService({
    db,
    source,
    notifierOptions: {},
    timers: {
      now: () => new Date(today + 3 * 3_600_000),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    },
  });
  const app = await createApp({ context, decisions });
  const admin = (await createApiKey(db, { team: "bench", role: "admin", name: "bench-admin" })).secret;
  const call = async (key: string, method: "POST" | "PUT", url: string, payload: object) => {
    const res = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${key}` } });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  };
  const t0 = performance.now();
  await call(admin, "PUT", "/api/metrics/conversion_7d", {
    key: "conversion_7d",
    type: "conversion",
    event: "purchase",
    window_days: 7,
  });
  await call(admin, "PUT", "/api/metrics/revenue_per_session", {
    key: "revenue_per_session",
    type: "ratio",
    window_days: 7,
    numerator: { event: "purchase", aggregation: "sum" },
    denominator: { event: "session_start", aggregation: "count" },
  });
  // Experiments go in through the registry's store (the same rules as the API, one transaction each): through the
  // API every write re-checks the team's whole SDK payload, which makes registering a thousand quadratic.
  const editor: Principal = { keyId: "bench", actor: "bench-editor", team: "bench", role: "admin" };
  const reviewer: Principal = { keyId: "bench-r", actor: "bench-reviewer", team: "bench", role: "reviewer" };
  const keys = Array.from({ length: experiments }, (_, i) => `exp_${String(i).padStart(4, "0")}`);
  for (const key of keys) {
    const input = experimentInputSchema.parse({
      key,
      name: key,
      hypothesis: "bench",
      type: "ab",
      owner_team: "bench",
      variants: [
        { key: "control", allocation: 50, is_control: true },
        { key: "treatment", allocation: 50 },
      ],
      metrics: [
        { metric_key: "conversion_7d", role: "primary", direction: "increase" },
        { metric_key: "revenue_per_session", role: "guardrail", direction: "increase", threshold: 0.1 },
      ],
      start_at: new Date(start).toISOString(),
      end_at: new Date(today + 14 * DAY).toISOString(),
      prereg_url: `https://wiki.example.com/prereg/${key}`,
      power_analysis: { baseline_rate: 0.1, mde_abs: 0.01, alpha: 0.05, power: 0.8 },
    });
    await withTeam(db, "bench", async (tx) => {
      await createExperiment(tx, editor, input);
      await transitionExperiment(tx, editor, key, "submitted");
      await transitionExperiment(tx, reviewer, key, "approved");
      await transitionExperiment(tx, editor, key, "running");
    });
  }
  await writePipelineConfig(db, lake);
  const setupSeconds = (performance.now() - t0) / 1000;
  console.log(`  registered ${experiments} experiments in ${setupSeconds.toFixed(0)} s`);
  const t1 = performance.now();
  const users = Math.round(assignments / (experiments * USERS_PER_EXPERIMENT_SHARE));
  const generated = await generateToLake({
    lake,
    dt: new Date(today - DAY).toISOString().slice(0, 10),
    from: new Date(start).toISOString().slice(0, 10),
    start: new Date(start).toISOString().slice(0, 10),
    days: 14,
    seed: 5,
    users,
    userAttributes: false,
    experiments: keys.map((id) => ({
      id,
      participation: USERS_PER_EXPERIMENT_SHARE,
      variants: [
        { id: "control", allocation: 50, control: true },
        { id: "treatment", allocation: 50 },
      ],
    })),
  });
  const generateSeconds = (performance.now() - t1) / 1000;
  console.log(`  generated ${generated.rows.assignments} assignments in ${generateSeconds.toFixed(0)} s`);
  // The hourly tick: every running experiment is due; the runs share one refresh.
  const t2 = performance.now();
  await decisions.scheduler.tick();
  while (decisions.scheduler.busy.size > 0) await new Promise((r) => setTimeout(r, 50));
  const cycleSeconds = (performance.now() - t2) / 1000;
  const { rows } = await db.query<{ n: string }>(
    "select count(*) as n from decision_run where status = 'succeeded'",
  );
  const decided = Number(rows[0]?.n ?? 0);
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  await decisions.stop();
  await app.close();
  await context.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
  const evaluateSeconds = cycleSeconds - refreshMs / 1000;
  return {
    experiments,
    assignments: generated.rows.assignments,
    exposures: generated.rows.exposures,
    events: generated.rows.events,
    setupSeconds,
    generateSeconds,
    refreshSeconds: refreshMs / 1000,
    evaluateSeconds,
    cycleSeconds,
    msPerExperimentEvaluated: (evaluateSeconds * 1000) / experiments,
    refreshes,
    decided,
    rssMiB,
  };
}

const load = loadavg()[0] ?? 0;
const results: CycleFigures[] = [];
for (const [experiments, assignments] of scales) {
  console.log(`decision cycle: ${experiments} experiments, ${assignments.toLocaleString("en")} assignments`);
  const r = await cycle(experiments, assignments);
  console.log(r);
  results.push(r);
}
const md = `# decisions: one hourly cycle of the server

The server on its embedded defaults (PGlite, DuckDB over Parquet) with every experiment running and due: the
scheduler's tick, one shared pipeline refresh over the lake (all models for the day), then each experiment read,
evaluated by \`@assay/decisions\` and its decision and state persisted (\`packages/server/bench/decision-cycle.ts\`).
Load average before: ${load.toFixed(1)}. Each experiment has a conversion primary and a ratio guardrail; users
take part in ${USERS_PER_EXPERIMENT_SHARE * 100} % of experiments each.

| experiments | assignments | exposures | events | refreshes | pipeline refresh | evaluate all | whole cycle | per experiment | runs succeeded | RSS |
|---|---|---|---|---|---|---|---|---|---|---|
${results
  .map(
    (r) =>
      `| ${r.experiments} | ${r.assignments.toLocaleString("en")} | ${r.exposures.toLocaleString("en")} | ${r.events.toLocaleString("en")} | ${r.refreshes} | ${r.refreshSeconds.toFixed(1)} s | ${r.evaluateSeconds.toFixed(1)} s | ${r.cycleSeconds.toFixed(1)} s | ${r.msPerExperimentEvaluated.toFixed(1)} ms | ${r.decided} | ${Math.round(r.rssMiB)} MiB |`,
  )
  .join("\n")}

Set-up (registering the experiments through the registry's store, generating the lake) is not part of the cycle:
${results.map((r) => `${r.experiments}/${r.assignments.toLocaleString("en")}: ${r.setupSeconds.toFixed(0)} s + ${r.generateSeconds.toFixed(0)} s`).join("; ")}.
`;
await writeFile(join(outDir, "decisions-cycle.md"), md);
await writeFile(join(outDir, "decisions-cycle.json"), `${JSON.stringify({ load, results }, null, 2)}\n`);
console.log(md);
