import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { postgresFunctions as f } from "../dialect/postgres/functions.js";
import type { BulkLoadTarget, LoadColumn } from "../load/bulk-load-target.js";
import { EngineError } from "./engine.js";

export interface PostgresEngineOptions {
  /** `postgres://user:password@host:port/database` */
  readonly url: string;
  /** Schema that holds every table Assay creates (created when missing); default `assay`. */
  readonly schema?: string;
}

const pgTypes = { text: "TEXT", timestamp: "TIMESTAMP", double: "DOUBLE PRECISION", date: "DATE" } as const;

/** Per-connection type parsers: BIGINT/NUMERIC as numbers, TIMESTAMP (UTC by convention) and DATE as UTC `Date`s. */
const typeParsers: Record<number, (text: string) => unknown> = {
  20: Number,
  1700: Number,
  1114: (text) => new Date(`${text.replace(" ", "T")}Z`),
  1082: (text) => new Date(`${text}T00:00:00Z`),
};

/**
 * Connects to PostgreSQL with the session in UTC and `search_path` set to the Assay schema.
 * @example
 * const engine = await createPostgresEngine({ url: "postgres://assay@db:5432/warehouse" });
 * await engine.query("SELECT 1 AS one");
 */
export async function createPostgresEngine(options: PostgresEngineOptions): Promise<BulkLoadTarget> {
  const schema = options.schema ?? "assay";
  const client = new pg.Client({
    connectionString: options.url,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        typeParsers[oid] ?? pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  try {
    await client.connect();
  } catch (cause) {
    throw new EngineError(`cannot connect to PostgreSQL: ${(cause as Error).message}`, "", { cause });
  }
  const exec = async (sql: string) => {
    try {
      return await client.query(sql);
    } catch (cause) {
      throw new EngineError((cause as Error).message, sql, { cause });
    }
  };
  await exec(
    `SET TIME ZONE 'UTC'; CREATE SCHEMA IF NOT EXISTS ${f.ident(schema)}; SET search_path TO ${f.ident(schema)}`,
  );
  let closed = false;
  return {
    dialectName: "postgres",
    async run(sql) {
      await exec(sql);
    },
    async query<T extends Record<string, unknown>>(sql: string) {
      const result = await exec(sql);
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return (last?.rows ?? []) as T[];
    },
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
    async close() {
      if (closed) return;
      closed = true;
      await client.end();
    },
  };
}
