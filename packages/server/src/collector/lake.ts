import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { allTeams, createLakeReader, type LakeReader, listLakeFiles, sqlString } from "@assay/pipeline";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { EventLog, SealedSegment } from "./event-log.js";
import { type QuarantineReport, quarantineUnreadableLines } from "./wal-quarantine.js";

// Every raw row the compactor writes names its team (a WAL line from before tenancy has none: the empty team).
const teamColumn = "coalesce(team, '') AS team";
// The compactor's files are named after their WAL segment: `wal-<segment>.parquet`.
const compactedPrefix = "wal-";

/** Every file under `dir` whose name ends with `suffix` (none when `dir` does not exist). */
export const listFiles = listLakeFiles;

const walColumns = `{kind: 'VARCHAR', event_id: 'VARCHAR', user_id: 'VARCHAR', event_name: 'VARCHAR',
  event_time_utc: 'VARCHAR', value: 'DOUBLE', properties: 'VARCHAR', experiment_id: 'VARCHAR',
  variant_id: 'VARCHAR', exposure_time_utc: 'VARCHAR', assignment_time_utc: 'VARCHAR',
  attribute: 'VARCHAR', attribute_value: 'VARCHAR', observed_time_utc: 'VARCHAR', team: 'VARCHAR'}`;

/** Rows one compaction moved into the lake, by raw table. */
export interface CompactionCounts {
  readonly events: number;
  readonly exposures: number;
  readonly assignments: number;
  /** `raw/user_attributes` rows (allowlisted attributes observed at first assignments). */
  readonly user_attributes: number;
}

/**
 * The raw zone of the lake: Parquet partitions by UTC date with the pipeline contract's columns
 * (`raw/events`, `raw/exposures`, `raw/assignments`, `raw/user_attributes`, each `dt=YYYY-MM-DD/`). Files are written
 * under a temporary name and renamed, and their names derive from what they hold (the WAL segment
 * number), so re-running an interrupted compaction rewrites the
 * same files instead of adding copies.
 */
export interface Lake {
  readonly dir: string;
  /** Every read of the lake's Parquet files (results, raw logs, retention and erasure), on this lake's session. */
  readonly reader: LakeReader;
  /**
   * Writes a sealed WAL segment into the lake, then removes the segment. Safe to repeat after a crash:
   * files are rewritten.
   */
  compactSegment(log: EventLog, segment: SealedSegment): Promise<CompactionCounts>;
  /**
   * The team-qualified event ids (`teamEventKey`) of the events and exposures the collector compacted into the lake,
   * from files written at or after `sinceMs` (default all).
   */
  readEventIds(sinceMs?: number): Promise<string[]>;
  /** Experiment key → the users with a logged first assignment (`raw/assignments`), for `experiments` only. */
  readAssignedPairs(experiments: ReadonlyArray<string>): Promise<Map<string, Set<string>>>;
  /** Rewrites every Parquet file under the lake without `userId`'s rows; returns the rows removed. */
  eraseUser(userId: string, extraDirs?: ReadonlyArray<string>): Promise<number>;
  /** Runs a query on the lake's DuckDB (tests). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

export interface LakeOptions {
  /** Told about WAL lines the compactor could not read and moved to `<wal>/quarantine/` (default: stderr). */
  readonly onQuarantine?: (report: QuarantineReport) => void;
}

const logQuarantine = (r: QuarantineReport): void => {
  process.stderr.write(
    `assay: error: ${r.lines} unreadable line(s) of WAL segment ${r.segment} moved to ${r.quarantinePath}\n`,
  );
};

