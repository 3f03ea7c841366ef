import { EngineUrlError } from "./engine-url-error.js";
import type { Warehouse, WarehouseKind } from "./warehouse.js";

export interface OpenWarehouseOptions {
  readonly kind: WarehouseKind;
  /**
   * Connection URL. postgres: `postgres://user:pass@host:5432/db[?schema=assay]`;
   * clickhouse: `clickhouse://host:8123[,host2:8123…]/database[?cluster=name]` (HTTP ports, one host per shard in the
   * cluster's shard order); duckdb: a database file path or empty for in-memory.
   */
  readonly url?: string;
}

/**
 * Opens a warehouse by kind: the one place a kind maps to its folder under `warehouses/`.
 * @example const warehouse = await openWarehouse({ kind: "postgres", url: "postgres://localhost/warehouse" });
 */
export async function openWarehouse(options: OpenWarehouseOptions): Promise<Warehouse> {
  switch (options.kind) {
    case "duckdb": {
      const { createDuckDbWarehouse } = await import("./duckdb/index.js");
      return createDuckDbWarehouse(options.url ? { path: options.url } : {});
    }
    case "postgres": {
      if (!options.url) throw new EngineUrlError("--url is required for --engine postgres (postgres://…)");
      const { openPostgres } = await import("./postgres/index.js");
      return openPostgres(options.url);
    }
    case "clickhouse": {
      if (!options.url)
        throw new EngineUrlError("--url is required for --engine clickhouse (clickhouse://…)");
      const { openClickHouse } = await import("./clickhouse/index.js");
      return openClickHouse(options.url);
    }
  }
}
