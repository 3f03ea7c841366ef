import type { Database, Queryable } from "../db/database.js";

/**
 * Runs `fn` in a transaction as the restricted role `assay_app` with `assay.team` set, so
 * PostgreSQL's row-level security hides and protects every other team's rows.
 * @example const rows = await withTeam(db, "growth", (tx) => tx.query("select * from experiment_registry"));
 */
export function withTeam<T>(db: Database, team: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query("select set_config('assay.team', $1, true)", [team]);
    await tx.exec("set local role assay_app");
    return fn(tx);
  });
}
