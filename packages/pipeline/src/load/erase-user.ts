import { clickhouseFunctions as ch } from "../dialect/clickhouse/functions.js";
import { postgresFunctions as pgf } from "../dialect/postgres/functions.js";
import { type ClickHouseTopology, isClickHouseEngine } from "../engine/clickhouse-engine.js";
import { EngineError } from "../engine/engine.js";
import type { OpenedEngine } from "../engine/opened-engine.js";

/** Columns that name a person in warehouse tables (the unit, and both sides of an identity link). */
export const personColumns = ["user_id", "anon_id", "identity_id"] as const;

export interface WarehouseErasure {
  readonly engine: string;
  /** Rows removed per table (on a cluster, summed over the shards' parts); tables without the user are absent. */
  readonly tables: Record<string, number>;
  readonly rows: number;
}

export interface EraseUserOptions {
  /** How long to wait for ClickHouse mutations to finish; default 120 s. */
  readonly mutationTimeoutMs?: number;
}

/**
 * Deletes every row naming `userId` (in `user_id`, `anon_id` or `identity_id`) from every table in the warehouse
 * schema/database: the `raw_*` load tables and every model table. Views are skipped (they read those tables).
 * PostgreSQL and DuckDB delete in one transaction. ClickHouse runs `ALTER TABLE … DELETE` on each MergeTree part
 * (on a cluster, the per-shard local tables, not the Distributed ones) and waits until the mutations are done.
 * @example
 * const opened = await openEngine({ kind: "postgres", url: "postgres://db/warehouse" });
 * const { tables, rows } = await eraseUserFromWarehouse(opened, "u-42");
 */
export async function eraseUserFromWarehouse(
  opened: OpenedEngine,
  userId: string,
  options: EraseUserOptions = {},
): Promise<WarehouseErasure> {
  const { engine } = opened;
  if (isClickHouseEngine(engine)) {
    const tables = await eraseFromClickHouse(engine.topology, userId, options.mutationTimeoutMs ?? 120_000);
    return summarise("clickhouse", tables);
  }
  const f = pgf;
  const located = await engine.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
       AND c.column_name IN (${personColumns.map((c) => f.string(c)).join(", ")})
     ORDER BY c.table_name, c.column_name`,
  );
  const byTable = groupColumns(located.map((r) => [r.table_name, r.column_name]));
  const tables: Record<string, number> = {};
  await engine.run("BEGIN");
  try {
    for (const [table, columns] of byTable) {
      const where = columns.map((c) => `CAST(${f.ident(c)} AS VARCHAR) = ${f.string(userId)}`).join(" OR ");
      const [hit] = await engine.query<{ n: number }>(
        `SELECT count(*) AS n FROM ${f.ident(table)} WHERE ${where}`,
      );
      const n = Number(hit?.n ?? 0);
      if (n === 0) continue;
      await engine.run(`DELETE FROM ${f.ident(table)} WHERE ${where}`);
      tables[table] = n;
    }
    await engine.run("COMMIT");
  } catch (error) {
    await engine.run("ROLLBACK").catch(() => undefined);
    throw error;
  }
  return summarise(engine.dialectName, tables);
}

function summarise(engine: string, tables: Record<string, number>): WarehouseErasure {
  return { engine, tables, rows: Object.values(tables).reduce((a, b) => a + b, 0) };
}

function groupColumns(pairs: ReadonlyArray<readonly [string, string]>): Map<string, string[]> {
  const byTable = new Map<string, string[]>();
  for (const [table, column] of pairs) byTable.set(table, [...(byTable.get(table) ?? []), column]);
  return byTable;
}

const tsvRows = (text: string): string[][] =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("\t"));

async function eraseFromClickHouse(
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
