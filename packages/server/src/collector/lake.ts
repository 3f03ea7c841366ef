import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Queryable } from "../db/database.js";
import type { EventLog, SealedSegment } from "./event-log.js";

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Every file under `dir` whose name ends with `suffix` (none when `dir` does not exist). */
export async function listFiles(dir: string, suffix: string): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path, suffix)));
    else if (entry.name.endsWith(suffix) && !entry.name.startsWith(".")) out.push(path);
  }
  return out.sort();
}

const walColumns = `{kind: 'VARCHAR', event_id: 'VARCHAR', user_id: 'VARCHAR', event_name: 'VARCHAR',
  event_time_utc: 'VARCHAR', value: 'DOUBLE', properties: 'VARCHAR', experiment_id: 'VARCHAR',
  variant_id: 'VARCHAR', exposure_time_utc: 'VARCHAR'}`;

/**
 * The raw zone of the lake: Parquet partitions by UTC date with the pipeline contract's columns
 * (`raw/events`, `raw/exposures`, `raw/assignments`, each `dt=YYYY-MM-DD/`). Files are written
 * under a temporary name and renamed, and their names derive from what they hold (a WAL segment
 * number, an assignment sequence range), so re-running an interrupted compaction rewrites the
 * same files instead of adding copies.
 */
