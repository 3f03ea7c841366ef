import { type LakeReader, type LakeScope, teamScope } from "@assay/pipeline";

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

/** What the staleness check reads from the lake: its reader (the server's `Lake`). */
export interface EvaluationSource {
  readonly reader: Pick<LakeReader, "lastEvaluations">;
}

/**
 * Experiment key → the latest assignment or exposure time in the lake (`raw/assignments`, `raw/exposures`) within a
 * scope (a team sees only its own logs): the evaluations of flags linked to experiments that the server has on
 * record. Cached per scope for `ttlMs`.
 *
 * @example
 * const lastEvaluations = createLastEvaluationReader(context.lake);
 * const map = await lastEvaluations.read(teamScope("growth")); // Map { "checkout" => "2026-11-20T08:00:00.000Z" }
 */
export function createLastEvaluationReader(
  source: EvaluationSource,
  ttlMs = 60_000,
): { read(scope: LakeScope): Promise<Map<string, string>> } {
  const cache = new Map<string, { at: number; value: Promise<Map<string, string>> }>();
  return {
    read(scope) {
      const key = scope.kind === "all" ? "\u0000all" : scope.team;
      const now = Date.now();
      const cached = cache.get(key);
      if (cached !== undefined && now - cached.at <= ttlMs) return cached.value;
      const value = source.reader.lastEvaluations({ scope });
      cache.set(key, { at: now, value });
      value.catch(() => cache.delete(key));
      return value;
    },
  };
}

/**
 * Adds `stale: { since, reason } | null` to each flag of a list (GET /api/flags).
 *
 * @example
 * const markStale = createStaleFlagMarker(context.lake);
 * return { flags: await markStale(flags, request.query, principal.team) };
 */
export function createStaleFlagMarker(
  source: EvaluationSource,
  now: () => Date = () => new Date(),
): <F extends { updated_at: string; experiment_key: string | null }>(
  flags: ReadonlyArray<F>,
  query: unknown,
  team: string,
) => Promise<Array<F & { stale: FlagStaleness | null }>> {
  const reader = createLastEvaluationReader(source);
  return async (flags, query, team) => {
    const days = staleAfterDays(query);
    const lastEvaluated = flags.some((f) => f.experiment_key !== null)
      ? await reader.read(teamScope(team))
      : new Map<string, string>();
    const at = now();
    return flags.map((f) => ({ ...f, stale: isFlagStale(f, lastEvaluated, at, days) }));
  };
}
