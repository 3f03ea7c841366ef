import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createApp, type SummaryProvider } from "./app.js";
import { dedupeMaxIdsFromEnv, dedupeWindowFromEnv } from "./collector/event-id-window.js";
import type { Database } from "./db/database.js";
import { createPgDatabase } from "./db/pg-database.js";
import { createPgliteDatabase } from "./db/pglite-database.js";
import { createDecisionService, type DecisionServiceOptions } from "./decisions/decision-service.js";
import { createLakeResultsSource } from "./decisions/lake-results-source.js";
import { dashboardDistDir } from "./http/dashboard-static.js";
import { settleWithin } from "./lifecycle/shutdown-deadline.js";
import { recoverAtStartup } from "./lifecycle/startup-recovery.js";
import { createApiKey } from "./registry/auth.js";
import { applyDefinitions, readDefinitionsDir } from "./registry/definitions-loader.js";
import { createLakeSummary } from "./results/experiment-summary.js";
import { writePipelineConfig } from "./results/pipeline-config.js";
import { createLakeSegmentResults, type SegmentResultsProvider } from "./results/segment-results-provider.js";
import { createLinkedExperimentMetrics } from "./rollouts/linked-experiment-metrics.js";
import { createServerContext, defaultPaths, type ServerContext } from "./server-context.js";

export interface StartServerOptions {
  readonly port?: number;
  readonly host?: string;
  /** Folder of the embedded registry, the event log and the lake. Default `ASSAY_HOME` or `./.assay`. */
  readonly home?: string;
  /** A PostgreSQL URL; default `ASSAY_DATABASE_URL`, else the embedded PGlite under `home`. */
  readonly databaseUrl?: string;
  /** How often the event log is compacted into the lake. Default 10 s. */
  readonly compactIntervalMs?: number;
  /**
   * Folder of metric, segment and flag definitions in YAML ("metrics as code"), applied to the bootstrap
   * team's registry at every start. Default `ASSAY_DEFINITIONS_DIR`; none when unset.
   */
  readonly definitionsDir?: string;
  /** Runs once after the first start (demo data). */
  readonly onFirstStart?: (server: RunningServer) => Promise<void>;
  /** Results summaries; default: read from the lake under `home` (`createLakeSummary`). */
  readonly summary?: SummaryProvider;
  /** Per-segment results; default: read from the lake under `home` (`createLakeSegmentResults`). */
  readonly segmentResults?: SegmentResultsProvider;
  /** The decision engine and its scheduler (docs/decisions.md); `false` turns them off. */
  readonly decisions?: false | Omit<DecisionServiceOptions, "db">;
  readonly logger?: boolean;
  /** Where progress lines go; default stdout. */
  readonly print?: (line: string) => void;
  /**
   * How long `close()` waits for decision runs in flight (and their pending retries) before it leaves them to the
   * exit, so a stop (SIGTERM) finishes well within 10 s. Default `ASSAY_SHUTDOWN_GRACE_MS` or 4000.
   */
  readonly shutdownGraceMs?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly context: ServerContext;
  readonly home: string;
  /**
   * The bootstrap key, created on the first start and kept in `<home>/api-keys.json`: the platform owner (admin of
   * team `demo`, creates teams, erases across teams).
   */
  readonly adminKey: string;
  close(): Promise<void>;
}

interface KeyFile {
  readonly team: string;
  readonly admin: string;
}

