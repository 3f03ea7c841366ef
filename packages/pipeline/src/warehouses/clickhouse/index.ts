import { baseModels } from "../../models/models.js";
import { EngineUrlError } from "../engine-url-error.js";
import type { Warehouse } from "../warehouse.js";
import { createClickHouseBulkLoader } from "./bulk-loader.js";
import { type ClickHouseEngineOptions, connectClickHouse } from "./connection.js";
import { eraseFromClickHouse } from "./eraser.js";
import { clickhouseDialect } from "./sql-compiler.js";

/**
 * The ClickHouse warehouse (18.16 through current releases), single node or sharded cluster.
 * @example const warehouse = await createClickHouseWarehouse({ shardUrls: ["http://127.0.0.1:8123"] });
 */
export async function createClickHouseWarehouse(options: ClickHouseEngineOptions): Promise<Warehouse> {
  const connection = await connectClickHouse(options);
  return {
    kind: "clickhouse",
    engine: connection,
    dialect: clickhouseDialect,
    loader: createClickHouseBulkLoader(connection.session),
    models: baseModels,
    erase: (userId, erase = {}) =>
      eraseFromClickHouse(connection.topology, userId, erase.mutationTimeoutMs ?? 120_000),
    close: () => connection.close(),
  };
}

/**
 * Opens ClickHouse from `clickhouse://[user:password@]host:port[,host:port…]/database[?cluster=name]` (HTTP ports,
 * one host per shard in the cluster's shard order); `chs://` uses HTTPS.
 * @example const warehouse = await openClickHouse("clickhouse://127.0.0.1:8123/assay");
 */
export async function openClickHouse(url: string): Promise<Warehouse> {
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
  return createClickHouseWarehouse({
    shardUrls: hosts.split(",").map((host) => `${http}://${host}`),
    ...(path ? { database: decodeURIComponent(path) } : {}),
    ...(cluster ? { cluster } : {}),
    ...(user ? { user: decodeURIComponent(user) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
  });
}
