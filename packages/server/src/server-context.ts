import { join } from "node:path";
import { type Collector, createCollector } from "./collector/collector.js";
import { type EventLog, openEventLog } from "./collector/event-log.js";
import { type CompactedAssignment, type CompactionCounts, type Lake, openLake } from "./collector/lake.js";
import type { Database, Queryable } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import { type AssignmentLog, createAssignmentLog } from "./registry/assignment-log.js";

export interface ServerContextOptions {
  readonly db: Database;
  /** Folder of the write-ahead log. */
  readonly walDir: string;
  /** Root of the lake (`raw/`, `derived/`). */
  readonly lakeDir: string;
  readonly segmentBytes?: number;
}

/** Everything a running server holds: the registry, the durable event log, the lake. */
export interface ServerContext {
  readonly db: Database;
  readonly log: EventLog;
  readonly lake: Lake;
  readonly collector: Collector;
  /** First assignments, logged through the same write-ahead log as events. */
  readonly assignments: AssignmentLog;
  /** Seals the current WAL segment, moves every sealed segment into the lake
   * (and its first assignments into the registry's `assignment` table). */
  compact(): Promise<CompactionCounts>;
  close(): Promise<void>;
}

/**
 * Migrates the registry, opens the log and the lake, and recovers: segments left by a crash are
 * compacted, the set of known event ids is rebuilt from the lake and the set of logged
 * (experiment, user) pairs from the registry.
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
      const done = await lake.compactSegment(log, segment, (rows) => insertAssignments(options.db, rows));
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
  const seen = new Set(await lake.readEventIds());
  const collector = createCollector(log, seen);
  const known = new Map<string, Set<string>>();
  const { rows } = await options.db.query<{ experiment_key: string; user_id: string }>(
    "select experiment_key, user_id from assignment",
  );
  for (const r of rows) {
    let users = known.get(r.experiment_key);
    if (users === undefined) {
      users = new Set();
      known.set(r.experiment_key, users);
    }
    users.add(r.user_id);
  }
  const assignments = createAssignmentLog(log, known);
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

/** Fills the registry's `assignment` table from compacted log lines (a repeat is a no-op). */
async function insertAssignments(db: Queryable, rows: ReadonlyArray<CompactedAssignment>): Promise<void> {
  for (let i = 0; i < rows.length; i += 10_000) {
    const chunk = rows.slice(i, i + 10_000);
    await db.query(
      `insert into assignment (experiment_key, user_id, variant_key, assigned_at)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
       on conflict do nothing`,
      [
        chunk.map((r) => r.experiment_id),
        chunk.map((r) => r.user_id),
        chunk.map((r) => r.variant_id),
        chunk.map((r) => r.assignment_time_utc),
      ],
    );
  }
}

export function defaultPaths(home: string): { registryDir: string; walDir: string; lakeDir: string } {
  return { registryDir: join(home, "registry"), walDir: join(home, "wal"), lakeDir: join(home, "lake") };
}
