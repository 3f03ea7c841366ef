import type { Database } from "../db/database.js";

interface Pending {
  experimentKey: string;
  userId: string;
  variant: string;
  resolve: (first: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Logs first assignments exactly once, batching concurrent requests into one insert
 * (`on conflict do nothing` on the (experiment, user) key makes a repeat a no-op).
 * @example const first = await log.record("checkout", "u1", "treatment"); // true the first time only
 */
export interface AssignmentLog {
  record(experimentKey: string, userId: string, variant: string): Promise<boolean>;
  /** Forgets the in-memory record of logged pairs (after a user's assignments were erased). */
  forget(): void;
  readonly counters: { first: number; repeat: number; batches: number };
}

export function createAssignmentLog(db: Database, cacheSize = 1_000_000): AssignmentLog {
  // (experiment, user) pairs known to be logged: repeats skip the database.
  const known = new Set<string>();
  let pending: Pending[] = [];
  let flushing = false;
  const counters = { first: 0, repeat: 0, batches: 0 };

  async function flush(): Promise<void> {
    flushing = true;
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      const unique = new Map<string, Pending>();
      for (const p of batch) unique.set(`${p.experimentKey}\u0000${p.userId}`, p);
      const items = [...unique.values()];
      try {
        const { rows } = await db.query<{ experiment_key: string; user_id: string }>(
          `insert into assignment (experiment_key, user_id, variant_key)
           select * from unnest($1::text[], $2::text[], $3::text[])
           on conflict do nothing returning experiment_key, user_id`,
          [items.map((p) => p.experimentKey), items.map((p) => p.userId), items.map((p) => p.variant)],
        );
        counters.batches++;
        const inserted = new Set(rows.map((r) => `${r.experiment_key}\u0000${r.user_id}`));
        if (known.size + items.length > cacheSize) known.clear();
        const claimed = new Set<string>();
        for (const p of batch) {
          const key = `${p.experimentKey}\u0000${p.userId}`;
          known.add(key);
          // Of several requests for one pair in a batch, only one reports the first assignment.
          const first = inserted.has(key) && !claimed.has(key);
          if (first) claimed.add(key);
          if (first) counters.first++;
          else counters.repeat++;
          p.resolve(first);
        }
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    flushing = false;
  }

  return {
    counters,
    forget: () => known.clear(),
    record(experimentKey, userId, variant) {
      if (known.has(`${experimentKey}\u0000${userId}`)) {
        counters.repeat++;
        return Promise.resolve(false);
      }
      return new Promise<boolean>((resolve, reject) => {
        pending.push({ experimentKey, userId, variant, resolve, reject });
        if (!flushing) void flush();
      });
    },
  };
}
