import { join } from "node:path";
import { listFiles } from "../collector/lake.js";

/** Why a flag is stale: no exposure/assignment through its experiment for N days, or no change for N days. */
export interface FlagStaleness {
  /** Since when: the last evaluation seen (`not_evaluated`) or the last change (`not_changed`), ISO 8601 UTC. */
  readonly since: string;
  readonly reason: "not_evaluated" | "not_changed";
}

export const DEFAULT_STALE_AFTER_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * Whether a flag is stale at `now`: its last evaluation on record (the latest assignment or exposure of its linked
 * experiment) is older than `days`, or, without one, its last change is. A flag evaluated recently is not stale.
 *
 * @example
 * isFlagStale({ updated_at: "2026-01-01T00:00:00Z", experiment_key: null }, new Map(), new Date("2026-03-01"), 30);
 * // { since: "2026-01-01T00:00:00.000Z", reason: "not_changed" }
 */
export function isFlagStale(
  flag: { readonly updated_at: string; readonly experiment_key: string | null },
  lastEvaluated: ReadonlyMap<string, string>,
  now: Date,
  days: number,
): FlagStaleness | null {
  const threshold = now.getTime() - days * DAY_MS;
  const changed = Date.parse(flag.updated_at);
  const evaluatedAt = flag.experiment_key === null ? undefined : lastEvaluated.get(flag.experiment_key);
  if (evaluatedAt !== undefined) {
    const evaluated = Date.parse(evaluatedAt);
    if (evaluated >= threshold) return null;
    return { since: new Date(evaluated).toISOString(), reason: "not_evaluated" };
  }
  if (changed >= threshold) return null;
  return { since: new Date(changed).toISOString(), reason: "not_changed" };
}

/**
 * The stale-after days of a request: `?stale_after_days=N` (an integer ≥ 0; 0 marks every flag not changed or
 * evaluated this instant), else `ASSAY_STALE_FLAG_DAYS`, else 30.
 */
export function staleAfterDays(query: unknown, env: NodeJS.ProcessEnv = process.env): number {
  const fromQuery = (query as { stale_after_days?: unknown } | null)?.stale_after_days;
  for (const raw of [fromQuery, env.ASSAY_STALE_FLAG_DAYS]) {
    if (raw === undefined || raw === "") continue;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= 0) return n;
  }
  return DEFAULT_STALE_AFTER_DAYS;
}

/** What the staleness check reads from the lake: its root folder and a DuckDB query runner. */
export interface EvaluationSource {
  readonly dir: string;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * Experiment key → the latest assignment or exposure time in the lake (`raw/assignments`, `raw/exposures`): the
 * evaluations of flags linked to experiments that the server has on record. Cached for `ttlMs`.
 *
 * @example
 * const lastEvaluations = createLastEvaluationReader(context.lake);
 * const map = await lastEvaluations.read(); // Map { "checkout" => "2026-11-20T08:00:00.000Z" }
 */
export function createLastEvaluationReader(
  source: EvaluationSource,
  ttlMs = 60_000,
): { read(): Promise<Map<string, string>> } {
  let cached: { at: number; value: Promise<Map<string, string>> } | undefined;
  async function load(): Promise<Map<string, string>> {
    const parts: string[] = [];
    for (const [table, column] of [
      ["assignments", "assignment_time_utc"],
      ["exposures", "exposure_time_utc"],
    ] as const) {
      const files = await listFiles(join(source.dir, "raw", table), ".parquet");
      if (files.length === 0) continue;
      parts.push(
        `SELECT experiment_id, max(CAST(${column} AS TIMESTAMPTZ)) AS last_at
         FROM read_parquet([${files.map(sqlString).join(", ")}], hive_partitioning = false, union_by_name = true)
         GROUP BY experiment_id`,
      );
    }
    const latest = new Map<string, string>();
    if (parts.length === 0) return latest;
    const rows = await source.query<{ experiment_id: string; last_ms: unknown }>(
      `SELECT experiment_id, epoch_ms(max(last_at)) AS last_ms FROM (${parts.join(" UNION ALL ")}) GROUP BY experiment_id`,
    );
    for (const row of rows) {
      if (typeof row.last_ms === "number") latest.set(row.experiment_id, new Date(row.last_ms).toISOString());
    }
    return latest;
  }
  return {
    read() {
      const now = Date.now();
      if (cached === undefined || now - cached.at > ttlMs) {
        const value = load();
        cached = { at: now, value };
        value.catch(() => {
          cached = undefined;
        });
      }
      return cached.value;
    },
  };
}

/**
 * Adds `stale: { since, reason } | null` to each flag of a list (GET /api/flags).
 *
 * @example
 * const markStale = createStaleFlagMarker(context.lake);
 * return { flags: await markStale(flags, request.query) };
 */
export function createStaleFlagMarker(
  source: EvaluationSource,
  now: () => Date = () => new Date(),
): <F extends { updated_at: string; experiment_key: string | null }>(
  flags: ReadonlyArray<F>,
  query: unknown,
) => Promise<Array<F & { stale: FlagStaleness | null }>> {
  const reader = createLastEvaluationReader(source);
  return async (flags, query) => {
    const days = staleAfterDays(query);
    const lastEvaluated = flags.some((f) => f.experiment_key !== null)
      ? await reader.read()
      : new Map<string, string>();
    const at = now();
    return flags.map((f) => ({ ...f, stale: isFlagStale(f, lastEvaluated, at, days) }));
  };
}
