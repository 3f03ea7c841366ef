import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { EngineError } from "../../sql/engine.js";
import type { BulkLoader, LoadColumn } from "../bulk-loader.js";
import type { ClickHouseSession } from "./connection.js";
import { clickhouseFunctions as f } from "./sql-compiler.js";

const chTypes = { text: "String", timestamp: "DateTime", double: "Nullable(Float64)", date: "Date" } as const;

/**
 * ClickHouse's bulk path over HTTP: `dt`-partitioned MergeTree load tables (on a cluster, shard parts placed by
 * `cityHash64(<shard key>)` behind a Distributed table), `DROP PARTITION` + `INSERT … FORMAT CSV` to replace a day,
 * and `FORMAT CSV` streamed to a file to unload.
 * @example const loader = createClickHouseBulkLoader((await connectClickHouse({ shardUrls })).session);
 */
export function createClickHouseBulkLoader(session: ClickHouseSession): BulkLoader {
  const { post, send, onShards, distributedOver, coordinator, database, localDb, cluster } = session;
  return {
    async ensureLoadTable(table: string, columns: ReadonlyArray<LoadColumn>, shardKey: string) {
      const ddl = (name: string) =>
        `CREATE TABLE IF NOT EXISTS ${f.ident(name)} (dt Date, ${columns
          .map((c) => `${f.ident(c.name)} ${chTypes[c.type]}`)
          .join(", ")}) ENGINE = MergeTree PARTITION BY dt ORDER BY (${f.ident(shardKey)})`;
      if (!cluster) {
        await post(coordinator, ddl(table), database);
        return;
      }
      await onShards(ddl(table), localDb);
      const exists = await post(
        coordinator,
        `SELECT count() FROM system.tables WHERE database = ${f.string(database)} AND name = ${f.string(table)}`,
        database,
      );
      if (exists.trim() === "0") await distributedOver(table, table, `cityHash64(${f.ident(shardKey)})`);
    },
    async replacePartition(table, columns, dt, csv) {
      const drop = `ALTER TABLE ${f.ident(table)} DROP PARTITION ${f.string(dt)}`;
      if (cluster) await onShards(drop, localDb);
      else await post(coordinator, drop, database);
      const names = ["dt", ...columns.map((c) => c.name)].map(f.ident).join(", ");
      await post(coordinator, `INSERT INTO ${f.ident(table)} (${names}) FORMAT CSV`, database, csv());
      const count = await post(
        coordinator,
        `SELECT count() FROM ${f.ident(table)} WHERE dt = toDate(${f.string(dt)})`,
        database,
      );
      return Number(count.trim());
    },
    async unloadCsv(query, path) {
      const sql = `${query}\nFORMAT CSV`;
      const response = await send(coordinator, sql, database);
      try {
        await pipeline(response.body, createWriteStream(path));
      } catch (cause) {
        throw new EngineError((cause as Error).message, sql, { cause });
      }
    },
  };
}