/**
 * Starts the HTTP server: opens (and migrates) the registry, recovers the event log into the lake,
 * compacts periodically, and listens on `host:port`.
 * @example const server = await startServer({ port: 3000 }); console.log(server.url);
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const home = options.home ?? process.env.ASSAY_HOME ?? ".assay";
  const port = options.port ?? Number(process.env.PORT ?? 3000);
  const host = options.host ?? process.env.HOST ?? "127.0.0.1";
  const databaseUrl = options.databaseUrl ?? process.env.ASSAY_DATABASE_URL;
  const paths = defaultPaths(home);
  const definitionsDir = options.definitionsDir ?? process.env.ASSAY_DEFINITIONS_DIR;
  // Read before anything opens, so a bad file stops the start at once.
  const definitions =
    definitionsDir === undefined || definitionsDir === ""
      ? undefined
      : await readDefinitionsDir(definitionsDir);
  await mkdir(home, { recursive: true });
  const db: Database =
    databaseUrl !== undefined && databaseUrl !== ""
      ? await createPgDatabase(databaseUrl)
      : await createPgliteDatabase(paths.registryDir);
  const context = await createServerContext({
    db,
    walDir: paths.walDir,
    lakeDir: paths.lakeDir,
    dedupeWindowMs: dedupeWindowFromEnv(process.env),
    dedupeMaxIds: dedupeMaxIdsFromEnv(process.env),
  });
  // After a crash: stale temporaries of the lake and the WAL, decision runs left `running`.
  const recovered = await recoverAtStartup(db, paths);
  if (recovered.removed.length + recovered.restored.length + recovered.failedRuns > 0)
    print(
      `Recovered after an unclean stop: ${recovered.removed.length} stale temporaries removed, ${recovered.restored.length} folders restored, ${recovered.failedRuns} interrupted decision runs marked failed`,
    );
  const keyPath = join(home, "api-keys.json");
  let keys: KeyFile | undefined;
  try {
    keys = JSON.parse(await readFile(keyPath, "utf8")) as KeyFile;
  } catch {
    keys = undefined;
  }
  const firstStart = keys === undefined;
  if (keys === undefined) {
    const { secret } = await createApiKey(db, { team: "demo", role: "owner", name: "bootstrap-admin" });
    keys = { team: "demo", admin: secret };
    await writeFile(keyPath, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  }
  if (definitions !== undefined) {
    try {
      const changed = await applyDefinitions(db, keys.team, definitions);
      print(
        `Definitions from ${definitionsDir}: ${definitions.metrics.length} metrics, ${definitions.segments.length} segments, ${definitions.flags.length} flags (${changed} created or changed)`,
      );
    } catch (error) {
      await context.close();
      await db.close();
      throw error;
    }
  }
  const decisions =
    options.decisions === false
      ? undefined
      : createDecisionService({
          db,
          lakeDir: paths.lakeDir,
          onError: (error) => app.log.error(error),
          beforeRefresh: async () => {
            await writePipelineConfig(db, paths.lakeDir);
          },
          ...options.decisions,
        });
  // Experiments created or changed while the server was down (or by another server) are analysed too.
  await writePipelineConfig(db, paths.lakeDir);
  const app = await createApp({
    context,
    logger: options.logger ?? false,
    ...(decisions === undefined ? {} : { decisions }),
    // Guarded rollouts read their guardrails from the flag's linked experiment, as the decision engine reads it.
    rollouts: {
      metrics: createLinkedExperimentMetrics(
        db,
        options.decisions !== false && options.decisions?.source !== undefined
          ? options.decisions.source
          : createLakeResultsSource({ lakeDir: paths.lakeDir }),
      ),
    },
    segmentResults: options.segmentResults ?? createLakeSegmentResults(db, paths.lakeDir),
    summary:
      options.summary ??
      createLakeSummary(
        db,
        paths.lakeDir,
        decisions === undefined ? {} : { decision: (tx, key) => decisions.engine.current(tx, key) },
      ),
  });
  await app.listen({ port, host });
  const address = app.server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
  const timer = setInterval(() => {
    context.compact().catch((error: unknown) => app.log.error(error));
  }, options.compactIntervalMs ?? 10_000);
  timer.unref();
  decisions?.start();
  const server: RunningServer = {
    url,
    app,
    context,
    home,
    adminKey: keys.admin,
    async close() {
      clearInterval(timer);
      // Pending retries are not waited for: a run still going after the grace period is abandoned (its row is
      // marked failed at the next start), and the log is compacted all the same.
      const graceMs = options.shutdownGraceMs ?? Number(process.env.ASSAY_SHUTDOWN_GRACE_MS ?? 4000);
      if (!(await settleWithin(decisions?.stop(), graceMs)))
        print(`Stopping: decision runs still in flight after ${graceMs} ms were abandoned`);
      await app.close();
      await context.compact();
      await context.close();
      await db.close();
    },
  };
  if (firstStart && options.onFirstStart !== undefined) await options.onFirstStart(server);
  print(`Assay server listening on ${url} (registry: ${db.dialect}, home: ${home})`);
  print(`API key (platform owner; admin of team ${keys.team}): ${keys.admin}  — also in ${keyPath}`);
  // Last, after any demo data, its results and its decisions: what the dashboard shows from now on is final.
  print(
    existsSync(join(dashboardDistDir(), "index.html"))
      ? `Ready: open ${url}/ and paste the key into the dashboard's top bar`
      : `Ready: the API answers at ${url}/api; the dashboard is not built (npm run build -w packages/web)`,
  );
  return server;
}
