import { EngineError } from "../../sql/engine.js";
import { groupColumns, personColumns } from "../person-columns.js";
import type { ClickHouseTopology } from "./connection.js";
import { clickhouseFunctions as ch } from "./sql-compiler.js";

const tsvRows = (text: string): string[][] =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("\t"));

/**
 * ClickHouse erasure: `ALTER TABLE … DELETE` on each MergeTree table holding a person column (on a cluster, every
 * shard's local parts, not the Distributed tables), waiting until the mutations are done.
 * @example const tables = await eraseFromClickHouse(topology, "u-42", 120_000);
 */
export async function eraseFromClickHouse(
  topology: ClickHouseTopology,
  userId: string,
  timeoutMs: number,
): Promise<Record<string, number>> {
  // Every MergeTree table holding a person column: the per-shard parts on a cluster, plus whatever lives only in
  // the main database (tables copied to every shard or kept on the coordinator). Distributed tables and views
  // hold no rows of their own.
  const places: { shard: number; db: string }[] = [{ shard: 0, db: topology.database }];
  if (topology.localDatabase !== null) {
    for (let shard = 0; shard < topology.shardCount; shard++)
      places.push({ shard, db: topology.localDatabase });
  }
  const tables: Record<string, number> = {};
  for (const { shard, db } of places) {
    const mergeTrees = new Set(
      tsvRows(
        await topology.onShard(
          shard,
          `SELECT name FROM system.tables WHERE database = ${ch.string(db)} AND engine LIKE '%MergeTree' FORMAT TSV`,
          db,
        ),
      ).map(([name = ""]) => name),
    );
    const located = tsvRows(
      await topology.onShard(
        shard,
        `SELECT table, name FROM system.columns WHERE database = ${ch.string(db)}
         AND name IN (${personColumns.map((c) => ch.string(c)).join(", ")}) ORDER BY table, name FORMAT TSV`,
        db,
      ),
    ).filter(([table = ""]) => mergeTrees.has(table));
    const byTable = groupColumns(located.map(([table = "", column = ""]) => [table, column]));
    for (const [table, columns] of byTable) {
      const where = columns.map((c) => `toString(${ch.ident(c)}) = ${ch.string(userId)}`).join(" OR ");
      const qualified = `${ch.ident(db)}.${ch.ident(table)}`;
      const n = Number(
        (await topology.onShard(shard, `SELECT count() FROM ${qualified} WHERE ${where}`, db)).trim(),
      );
      if (n === 0) continue;
      await topology.onShard(shard, `ALTER TABLE ${qualified} DELETE WHERE ${where}`, db);
      await waitForMutations(topology, shard, db, table, timeoutMs);
      const key =
        db === topology.database && topology.localDatabase !== null ? `${table} (coordinator)` : table;
      tables[key] = (tables[key] ?? 0) + n;
    }
  }
  return tables;
}

async function waitForMutations(
  topology: ClickHouseTopology,
  shard: number,
  db: string,
  table: string,
  timeoutMs: number,
): Promise<void> {
  const sql = `SELECT count() FROM system.mutations WHERE database = ${ch.string(db)} AND table = ${ch.string(table)} AND is_done = 0`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (Number((await topology.onShard(shard, sql, db)).trim()) === 0) return;
    if (Date.now() > deadline)
      throw new EngineError(`ClickHouse mutation on ${db}.${table} (shard ${shard + 1}) did not finish`, sql);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
