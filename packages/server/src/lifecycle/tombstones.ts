import type { Queryable } from "../db/database.js";

/** The tombstone team of an erasure across all teams (the platform owner's, and every one from before tenancy). */
export const allTeams = "*";

/** Erased users (DSAR), per team: the collector drops anything that arrives later for them in that team. */
export interface TombstoneStore {
  /** Whether `userId` is erased in `team` (or across all teams). */
  has(team: string, userId: string): boolean;
  /** Records the tombstone (idempotent) before any data is erased, so no late event slips in between. */
  add(userId: string, erasedBy: string, team: string): Promise<void>;
  readonly size: number;
}

const keyOf = (team: string, userId: string): string => `${team}\u0000${userId}`;

/**
 * Loads every tombstone into memory (one string per erased user and team) and keeps the set in step with the table.
 * @example
 * const tombstones = await loadTombstones(db);
 * if (tombstones.has("growth", event.user_id)) drop(event);
 */
export async function loadTombstones(db: Queryable): Promise<TombstoneStore> {
  const { rows } = await db.query<{ owner_team: string; user_id: string }>(
    "select owner_team, user_id from user_tombstone",
  );
  const erased = new Set(rows.map((r) => keyOf(r.owner_team, r.user_id)));
  return {
    has: (team, userId) =>
      erased.size > 0 && (erased.has(keyOf(team, userId)) || erased.has(keyOf(allTeams, userId))),
    async add(userId, erasedBy, team) {
      await db.query(
        "insert into user_tombstone (owner_team, user_id, erased_by) values ($1, $2, $3) on conflict (owner_team, user_id) do nothing",
        [team, userId, erasedBy],
      );
      erased.add(keyOf(team, userId));
    },
    get size() {
      return erased.size;
    },
  };
}