export interface Lake {
  readonly dir: string;
  /** Writes a sealed WAL segment into the lake, then removes the segment. */
  compactSegment(log: EventLog, segment: SealedSegment): Promise<{ events: number; exposures: number }>;
  /** Exports assignments logged in PostgreSQL since the last export. */
  exportAssignments(db: Queryable): Promise<number>;
  /** Every event_id already in the lake (events and exposures). */
  readEventIds(): Promise<string[]>;
  /** Rewrites every Parquet file under the lake without `userId`'s rows; returns the rows removed. */
  eraseUser(userId: string, extraDirs?: ReadonlyArray<string>): Promise<number>;
  /** Runs a query on the lake's DuckDB (tests, summaries). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/** Opens the lake at `dir` with an embedded DuckDB (session time zone UTC). */
export async function openLake(dir: string): Promise<Lake> {
  await mkdir(join(dir, "raw"), { recursive: true });
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const run = chain.then(op, op);
    chain = run.catch(() => undefined);
    return run;
  };
  const query = async <T>(sql: string): Promise<T[]> => {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) out[k] = typeof v === "bigint" ? Number(v) : v;
      return out as T;
    });
  };
  const copyTo = async (select: string, target: string): Promise<void> => {
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(dirname(target), `.${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
    await connection.run(`COPY (${select}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    await rename(tmp, target);
  };

  return {
    dir,
    query: (sql) => serial(() => query(sql)),
    compactSegment: (log, segment) =>
      serial(async () => {
        const name = `wal-${String(segment.number).padStart(9, "0")}.parquet`;
        await connection.run(
          `CREATE OR REPLACE TEMP TABLE seg AS SELECT * FROM read_json(${sqlString(segment.path)},
             format = 'newline_delimited', columns = ${walColumns})
           QUALIFY row_number() OVER (PARTITION BY event_id) = 1`,
        );
        const parts = await query<{ kind: string; dt: string; n: number }>(
          `SELECT kind, substr(coalesce(event_time_utc, exposure_time_utc), 1, 10) AS dt, count(*) AS n
           FROM seg GROUP BY ALL ORDER BY ALL`,
        );
        let events = 0;
        let exposures = 0;
        for (const part of parts) {
          if (part.kind === "event") {
            events += part.n;
            await copyTo(
              `SELECT event_id, user_id, event_name, CAST(event_time_utc AS TIMESTAMPTZ) AS event_time_utc, value, properties
               FROM seg WHERE kind = 'event' AND substr(event_time_utc, 1, 10) = ${sqlString(part.dt)} ORDER BY event_time_utc`,
              join(dir, "raw", "events", `dt=${part.dt}`, name),
            );
          } else {
            exposures += part.n;
            await copyTo(
              `SELECT experiment_id, user_id, variant_id, CAST(exposure_time_utc AS TIMESTAMPTZ) AS exposure_time_utc, event_id
               FROM seg WHERE kind = 'exposure' AND substr(exposure_time_utc, 1, 10) = ${sqlString(part.dt)} ORDER BY exposure_time_utc`,
              join(dir, "raw", "exposures", `dt=${part.dt}`, name),
            );
          }
        }
        await connection.run("DROP TABLE seg");
        await log.removeSegment(segment);
        return { events, exposures };
      }),
    exportAssignments: (db) =>
      serial(async () => {
        const files = await listFiles(join(dir, "raw", "assignments"), ".parquet");
        let watermark = 0;
        for (const f of files) {
          const m = /asg-(\d+)-(\d+)\.parquet$/.exec(f);
          if (m !== null) watermark = Math.max(watermark, Number(m[2]));
        }
        const { rows } = await db.query<{
          seq: string;
          experiment_key: string;
          user_id: string;
          variant_key: string;
          at: string;
        }>(
          `select seq::text as seq, experiment_key, user_id, variant_key,
             to_char(assigned_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at
           from assignment where seq > $1 order by seq limit 200000`,
          [watermark],
        );
        if (rows.length === 0) return 0;
        const from = Number(rows[0]!.seq);
        const to = Number(rows.at(-1)!.seq);
        const tmpJson = join(dir, `.assignments-${from}-${to}.ndjson`);
        await writeFile(
          tmpJson,
          rows
            .map((r) =>
              JSON.stringify({
                experiment_id: r.experiment_key,
                user_id: r.user_id,
                variant_id: r.variant_key,
                t: r.at,
              }),
            )
            .join("\n"),
        );
        await connection.run(
          `CREATE OR REPLACE TEMP TABLE asg AS SELECT experiment_id, user_id, variant_id,
             CAST(t AS TIMESTAMPTZ) AS assignment_time_utc, substr(t, 1, 10) AS dt
           FROM read_json(${sqlString(tmpJson)}, format = 'newline_delimited',
             columns = {experiment_id: 'VARCHAR', user_id: 'VARCHAR', variant_id: 'VARCHAR', t: 'VARCHAR'})`,
        );
        const dts = await query<{ dt: string }>("SELECT DISTINCT dt FROM asg ORDER BY dt");
        for (const { dt } of dts) {
          await copyTo(
            `SELECT experiment_id, user_id, variant_id, assignment_time_utc FROM asg WHERE dt = ${sqlString(dt)}`,
            join(
              dir,
              "raw",
              "assignments",
              `dt=${dt}`,
              `asg-${String(from).padStart(12, "0")}-${to}.parquet`,
            ),
          );
        }
        await connection.run("DROP TABLE asg");
        await rm(tmpJson, { force: true });
        return rows.length;
      }),
    readEventIds: () =>
      serial(async () => {
        const ids: string[] = [];
        for (const table of ["events", "exposures"]) {
          const files = await listFiles(join(dir, "raw", table), ".parquet");
          if (files.length === 0) continue;
          const rows = await query<{ event_id: string }>(
            `SELECT event_id FROM read_parquet([${files.map(sqlString).join(", ")}])`,
          );
          for (const r of rows) ids.push(r.event_id);
        }
        return ids;
      }),
    eraseUser: (userId, extraDirs = []) =>
      serial(async () => {
        let removed = 0;
        for (const root of [join(dir, "raw"), join(dir, "derived"), ...extraDirs]) {
          for (const file of await listFiles(root, ".parquet")) {
            const columns = await query<{ column_name: string }>(
              `DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`,
            );
            if (!columns.some((c) => c.column_name === "user_id")) continue;
            const [hit] = await query<{ n: number }>(
              `SELECT count(*) AS n FROM read_parquet(${sqlString(file)}) WHERE user_id = ${sqlString(userId)}`,
            );
            if (hit === undefined || hit.n === 0) continue;
            removed += hit.n;
            await copyTo(
              `SELECT * FROM read_parquet(${sqlString(file)}) WHERE user_id <> ${sqlString(userId)}`,
              file,
            );
          }
        }
        return removed;
      }),
    async close() {
      await chain;
      connection.closeSync();
      instance.closeSync();
    },
  };
}
