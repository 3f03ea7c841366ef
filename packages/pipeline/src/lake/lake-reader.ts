import { existsSync } from "node:fs";
import { readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ResultRow } from "../results/compute-results.js";
import type { SegmentResultRow } from "../results/compute-segment-results.js";
import type { QualityReport } from "../results/quality-report.js";
import { sqlString } from "../sql/sql-string.js";
import { checkDt, listPartitions, partitionDir, partitionFiles } from "./lake-layout.js";
import { listLakeFiles } from "./reader/lake-files.js";
import { LakeReadError } from "./reader/lake-read-error.js";
import { type LakeScope, scopeFilter } from "./reader/lake-scope.js";
import { inSession, type LakeSession, sourceColumns } from "./reader/lake-session.js";
import { parquetSource } from "./reader/parquet-source.js";
import type { ExposureQualityDay, PartitionResultRow, VariantAggregateRow } from "./reader/result-rows.js";
import { compileRowFilter, lakeColumn, type RowFilter } from "./reader/row-filter.js";

/**
 * Every read of the Parquet lake the server and CLI make, typed per read: results, segments, variant aggregates,
 * quality, exposure health, the raw logs (event ids, assignments, last evaluations) and the file-level reads and
 * rewrites of retention and erasure. Reads of raw tables take a {@link LakeScope}: a team sees only its own rows.
 * Values reach SQL only through `sqlString`; columns through a checked identifier; nobody else writes `read_parquet`.
 * @example
 * const reader = createLakeReader("./data");
 * const latest = await reader.experimentResults({ experimentIds: ["exp_checkout"] });
 */
export interface LakeReader {
  readonly dir: string;
  /** The latest results partition at or before `atOrBefore` (or the latest overall); null when there is none. */
  latestResultsDt(atOrBefore?: string): string | null;
  /** `fct_experiment_results` rows of `experimentIds` in one results partition (latest unless `dt`); null: none. */
  experimentResults(options: {
    readonly experimentIds: ReadonlyArray<string>;
    readonly dt?: string;
    readonly mode?: "itt" | "exposed";
  }): Promise<{ dt: string; rows: ResultRow[] } | null>;
  /** `fct_experiment_results_by_segment` rows of one experiment (latest partition unless `dt`); null: no such table that day. */
  segmentResults(options: {
    readonly experimentId: string;
    readonly dt?: string;
  }): Promise<{ dt: string; rows: SegmentResultRow[] } | null>;
  /** `agg_experiment_metric_by_variant` rows of a results day (every experiment, or one); empty without the partition. */
  variantAggregates(options: {
    readonly dt: string;
    readonly experimentId?: string;
  }): Promise<VariantAggregateRow[]>;
  /** The quality report of a results partition (latest unless `dt`); null when there is none. */
  qualityReport(dt?: string): Promise<{ dt: string; report: QualityReport } | null>;
  /** The comparison columns of every results partition (one per `dt`, cumulative to that day) of `experimentIds`. */
  resultsHistory(experimentIds: ReadonlyArray<string>): Promise<PartitionResultRow[]>;
  /** Experiment → its daily exposure health (`fct_experiment_exposure_quality_daily`) of the latest results day. */
  exposureQualityDaily(experimentIds: ReadonlyArray<string>): Promise<Map<string, ExposureQualityDay[]>>;
  /**
   * Team-qualified event ids (`team` NUL `event_id`) of `raw/events` and `raw/exposures` in scope, from files whose
   * name starts with `namePrefix` (default all) modified at or after `sinceMs` (default all).
   */
  eventKeys(options: {
    readonly scope: LakeScope;
    readonly sinceMs?: number;
    readonly namePrefix?: string;
  }): Promise<string[]>;
  /** Experiment → the users with a logged first assignment (`raw/assignments`) in scope, for `experimentIds` only. */
  assignedPairs(options: {
    readonly scope: LakeScope;
    readonly experimentIds: ReadonlyArray<string>;
  }): Promise<Map<string, Set<string>>>;
  /** Experiment → its latest assignment or exposure time in scope (ISO 8601 UTC). */
  lastEvaluations(options: { readonly scope: LakeScope }): Promise<Map<string, string>>;
  /** The column names of one lake file. */
  fileColumns(file: string): Promise<string[]>;
  /** The columns of one lake file with their DuckDB types (e.g. `TIMESTAMP WITH TIME ZONE`). */
  fileSchema(file: string): Promise<Array<{ name: string; type: string }>>;
  /**
   * Rows of `files` (columns matched by name across them): `columns` (default all), those matching `filter`, in
   * `orderBy` order; empty without files. For audits of what was written, e.g. the collector's raw files.
   */
  fileRows(
    files: ReadonlyArray<string>,
    options?: {
      readonly columns?: ReadonlyArray<string>;
      readonly filter?: RowFilter;
      readonly orderBy?: ReadonlyArray<string>;
    },
  ): Promise<Array<Record<string, unknown>>>;
  /** Rows of `files` (matching `filter` when given); 0 without files. */
  countRows(files: ReadonlyArray<string>, filter?: RowFilter): Promise<number>;
  /**
   * Rewrites `file` without the rows matching `filter` (written beside it, renamed over it: readers see the old or
   * the new file, never half of one); removes the file when no row is left and `removeWhenEmpty`. Returns the rows
   * removed (0: the file is left untouched).
   */
  rewriteWithout(
    file: string,
    filter: RowFilter,
    options?: { readonly removeWhenEmpty?: boolean },
  ): Promise<{ removed: number; fileRemoved: boolean }>;
}

