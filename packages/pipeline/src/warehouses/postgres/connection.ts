import pg from "pg";
import { type Engine, EngineError } from "../../sql/engine.js";
import { postgresFunctions as f } from "./sql-compiler.js";

export interface PostgresEngineOptions {
  /** `postgres://user:password@host:port/database` */
  readonly url: string;
  /** Schema that holds every table Assay creates (created when missing); default `assay`. */
  readonly schema?: string;
}

/** A PostgreSQL session: the engine plus the client the bulk loader streams COPY through. */
export interface PostgresConnection extends Engine {
  readonly client: pg.Client;
  /** Runs SQL, wrapping a failure in `EngineError`. */
  exec(sql: string): Promise<pg.QueryResult>;
}

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
 * const engine = await connectPostgres({ url: "postgres://assay@db:5432/warehouse" });
 * await engine.query("SELECT 1 AS one");
 */
export async function connectPostgres(options: PostgresEngineOptions): Promise<PostgresConnection> {
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
    client,
    exec,
    async run(sql) {
      await exec(sql);
    },
    async query<T extends Record<string, unknown>>(sql: string) {
      const result = await exec(sql);
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return (last?.rows ?? []) as T[];
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.end();
    },
  };
}
