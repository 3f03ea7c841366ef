import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { EngineError } from "../../sql/engine.js";
import type { BulkLoader, LoadColumn } from "../bulk-loader.js";
import type { PostgresConnection } from "./connection.js";
import { postgresFunctions as f } from "./sql-compiler.js";

const pgTypes = { text: "TEXT", timestamp: "TIMESTAMP", double: "DOUBLE PRECISION", date: "DATE" } as const;

/**
 * PostgreSQL's bulk path: `COPY … FROM STDIN` into a `dt`-partitioned table (delete + copy in one transaction) and
 * `COPY (query) TO STDOUT` for unloading.
 * @example const loader = createPostgresBulkLoader(await connectPostgres({ url }));
 */
export function createPostgresBulkLoader(connection: PostgresConnection): BulkLoader {
  const { client, exec } = connection;
  return {
    async ensureLoadTable(table: string, columns: ReadonlyArray<LoadColumn>) {
      const list = columns.map((c) => `${f.ident(c.name)} ${pgTypes[c.type]}`).join(", ");
      await exec(`CREATE TABLE IF NOT EXISTS ${f.ident(table)} (dt DATE NOT NULL, ${list})`);
      await exec(`CREATE INDEX IF NOT EXISTS ${f.ident(`${table}_dt`)} ON ${f.ident(table)} (dt)`);
    },
    async replacePartition(table, columns, dt, csv: () => Readable) {
      await exec("BEGIN");
      try {
        await exec(`DELETE FROM ${f.ident(table)} WHERE dt = DATE ${f.string(dt)}`);
        const names = ["dt", ...columns.map((c) => c.name)].map(f.ident).join(", ");
        const sink = client.query(
          copyFrom(`COPY ${f.ident(table)} (${names}) FROM STDIN WITH (FORMAT csv, NULL '')`),
        );
        try {
          await pipeline(csv(), sink);
        } catch (cause) {
          throw new EngineError((cause as Error).message, `COPY ${table}`, { cause });
        }
        await exec("COMMIT");
        return sink.rowCount;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    },
    async unloadCsv(query, path) {
      const sql = `COPY (${query}) TO STDOUT WITH (FORMAT csv, NULL '\\N')`;
      try {
        await pipeline(client.query(copyTo(sql)), createWriteStream(path));
      } catch (cause) {
        throw new EngineError((cause as Error).message, sql, { cause });
      }
    },
  };
}
