import { duckdbDialect } from "../dialect/duckdb/index.js";
import { postgresDialect } from "../dialect/postgres/index.js";
import { createDuckDbEngine } from "./duckdb-engine.js";
import { EngineUrlError, type OpenedEngine } from "./opened-engine.js";
import { createPostgresEngine } from "./postgres-engine.js";

export { EngineUrlError, type OpenedEngine };

export const engineKinds = ["duckdb", "postgres", "clickhouse"] as const;
export type EngineKind = (typeof engineKinds)[number];

export const isEngineKind = (value: string): value is EngineKind =>
  (engineKinds as ReadonlyArray<string>).includes(value);

export interface OpenEngineOptions {
  readonly kind: EngineKind;
  /**
   * Connection URL. postgres: `postgres://user:pass@host:5432/db[?schema=assay]`;
   * clickhouse: `clickhouse://host:8123[,host2:8123…]/database[?cluster=name&user=…&password=…]` (HTTP ports, one
   * host per shard in the cluster's shard order); duckdb: a database file path or empty for in-memory.
   */
  readonly url?: string;
}

/**
 * Opens an engine and its dialect by name.
 * @example const { engine, dialect } = await openEngine({ kind: "postgres", url: "postgres://localhost/warehouse" });
 */
export async function openEngine(options: OpenEngineOptions): Promise<OpenedEngine> {
  switch (options.kind) {
    case "duckdb":
      return {
        engine: await createDuckDbEngine(options.url ? { path: options.url } : {}),
        dialect: duckdbDialect,
      };
    case "postgres": {
      if (!options.url) throw new EngineUrlError("--url is required for --engine postgres (postgres://…)");
      const url = new URL(options.url);
      const schema = url.searchParams.get("schema") ?? "assay";
      url.searchParams.delete("schema");
      return {
        engine: await createPostgresEngine({ url: url.toString(), schema }),
        dialect: postgresDialect,
      };
    }
    case "clickhouse": {
      if (!options.url)
        throw new EngineUrlError("--url is required for --engine clickhouse (clickhouse://…)");
      const { openClickHouse } = await import("./clickhouse-engine.js");
      return openClickHouse(options.url);
    }
  }
}
