import type { Queryable } from "../db/database.js";

/** Erased users (DSAR): the collector drops anything that arrives later for them. */
export interface TombstoneStore {
  has(userId: string): boolean;
  /** Records the tombstone (idempotent) before any data is erased, so no late event slips in between. */
  add(userId: string, erasedBy: string): Promise<void>;
  readonly size: number;
}

/**
 * Loads every tombstone into memory (one string per erased user) and keeps the set in step with the table.
 * @example
 * const tombstones = await loadTombstones(db);
 * if (tombstones.has(event.user_id)) drop(event);
 */
export async function loadTombstones(db: Queryable): Promise<TombstoneStore> {
  const { rows } = await db.query<{ user_id: string }>("select user_id from user_tombstone");
  const erased = new Set(rows.map((r) => r.user_id));
  return {
    has: (userId) => erased.has(userId),
    async add(userId, erasedBy) {
      await db.query(
        "insert into user_tombstone (user_id, erased_by) values ($1, $2) on conflict (user_id) do nothing",
        [userId, erasedBy],
      );
      erased.add(userId);
    },
    get size() {
      return erased.size;
    },
  };
}
