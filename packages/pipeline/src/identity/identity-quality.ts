import type { Engine } from "../sql/engine.js";

/** One anonymous id claimed by more than one identity: reported, never merged. */
export interface StitchConflict {
  readonly anon_id: string;
  readonly identity_ids: ReadonlyArray<string>;
}

/** The `identity` section of the quality report. */
export interface IdentityQuality {
  readonly identify_rows: number;
  readonly anon_ids: number;
  readonly deterministic_links: number;
  readonly probabilistic_links_applied: number;
  readonly probabilistic_links_not_applied: number;
  readonly conflicting_anon_ids: number;
  /** The first 50 conflicts by anon_id, with every identity that claimed each. */
  readonly conflicts: ReadonlyArray<StitchConflict>;
}

const CONFLICT_EXAMPLES = 50;

/**
 * Summarises `dim_user_identity` (and the identify rows behind its conflicts) for the quality report.
 * @example const identity = await readIdentityQuality(engine);
 */
export async function readIdentityQuality(engine: Engine): Promise<IdentityQuality> {
  const [counts] = await engine.query<Record<string, number | bigint | null>>(`SELECT
  (SELECT count(*) FROM raw_identifies) AS identify_rows,
  count(*) AS anon_ids,
  sum(CASE WHEN method = 'deterministic' THEN 1 ELSE 0 END) AS deterministic_links,
  sum(CASE WHEN method = 'probabilistic' AND is_applied THEN 1 ELSE 0 END) AS probabilistic_links_applied,
  sum(CASE WHEN method LIKE 'probabilistic%' AND NOT is_applied THEN 1 ELSE 0 END) AS probabilistic_links_not_applied,
  sum(CASE WHEN method = 'conflict' THEN 1 ELSE 0 END) AS conflicting_anon_ids
FROM dim_user_identity`);
  const n = (key: string) => Number(counts?.[key] ?? 0);
  const pairs = await engine.query<{
    anon_id: string;
    identity_id: string;
  }>(`SELECT DISTINCT i.anon_id, i.identity_id
FROM raw_identifies i
JOIN (SELECT anon_id FROM dim_user_identity WHERE method = 'conflict' ORDER BY anon_id LIMIT ${CONFLICT_EXAMPLES}) c
  ON c.anon_id = i.anon_id
WHERE i.confidence IS NULL
ORDER BY i.anon_id, i.identity_id`);
  const conflicts = new Map<string, string[]>();
  for (const { anon_id, identity_id } of pairs) {
    const list = conflicts.get(anon_id) ?? [];
    list.push(identity_id);
    conflicts.set(anon_id, list);
  }
  return {
    identify_rows: n("identify_rows"),
    anon_ids: n("anon_ids"),
    deterministic_links: n("deterministic_links"),
    probabilistic_links_applied: n("probabilistic_links_applied"),
    probabilistic_links_not_applied: n("probabilistic_links_not_applied"),
    conflicting_anon_ids: n("conflicting_anon_ids"),
    conflicts: [...conflicts].map(([anon_id, identity_ids]) => ({ anon_id, identity_ids })),
  };
}