export interface LakeReaderOptions {
  /** Where the SQL runs (default: a one-thread embedded DuckDB opened per read). */
  readonly session?: LakeSession;
}

/**
 * Opens a reader over the lake at `dir`.
 * @example
 * const reader = createLakeReader(".assay/lake");
 * const pairs = await reader.assignedPairs({ scope: allTeams, experimentIds: ["checkout"] });
 */
export function createLakeReader(dir: string, options: LakeReaderOptions = {}): LakeReader {
  const run = <T>(work: (session: LakeSession) => Promise<T>) => inSession(options.session, work);
  const latestResultsDt = (atOrBefore?: string): string | null => {
    if (atOrBefore !== undefined) checkLakeDt(atOrBefore);
    const days = listPartitions(dir, "gold", "fct_experiment_results").filter(
      (d) => atOrBefore === undefined || d <= atOrBefore,
    );
    return days.at(-1) ?? null;
  };
  const rawFiles = (table: string) => listLakeFiles(join(dir, "raw", table), ".parquet");
  // A scoped read of raw files: the scope's filter when the files have a team column, and whether they do.
  const scoped = async (session: LakeSession, files: ReadonlyArray<string>, scope: LakeScope) => {
    const source = parquetSource(files);
    const hasTeam = (await sourceColumns(session, source)).includes("team");
    const filter = scopeFilter(scope, hasTeam);
    return { source, hasTeam, where: filter === undefined ? "true" : compileRowFilter(filter) };
  };

  return {
    dir,
    latestResultsDt,

    async experimentResults({ experimentIds, dt, mode }) {
      const day = latestResultsDt(dt);
      if (day === null) return null;
      const files = partitionFiles(dir, "gold", "fct_experiment_results", day);
      if (files.length === 0 || experimentIds.length === 0) return { dt: day, rows: [] };
      const where = compileRowFilter({
        kind: "all",
        of: [
          { kind: "in", column: "experiment_id", values: experimentIds },
          ...(mode === undefined ? [] : [{ kind: "equals", column: "analysis_mode", value: mode } as const]),
        ],
      });
      const rows = await run((s) =>
        s.query(
          `SELECT * FROM ${parquetSource(files)} WHERE ${where}
           ORDER BY experiment_id, metric_id, analysis_mode, is_control DESC, variation_id`,
        ),
      );
      return { dt: day, rows: rows as unknown as ResultRow[] };
    },

    async segmentResults({ experimentId, dt }) {
      const day = latestResultsDt(dt);
      if (day === null) return null;
      const files = partitionFiles(dir, "gold", "fct_experiment_results_by_segment", day);
      if (files.length === 0) return null;
      const where = compileRowFilter({ kind: "equals", column: "experiment_id", value: experimentId });
      const rows = await run((s) => s.query(`SELECT * FROM ${parquetSource(files)} WHERE ${where}`));
      return { dt: day, rows: rows as unknown as SegmentResultRow[] };
    },

    async variantAggregates({ dt, experimentId }) {
      const files = partitionFiles(dir, "gold", "agg_experiment_metric_by_variant", checkLakeDt(dt));
      if (files.length === 0) return [];
      const where =
        experimentId === undefined
          ? "true"
          : compileRowFilter({ kind: "equals", column: "experiment_id", value: experimentId });
      const rows = await run((s) =>
        s.query(
          `SELECT experiment_id, metric_id, analysis_mode, variation_id, n, sum_value, sum_value_sq, sum_den,
                  sum_den_sq, sum_value_den
           FROM ${parquetSource(files)} WHERE ${where}`,
        ),
      );
      const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
      return rows.map((r) => ({
        experiment_id: String(r.experiment_id),
        metric_id: String(r.metric_id),
        analysis_mode: String(r.analysis_mode),
        variation_id: String(r.variation_id),
        n: Number(r.n),
        sum_value: num(r.sum_value),
        sum_value_sq: num(r.sum_value_sq),
        sum_den: num(r.sum_den),
        sum_den_sq: num(r.sum_den_sq),
        sum_value_den: num(r.sum_value_den),
      }));
    },

    async qualityReport(dt) {
      const day = latestResultsDt(dt);
      if (day === null) return null;
      const path = join(partitionDir(dir, "gold", "quality_report", day), "quality_report.json");
      if (!existsSync(path)) return null;
      return { dt: day, report: JSON.parse(await readFile(path, "utf8")) as QualityReport };
    },

    async resultsHistory(experimentIds) {
      if (experimentIds.length === 0) return [];
      const where = compileRowFilter({ kind: "in", column: "experiment_id", values: experimentIds });
      const selects = listPartitions(dir, "gold", "fct_experiment_results").flatMap((day) => {
        const files = partitionFiles(dir, "gold", "fct_experiment_results", day);
        return files.length === 0
          ? []
          : [
              `SELECT ${sqlString(day)} AS dt, experiment_id, metric_id, analysis_mode, variation_id, is_control, n_users,
                      uplift_abs, ci_low, ci_high
               FROM ${parquetSource(files)} WHERE ${where}`,
            ];
      });
      if (selects.length === 0) return [];
      const rows = await run((s) =>
        s.query(
          `${selects.join(" UNION ALL ")} ORDER BY dt, experiment_id, metric_id, analysis_mode, variation_id`,
        ),
      );
      return rows as unknown as PartitionResultRow[];
    },

    async exposureQualityDaily(experimentIds) {
      const out = new Map<string, ExposureQualityDay[]>();
      const latest = latestResultsDt();
      if (latest === null || experimentIds.length === 0) return out;
      const files = partitionFiles(dir, "gold", "fct_experiment_exposure_quality_daily", latest);
      if (files.length === 0) return out;
      const where = compileRowFilter({ kind: "in", column: "experiment_id", values: experimentIds });
      const rows = await run((s) =>
        s.query(
          `SELECT * EXCLUDE (date_day), CAST(date_day AS VARCHAR) AS date_day
           FROM ${parquetSource(files)} WHERE ${where} ORDER BY experiment_id, date_day`,
        ),
      );
      for (const { experiment_id, ...day } of rows) {
        const key = String(experiment_id);
        out.set(key, [...(out.get(key) ?? []), day as unknown as ExposureQualityDay]);
      }
      return out;
    },

    async eventKeys({ scope, sinceMs = 0, namePrefix = "" }) {
      const keys: string[] = [];
      for (const table of ["events", "exposures"]) {
        const files: string[] = [];
        for (const file of await rawFiles(table)) {
          if (!basename(file).startsWith(namePrefix)) continue;
          if (sinceMs === 0 || (await modifiedMs(file)) >= sinceMs) files.push(file);
        }
        if (files.length === 0) continue;
        const rows = await run(async (s) => {
          const { source, hasTeam, where } = await scoped(s, files, scope);
          // A file from before tenancy has no team column: its events are the empty team's.
          const team = hasTeam ? "coalesce(team, '')" : "''";
          return s.query(`SELECT ${team} || chr(0) || event_id AS k FROM ${source} WHERE ${where}`);
        });
        for (const r of rows) keys.push(String(r.k));
      }
      return keys;
    },

    async assignedPairs({ scope, experimentIds }) {
      const pairs = new Map<string, Set<string>>();
      const files = await rawFiles("assignments");
      if (files.length === 0 || experimentIds.length === 0) return pairs;
      const rows = await run(async (s) => {
        const { source, where } = await scoped(s, files, scope);
        const wanted = compileRowFilter({ kind: "in", column: "experiment_id", values: experimentIds });
        // One row per experiment holding its users: the log can hold millions of pairs.
        return s.query(
          `SELECT experiment_id, list(DISTINCT user_id) AS users FROM ${source}
           WHERE ${wanted} AND ${where} AND user_id IS NOT NULL GROUP BY experiment_id`,
        );
      });
      for (const r of rows) pairs.set(String(r.experiment_id), new Set(r.users as string[]));
      return pairs;
    },

    async lastEvaluations({ scope }) {
      const latest = new Map<string, string>();
      const rows = await run(async (s) => {
        const parts: string[] = [];
        for (const [table, column] of [
          ["assignments", "assignment_time_utc"],
          ["exposures", "exposure_time_utc"],
        ] as const) {
          const files = await rawFiles(table);
          if (files.length === 0) continue;
          const { source, where } = await scoped(s, files, scope);
          parts.push(
            `SELECT experiment_id, max(CAST(${column} AS TIMESTAMPTZ)) AS last_at FROM ${source}
             WHERE ${where} GROUP BY experiment_id`,
          );
        }
        if (parts.length === 0) return [];
        return s.query(
          `SELECT experiment_id, epoch_ms(max(last_at)) AS last_ms FROM (${parts.join(" UNION ALL ")})
           WHERE last_at IS NOT NULL GROUP BY experiment_id`,
        );
      });
      for (const r of rows) {
        if (typeof r.last_ms === "number")
          latest.set(String(r.experiment_id), new Date(r.last_ms).toISOString());
      }
      return latest;
    },

    fileColumns: (file) => run((s) => sourceColumns(s, parquetSource([file]))),

    async fileSchema(file) {
      const rows = await run((s) => s.query(`DESCRIBE SELECT * FROM ${parquetSource([file])}`));
      return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    },

    async fileRows(files, { columns, filter, orderBy = [] } = {}) {
      if (files.length === 0) return [];
      const list = columns === undefined ? "*" : columns.map(lakeColumn).join(", ");
      const where = filter === undefined ? "true" : compileRowFilter(filter);
      const order = orderBy.length === 0 ? "" : ` ORDER BY ${orderBy.map(lakeColumn).join(", ")}`;
      return run((s) => s.query(`SELECT ${list} FROM ${parquetSource(files)} WHERE ${where}${order}`));
    },

    async countRows(files, filter) {
      if (files.length === 0) return 0;
      const where = filter === undefined ? "true" : compileRowFilter(filter);
      const [row] = await run((s) =>
        s.query(`SELECT count(*) AS n FROM ${parquetSource(files)} WHERE ${where}`),
      );
      return Number(row?.n ?? 0);
    },

    async rewriteWithout(file, filter, { removeWhenEmpty = false } = {}) {
      const hit = compileRowFilter(filter);
      const source = parquetSource([file]);
      return run(async (s) => {
        const [row] = await s.query(
          `SELECT count(*) FILTER (WHERE ${hit}) AS removed, count(*) AS total FROM ${source}`,
        );
        const removed = Number(row?.removed ?? 0);
        if (removed === 0) return { removed, fileRemoved: false };
        if (removeWhenEmpty && removed === Number(row?.total ?? 0)) {
          await rm(file, { force: true });
          return { removed, fileRemoved: true };
        }
        const tmp = join(
          dirname(file),
          `.rewrite-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`,
        );
        await s.query(
          `COPY (SELECT * FROM ${source} WHERE NOT ${hit}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        await rename(tmp, file);
        return { removed, fileRemoved: false };
      });
    },
  };
}

const checkLakeDt = (dt: string): string => {
  try {
    return checkDt(dt);
  } catch (cause) {
    throw new LakeReadError(`dt must be a date YYYY-MM-DD, got ${JSON.stringify(dt)}`, "dt", { cause });
  }
};

const modifiedMs = async (file: string): Promise<number> => (await stat(file)).mtimeMs;