/** Opens the lake at `dir` with an embedded DuckDB (session time zone UTC). */
export async function openLake(dir: string, options: LakeOptions = {}): Promise<Lake> {
  const onQuarantine = options.onQuarantine ?? logQuarantine;
  await mkdir(join(dir, "raw"), { recursive: true });
  // Bounded so that compaction under sustained ingestion cannot grow the server past its memory budget: DuckDB
  // spills what does not fit to the lake's own temp folder (ASSAY_LAKE_MEMORY_LIMIT, default 384MB).
  const settings = {
    threads: "2",
    memory_limit: process.env.ASSAY_LAKE_MEMORY_LIMIT ?? "384MB",
    preserve_insertion_order: "false",
  };
  // Each instance spills to a folder of its own (an instance removes its temp folder when it closes).
  const openSession = async (
    tempFolder: string,
  ): Promise<{ connection: DuckDBConnection; close(): void }> => {
    // Spill files a killed process left behind belong to no instance: only one instance uses a folder at a time.
    await rm(join(dir, tempFolder), { recursive: true, force: true });
    const instance = await DuckDBInstance.create(":memory:", {
      ...settings,
      temp_directory: join(dir, tempFolder),
    });
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    return {
      connection,
      close() {
        connection.closeSync();
        instance.closeSync();
      },
    };
  };
  const session = await openSession(".duckdb-tmp");
  const { connection } = session;
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const run = chain.then(op, op);
    chain = run.catch(() => undefined);
    return run;
  };
  const queryOn = async <T>(on: DuckDBConnection, sql: string): Promise<T[]> => {
    const reader = await on.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) out[k] = typeof v === "bigint" ? Number(v) : v;
      return out as T;
    });
  };
  const query = <T>(sql: string): Promise<T[]> => queryOn<T>(connection, sql);
  const copyTo = async (on: DuckDBConnection, select: string, target: string): Promise<void> => {
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(dirname(target), `.${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
    await on.run(`COPY (${select}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    await rename(tmp, target);
  };

  // One compaction on `on`: the segment into the lake's raw tables, then the segment removed.
  const compactWith = async (
    on: DuckDBConnection,
    log: EventLog,
    segment: SealedSegment,
  ): Promise<CompactionCounts> => {
    const name = `${compactedPrefix}${String(segment.number).padStart(9, "0")}.parquet`;
    const load = () =>
      on.run(
        `CREATE OR REPLACE TEMP TABLE seg AS SELECT * FROM read_json(${sqlString(segment.path)},
               format = 'newline_delimited', columns = ${walColumns})`,
      );
    try {
      await load();
    } catch (error) {
      // A line the reader refuses (written before the writer checked, or damaged on disk) is quarantined with a
      // logged error; the rest of the segment is compacted. Any other failure is the caller's to see.
      const report = await quarantineUnreadableLines(segment.path);
      if (report === undefined) throw error;
      onQuarantine(report);
      await load();
    }
    // A line written twice (a batch retried after a failed append) is kept once. Such repeats are rare: the
    // window function (the costliest step of a compaction, in time and memory) runs only when a cheap
    // aggregate finds one.
    const [repeats] = await queryOn<{ n: number }>(
      on,
      "SELECT count(*) AS n FROM (SELECT 1 FROM seg GROUP BY kind, team, event_id HAVING count(*) > 1)",
    );
    if (repeats !== undefined && repeats.n > 0)
      await on.run(
        "CREATE OR REPLACE TEMP TABLE seg AS SELECT * FROM seg QUALIFY row_number() OVER (PARTITION BY kind, team, event_id) = 1",
      );
    const parts = await queryOn<{ kind: string; dt: string; n: number }>(
      on,
      `SELECT kind, substr(coalesce(event_time_utc, exposure_time_utc, assignment_time_utc, observed_time_utc), 1, 10) AS dt,
             count(*) AS n
           FROM seg GROUP BY ALL ORDER BY ALL`,
    );
    let events = 0;
    let exposures = 0;
    let assignments = 0;
    let userAttributes = 0;
    for (const part of parts) {
      if (part.kind === "assignment") {
        assignments += part.n;
        await copyTo(
          on,
          `SELECT experiment_id, user_id, variant_id, CAST(assignment_time_utc AS TIMESTAMPTZ) AS assignment_time_utc, ${teamColumn}
               FROM seg WHERE kind = 'assignment' AND substr(assignment_time_utc, 1, 10) = ${sqlString(part.dt)}
               ORDER BY assignment_time_utc`,
          join(dir, "raw", "assignments", `dt=${part.dt}`, name),
        );
      } else if (part.kind === "event") {
        events += part.n;
        await copyTo(
          on,
          `SELECT event_id, user_id, event_name, CAST(event_time_utc AS TIMESTAMPTZ) AS event_time_utc, value, properties, ${teamColumn}
               FROM seg WHERE kind = 'event' AND substr(event_time_utc, 1, 10) = ${sqlString(part.dt)} ORDER BY event_time_utc`,
          join(dir, "raw", "events", `dt=${part.dt}`, name),
        );
      } else if (part.kind === "user_attribute") {
        userAttributes += part.n;
        await copyTo(
          on,
          `SELECT user_id, attribute, attribute_value AS value, CAST(observed_time_utc AS TIMESTAMPTZ) AS observed_time_utc, ${teamColumn}
               FROM seg WHERE kind = 'user_attribute' AND substr(observed_time_utc, 1, 10) = ${sqlString(part.dt)}
               ORDER BY observed_time_utc, user_id, attribute`,
          join(dir, "raw", "user_attributes", `dt=${part.dt}`, name),
        );
      } else {
        exposures += part.n;
        await copyTo(
          on,
          `SELECT experiment_id, user_id, variant_id, CAST(exposure_time_utc AS TIMESTAMPTZ) AS exposure_time_utc, event_id, ${teamColumn}
               FROM seg WHERE kind = 'exposure' AND substr(exposure_time_utc, 1, 10) = ${sqlString(part.dt)} ORDER BY exposure_time_utc`,
          join(dir, "raw", "exposures", `dt=${part.dt}`, name),
        );
      }
    }
    await on.run("DROP TABLE seg");
    await log.removeSegment(segment);
    return { events, exposures, assignments, user_attributes: userAttributes };
  };

  // Inside `serial` the lake's own reads use the session directly; outside, every query waits its turn.
  const own = createLakeReader(dir, { session: { query } });
  const reader = createLakeReader(dir, { session: { query: (sql) => serial(() => query(sql)) } });

  return {
    dir,
    reader,
    query: (sql) => serial(() => query(sql)),
    compactSegment: (log, segment) =>
      serial(async () => {
        // A DuckDB of its own, closed when done: a long-lived instance kept what its JSON reader, window and sort
        // had allocated (150–300 MiB beyond its buffer pool, which memory_limit does not bound), and held it
        // between compactions; closed, the process gives it back (docs/server.md, "Collector memory").
        const compactor = await openSession(".duckdb-tmp-compaction");
        try {
          return await compactWith(compactor.connection, log, segment);
        } finally {
          compactor.close();
        }
      }),
    readEventIds: (sinceMs = 0) =>
      // Only the compactor's files (`wal-<segment>.parquet`) hold collected events; files loaded from elsewhere
      // (the demo, `assay load`) need not have an event_id column. A file's time is its compaction's.
      serial(() => own.eventKeys({ scope: allTeams, sinceMs, namePrefix: compactedPrefix })),
    readAssignedPairs: (experiments) =>
      serial(() => own.assignedPairs({ scope: allTeams, experimentIds: experiments })),
    eraseUser: (userId, extraDirs = []) =>
      serial(async () => {
        let removed = 0;
        for (const root of [join(dir, "raw"), join(dir, "derived"), ...extraDirs]) {
          for (const file of await listLakeFiles(root, ".parquet")) {
            if (!(await own.fileColumns(file)).includes("user_id")) continue;
            const done = await own.rewriteWithout(file, { kind: "equals", column: "user_id", value: userId });
            removed += done.removed;
          }
        }
        return removed;
      }),
    async close() {
      await chain;
      session.close();
    },
  };
}
