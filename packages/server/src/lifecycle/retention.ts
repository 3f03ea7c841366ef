import { rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { RowFilter } from "@assay/pipeline";
import { type Lake, listFiles } from "../collector/lake.js";
import type { Queryable } from "../db/database.js";

/** How long each kind of data is kept (seed 003 "Retention Policies"); `null` = indefinitely. */
export interface RetentionPolicy {
  /** Raw assignments/exposures and per-user silver/gold rows: days after the experiment ends. */
  readonly assignmentDays: number;
  /** Raw events, identify links and user attributes: days after the last experiment that could read them ends. */
  readonly rawEventDays: number;
  /** Aggregated results (gold tables without a user column): days after the experiment ends, or kept. */
  readonly resultDays: number | null;
  /** Events this many days before an experiment's start are still its (CUPED pre-period). */
  readonly lookbackDays: number;
}

export const defaultRetentionPolicy: RetentionPolicy = {
  assignmentDays: 180,
  rawEventDays: 180,
  resultDays: null,
  lookbackDays: 28,
};

/** The policy from `ASSAY_RETENTION_{ASSIGNMENT,EVENT,RESULT,LOOKBACK}_DAYS` (RESULT may be `never`). */
export function retentionPolicyFromEnv(env: Record<string, string | undefined>): RetentionPolicy {
  const days = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`${name} must be a whole number of days, got "${raw}"`);
    return n;
  };
  const result = env.ASSAY_RETENTION_RESULT_DAYS;
  return {
    assignmentDays: days("ASSAY_RETENTION_ASSIGNMENT_DAYS", defaultRetentionPolicy.assignmentDays),
    rawEventDays: days("ASSAY_RETENTION_EVENT_DAYS", defaultRetentionPolicy.rawEventDays),
    resultDays:
      result === undefined || result === "" || result === "never"
        ? null
        : days("ASSAY_RETENTION_RESULT_DAYS", 0),
    lookbackDays: days("ASSAY_RETENTION_LOOKBACK_DAYS", defaultRetentionPolicy.lookbackDays),
  };
}

/** What one run removed: whole partitions and rows rewritten out of partitions. */
export interface RetentionReport {
  readonly ran_at: string;
  readonly expired_experiments: string[];
  readonly partitions_removed: string[];
  readonly rows_removed: Record<string, number>;
}

const DAY = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const partitionDay = (file: string) => /dt=(\d{4}-\d{2}-\d{2})/.exec(file)?.[1];

/**
 * Enforces the policy once: experiments whose end lies more than `assignmentDays` in the past lose their
 * assignments and exposures (raw partitions, per-user silver/gold rows);
 * raw event, identify and user-attribute partitions are removed once older than `rawEventDays` and before every
 * experiment still in retention (start minus `lookbackDays`); experiments, flags and (unless `resultDays`)
 * aggregated results are kept. The run and what it removed are recorded in `retention_run`.
 * @example const report = await runRetention({ db, lake, policy: defaultRetentionPolicy });
 */
export async function runRetention(options: {
  db: Queryable;
  lake: Lake;
  policy: RetentionPolicy;
  now?: Date;
}): Promise<RetentionReport> {
  const { db, lake, policy } = options;
  const now = (options.now ?? new Date()).getTime();
  const { rows: experiments } = await db.query<{
    experiment_key: string;
    status: string;
    start_at: Date | string | null;
    end_at: Date | string | null;
  }>("select experiment_key, status, start_at, end_at from experiment_registry");
  const ended = (e: (typeof experiments)[number], days: number) =>
    e.end_at !== null &&
    e.status !== "running" &&
    e.status !== "paused" &&
    new Date(e.end_at).getTime() + days * DAY <= now;
  const expired = experiments.filter((e) => ended(e, policy.assignmentDays)).map((e) => e.experiment_key);
  const resultsExpired =
    policy.resultDays === null
      ? []
      : experiments.filter((e) => ended(e, policy.resultDays!)).map((e) => e.experiment_key);
  const liveStarts = experiments
    .filter((e) => !ended(e, policy.rawEventDays) && e.start_at !== null)
    .map((e) => new Date(e.start_at!).getTime() - policy.lookbackDays * DAY);
  const eventCutoff = dayOf(Math.min(now - policy.rawEventDays * DAY, ...liveStarts));

  const partitionsRemoved: string[] = [];
  const rowsRemoved: Record<string, number> = {};
  const count = (table: string, n: number) => {
    rowsRemoved[table] = (rowsRemoved[table] ?? 0) + n;
  };

  // User attributes are observations like events: a live experiment's units were observed at their assignment.
  for (const table of ["events", "identifies", "user_attributes"]) {
    const files = await listFiles(join(lake.dir, "raw", table), ".parquet");
    const days = new Set(
      files.map(partitionDay).filter((d): d is string => d !== undefined && d < eventCutoff),
    );
    for (const day of [...days].sort()) {
      const dir = join(lake.dir, "raw", table, `dt=${day}`);
      const n = await lake.reader.countRows(await listFiles(dir, ".parquet"));
      await rm(dir, { recursive: true, force: true });
      partitionsRemoved.push(`raw/${table}/dt=${day}`);
      count(`raw/${table}`, n);
    }
  }

  const dropRows = async (area: string, needsUser: boolean, keys: ReadonlyArray<string>) => {
    if (keys.length === 0) return;
    const theirs: RowFilter = { kind: "in", column: "experiment_id", values: keys };
    for (const file of await listFiles(join(lake.dir, area), ".parquet")) {
      const columns = await lake.reader.fileColumns(file);
      if (!columns.includes("experiment_id") || columns.includes("user_id") !== needsUser) continue;
      const { removed, fileRemoved } = await lake.reader.rewriteWithout(file, theirs, {
        removeWhenEmpty: true,
      });
      if (removed === 0) continue;
      const table = `${area}/${basename(dirname(dirname(file)))}`;
      count(table, removed);
      if (fileRemoved && (await listFiles(dirname(file), ".parquet")).length === 0) {
        await rm(dirname(file), { recursive: true, force: true });
        partitionsRemoved.push(`${table}/${basename(dirname(file))}`);
      }
    }
  };
  await dropRows("raw", true, expired);
  await dropRows("silver", true, expired);
  await dropRows("gold", true, expired);
  await dropRows("gold", false, resultsExpired);

  const report: RetentionReport = {
    ran_at: new Date(now).toISOString(),
    expired_experiments: expired.sort(),
    partitions_removed: partitionsRemoved.sort(),
    rows_removed: rowsRemoved,
  };
  await db.query("insert into retention_run (ran_at, policy, removed) values ($1, $2, $3)", [
    report.ran_at,
    JSON.stringify(policy),
    JSON.stringify(report),
  ]);
  return report;
}
