import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { clickhouseFunctions as f, tableMarkerPattern } from "../dialect/clickhouse/functions.js";
import { clickhouseDialect } from "../dialect/clickhouse/index.js";
import { clusterPlacement } from "../dialect/clickhouse/models.js";
import type { BulkLoadTarget, LoadColumn } from "../load/bulk-load-target.js";
import { type ClickHouseHttpResponse, postClickHouse } from "./clickhouse-http.js";
import { EngineError } from "./engine.js";
import { EngineUrlError, type OpenedEngine } from "./opened-engine.js";

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

/** The ClickHouse engine: a bulk-load target that also exposes its shards. */
export interface ClickHouseEngine extends BulkLoadTarget {
  readonly topology: ClickHouseTopology;
}

export const isClickHouseEngine = (engine: unknown): engine is ClickHouseEngine =>
  typeof (engine as Partial<ClickHouseEngine>).topology?.onShard === "function";

/** Session settings: standard LEFT JOIN NULLs, ALL joins, and shard-local joins of Distributed tables. */
const settings = {
  join_use_nulls: "1",
  join_default_strictness: "ALL",
  distributed_product_mode: "local",
  insert_distributed_sync: "1",
  output_format_json_quote_64bit_integers: "0",
  date_time_input_format: "basic",
};

const chTypes = { text: "String", timestamp: "DateTime", double: "Nullable(Float64)", date: "Date" } as const;

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
 * const engine = await createClickHouseEngine({ shardUrls: ["http://ch1:8123", "http://ch2:8123"], cluster: "assay" });
 */
export async function createClickHouseEngine(options: ClickHouseEngineOptions): Promise<ClickHouseEngine> {
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

  const createTable = async (name: string, statement: string) => {
    const drop = `DROP TABLE IF EXISTS ${f.ident(name)}`;
    if (!cluster) {
      await post(coordinator, drop, database);
      await post(coordinator, statement, database);
      return;
    }
    const placement = clusterPlacement(name);
    if (placement.kind === "coordinator") {
      await post(coordinator, drop, database);
      await post(coordinator, statement, database);
      return;
    }
    await onShards(drop, localDb);
    await onShards(statement, localDb);
    if (placement.kind === "everywhere") {
      await post(coordinator, drop, database);
      await post(coordinator, statement, database);
    } else if (placement.kind === "sharded") {
      await distributedOver(name, name, null);
    } else {
      const parts = `${name}__shards`;
      await distributedOver(name, parts, null);
      await post(coordinator, drop, database);
      await post(
        coordinator,
        `CREATE TABLE ${f.ident(name)} ENGINE = MergeTree ORDER BY tuple() AS ${placement.sql(f.ident(parts))}`,
        database,
      );
    }
  };

  return {
    dialectName: "clickhouse",
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
        await createTable(marked[1], sql.slice(marked[0].length));
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
    async close() {},
  };
}

/**
 * Opens ClickHouse from `clickhouse://[user:password@]host:port[,host:port…]/database[?cluster=name]` (HTTP ports,
 * one host per shard in the cluster's shard order); `chs://` uses HTTPS.
 * @example const { engine } = await openClickHouse("clickhouse://127.0.0.1:8123/assay");
 */
export async function openClickHouse(url: string): Promise<OpenedEngine> {
  const match =
    /^(clickhouse|chs|http|https):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(
      url,
    );
  if (!match)
    throw new EngineUrlError(`not a ClickHouse URL: "${url}" (clickhouse://host:8123[,host:8123]/database)`);
  const [, scheme, user, password, hosts = "", path, query] = match;
  const http = scheme === "chs" || scheme === "https" ? "https" : "http";
  const params = new URLSearchParams(query ?? "");
  const cluster = params.get("cluster");
  const engine = await createClickHouseEngine({
    shardUrls: hosts.split(",").map((host) => `${http}://${host}`),
    ...(path ? { database: decodeURIComponent(path) } : {}),
    ...(cluster ? { cluster } : {}),
    ...(user ? { user: decodeURIComponent(user) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
  });
  return { engine, dialect: clickhouseDialect };
}
