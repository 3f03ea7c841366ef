import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Database } from "./database.js";

const migrationsDir = join(import.meta.dirname, "..", "migrations");

/**
 * Applies the numbered SQL files of `src/migrations` that the database has not seen, in order,
 * each in its own transaction (`upTo`: none after that version). Returns the versions applied.
 * @example await migrate(db); // [1, 2]
 */
export async function migrate(db: Database, options: { upTo?: number } = {}): Promise<number[]> {
  await db.exec(
    "create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())",
  );
  const files = (await readdir(migrationsDir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const applied: number[] = [];
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    // Tests of a migration start from a database at the one before it.
    if (options.upTo !== undefined && version > options.upTo) break;
    const sql = await readFile(join(migrationsDir, file), "utf8");
    const done = await db.transaction(async (tx) => {
      // Serialises concurrent servers migrating one database.
      await tx.query("select pg_advisory_xact_lock(7391)");
      const seen = await tx.query("select 1 from schema_migrations where version = $1", [version]);
      if (seen.rows.length > 0) return false;
      await tx.exec(sql);
      await tx.query("insert into schema_migrations (version, name) values ($1, $2)", [version, file]);
      return true;
    });
    if (done) applied.push(version);
  }
  return applied;
}
