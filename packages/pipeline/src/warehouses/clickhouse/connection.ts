import type { Readable } from "node:stream";
import { type Engine, EngineError } from "../../sql/engine.js";
import { EngineUrlError } from "../engine-url-error.js";
import { type ClickHouseHttpResponse, postClickHouse } from "./http.js";
import { placeTable } from "./placement.js";
import { clickhouseFunctions as f, tableMarkerPattern } from "./sql-compiler.js";

export interface ClickHouseEngineOptions {
  /** One HTTP base URL per shard (`http://host:8123`), in the cluster's shard order; the first coordinates. */
  readonly shardUrls: ReadonlyArray<string>;
  /** Database for Assay's tables (created when missing); per-shard parts live in `<database>_local`. */
  readonly database?: string;
  /** The `remote_servers` cluster name; without it the first URL is a single node and nothing is distributed. */
  readonly cluster?: string;
  readonly user?: string;
  readonly password?: string;
}

/** Where a ClickHouse engine keeps its tables, and a way to reach each shard directly (erasure, maintenance). */
export interface ClickHouseTopology {
  readonly database: string;
  /** The per-shard database holding a cluster's MergeTree parts; null on a single node. */
  readonly localDatabase: string | null;
  readonly shardCount: number;
  /** Sends one statement to shard `shard` (0 is the coordinator) with `db` as the default database; returns the body. */
  onShard(shard: number, sql: string, db: string): Promise<string>;
}

/** The HTTP session the connection, the bulk loader and the placement share. */
export interface ClickHouseSession {
  readonly database: string;
  /** The per-shard database of a cluster's MergeTree parts. */
  readonly localDb: string;
  /** The `remote_servers` cluster name; undefined on a single node. */
  readonly cluster: string | undefined;
  readonly urls: ReadonlyArray<string>;
  readonly coordinator: string;
  send(url: string, sql: string, db: string | null, body?: Readable): Promise<ClickHouseHttpResponse>;
  post(url: string, sql: string, db: string | null, body?: Readable): Promise<string>;
  onShards(sql: string, db: string): Promise<string[]>;
  /** (Re)creates Distributed table `target` over the shards' `<localDb>.<name>`. */
  distributedOver(name: string, target: string, shardKey: string | null): Promise<void>;
}

/** A ClickHouse connection: the engine, its shards, and the session the bulk loader uses. */
export interface ClickHouseConnection extends Engine {
  readonly topology: ClickHouseTopology;
  readonly session: ClickHouseSession;
}

/** Session settings: standard LEFT JOIN NULLs, ALL joins, and shard-local joins of Distributed tables. */
const settings = {
  join_use_nulls: "1",
  join_default_strictness: "ALL",
  distributed_product_mode: "local",
  insert_distributed_sync: "1",
  output_format_json_quote_64bit_integers: "0",
  date_time_input_format: "basic",
};

function convert(value: unknown, type: string): unknown {
  if (value === null) return null;
  const base = type.replace(/^Nullable\((.*)\)$/, "$1");
  if (/^U?Int(64|128|256)$/.test(base)) return Number(value);
  if (base === "DateTime" || base.startsWith("DateTime("))
    return new Date(`${String(value).replace(" ", "T")}Z`);
  if (base === "Date") return new Date(`${String(value)}T00:00:00Z`);
  return value;
}

/**
 * Talks to ClickHouse over its HTTP interface (no client library), from 18.16 to current releases. On a cluster,
 * per-unit tables are MergeTree parts on each shard (rows placed by `cityHash64(user_id)`) behind Distributed
 * tables, every model runs shard-locally on each shard, and only per-experiment/per-variant aggregates are summed
 * across shards; Node only ever reads those.
 * @example
 * const engine = await connectClickHouse({ shardUrls: ["http://ch1:8123", "http://ch2:8123"], cluster: "assay" });
 */
export async function connectClickHouse(options: ClickHouseEngineOptions): Promise<ClickHouseConnection> {
  const database = options.database ?? "assay";
  const localDb = `${database}_local`;
  const cluster = options.cluster;
  const urls = options.shardUrls;
  const coordinator = urls[0];
  if (coordinator === undefined) throw new EngineUrlError("ClickHouse needs at least one host");
  const headers: Record<string, string> = {};
  if (options.user) headers["X-ClickHouse-User"] = options.user;
  if (options.password) headers["X-ClickHouse-Key"] = options.password;

  const send = async (
    url: string,
    sql: string,
    db: string | null,
    body?: Readable,
  ): Promise<ClickHouseHttpResponse> => {
    const params = new URLSearchParams({ ...settings, ...(db ? { database: db } : {}) });
    if (body) params.set("query", sql);
    let response: ClickHouseHttpResponse;
    try {
      response = await postClickHouse(`${url}/?${params}`, headers, body ?? sql);
    } catch (cause) {
      throw new EngineError(`cannot reach ClickHouse at ${url}: ${(cause as Error).message}`, sql, { cause });
    }
    if (!response.ok) throw new EngineError((await response.text()).trim(), sql);
    return response;
  };
  const post = async (url: string, sql: string, db: string | null, body?: Readable): Promise<string> =>
    (await send(url, sql, db, body)).text();
  const onShards = (sql: string, db: string) => Promise.all(urls.map((url) => post(url, sql, db)));

  await post(coordinator, `CREATE DATABASE IF NOT EXISTS ${f.ident(database)}`, null);
  if (cluster) await onShards(`CREATE DATABASE IF NOT EXISTS ${f.ident(localDb)}`, "default");

  const distributedOver = async (name: string, target: string, shardKey: string | null) => {
    await post(coordinator, `DROP TABLE IF EXISTS ${f.ident(target)}`, database);
    await post(
      coordinator,
      `CREATE TABLE ${f.ident(target)} AS ${f.ident(localDb)}.${f.ident(name)} ENGINE = Distributed(${f.ident(cluster ?? "")}, ${f.ident(localDb)}, ${f.ident(name)}${shardKey ? `, ${shardKey}` : ""})`,
      database,
    );
  };

  const session: ClickHouseSession = {
    database,
    localDb,
    cluster,
    urls,
    coordinator,
    send,
    post,
    onShards,
    distributedOver,
  };

  return {
    session,
    topology: {
      database,
      localDatabase: cluster ? localDb : null,
      shardCount: cluster ? urls.length : 1,
      onShard(shard, sql, db) {
        const url = urls[shard];
        if (url === undefined) throw new EngineError(`no shard ${shard}`, sql);
        return post(url, sql, db);
      },
    },
    async run(sql) {
      const marked = tableMarkerPattern.exec(sql);
      if (marked?.[1]) {
        await placeTable(session, marked[1], sql.slice(marked[0].length));
      } else {
        await post(coordinator, sql, database);
      }
    },
    async query<T extends Record<string, unknown>>(sql: string) {
      const text = await post(coordinator, `${sql}\nFORMAT JSONCompact`, database);
      const parsed = JSON.parse(text) as { meta: { name: string; type: string }[]; data: unknown[][] };
      return parsed.data.map((row) => {
        const out: Record<string, unknown> = {};
        parsed.meta.forEach((column, i) => {
          out[column.name] = convert(row[i], column.type);
        });
        return out as T;
      });
    },
    async close() {},
  };
}
