import { join } from "node:path";
import { type Collector, createCollector } from "./collector/collector.js";
import { createEventIdWindow, defaultDedupeWindowMs } from "./collector/event-id-window.js";
import { type EventLog, openEventLog } from "./collector/event-log.js";
import { type CompactionCounts, type Lake, openLake } from "./collector/lake.js";
import type { Database } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import { type AssignmentLog, createAssignmentLog } from "./registry/assignment-log.js";
import { deliveredStatuses } from "./registry/sdk-payload.js";

export interface ServerContextOptions {
  readonly db: Database;
  /** Folder of the write-ahead log. */
  readonly walDir: string;
  /** Root of the lake (`raw/`, `derived/`). */
  readonly lakeDir: string;
  readonly segmentBytes?: number;
  /** How long the collector remembers an event id for de-duplication (ms). Default 60 minutes. */
  readonly dedupeWindowMs?: number;
  /** The most event ids a de-duplication generation holds (fixed memory; default `defaultDedupeMaxIds`). */
  readonly dedupeMaxIds?: number;
}

/** Everything a running server holds: the registry, the durable event log, the lake. */
export interface ServerContext {
  readonly db: Database;
  readonly log: EventLog;
  readonly lake: Lake;
  readonly collector: Collector;
  /** First assignments, logged through the same write-ahead log as events. */
  readonly assignments: AssignmentLog;
  /** Seals the current WAL segment and moves every sealed segment into the lake. */
  compact(): Promise<CompactionCounts>;
  close(): Promise<void>;
}

/**
 * Migrates the registry, opens the log and the lake, and recovers: segments left by a crash are
 * compacted, then the event ids taken in within the de-duplication window and the logged (experiment,
 * user) pairs are rebuilt from the lake (its `raw/assignments` is the assignment log; the registry keeps no
 * copy, so a first assignment costs one log append and its compaction, nothing on the registry).
 * @example const ctx = await createServerContext({ db, walDir: ".assay/wal", lakeDir: ".assay/lake" });
 */
export async function createServerContext(options: ServerContextOptions): Promise<ServerContext> {
  await migrate(options.db);
  const log = await openEventLog({
    dir: options.walDir,
    ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
  });
  const lake = await openLake(options.lakeDir);
  let chain: Promise<unknown> = Promise.resolve();
  const compactOnce = async () => {
    await log.seal();
    let events = 0;
    let exposures = 0;
    let assignments = 0;
    let userAttributes = 0;
    for (const segment of await log.sealedSegments()) {
      const done = await lake.compactSegment(log, segment);
      events += done.events;
      exposures += done.exposures;
      assignments += done.assignments;
      userAttributes += done.user_attributes;
    }
    return { events, exposures, assignments, user_attributes: userAttributes };
  };
  // Serial: a caller always gets a compaction that started after its call (DSAR relies on it).
  const compact = () => {
    const run = chain.then(compactOnce, compactOnce);
    chain = run.catch(() => undefined);
    return run;
  };
  await compact();
  const windowMs = options.dedupeWindowMs ?? defaultDedupeWindowMs;
  const seen = createEventIdWindow({
    windowMs,
    initial: await lake.readEventIds(Date.now() - windowMs),
    ...(options.dedupeMaxIds === undefined ? {} : { maxIds: options.dedupeMaxIds }),
  });
  // Only experiments that can still assign: an ended one's pairs are never looked up again.
  const { rows: live } = await options.db.query<{ experiment_key: string }>(
    "select experiment_key from experiment_registry where status = any($1::text[])",
    [[...deliveredStatuses]],
  );
  const known = await lake.readAssignedPairs(live.map((r) => r.experiment_key));
  const assignments = createAssignmentLog(log, known);
  const collector = createCollector(log, seen, assignments);
  return {
    assignments,
    db: options.db,
    log,
    lake,
    collector,
    compact,
    async close() {
      await chain;
      await log.close();
      await lake.close();
    },
  };
}

export function defaultPaths(home: string): { registryDir: string; walDir: string; lakeDir: string } {
  return { registryDir: join(home, "registry"), walDir: join(home, "wal"), lakeDir: join(home, "lake") };
}
