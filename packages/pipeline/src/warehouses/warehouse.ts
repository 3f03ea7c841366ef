import type { ModelDefinition } from "../models/model.js";
import type { Dialect } from "../sql/dialect.js";
import type { Engine } from "../sql/engine.js";
import type { BulkLoader } from "./bulk-loader.js";

/** The warehouses the pipeline runs on: one folder each under `warehouses/`. */
export const warehouseKinds = ["duckdb", "postgres", "clickhouse"] as const;
export type WarehouseKind = (typeof warehouseKinds)[number];

export const isWarehouseKind = (value: string): value is WarehouseKind =>
  (warehouseKinds as ReadonlyArray<string>).includes(value);

/**
 * An open warehouse: its connection, the SQL compiler the models compile against, the bulk loader for the
 * partitioned `raw_*` tables (null for the embedded DuckDB, which reads input files directly) and its eraser.
 * `kind` is the one way the pipeline tells warehouses apart.
 * @example
 * const warehouse = await openWarehouse({ kind: "postgres", url: "postgres://db/warehouse" });
 * await runPipeline({ source: { kind: "loaded" }, warehouse, sink: { kind: "none" }, config });
 */
export interface Warehouse {
  readonly kind: WarehouseKind;
  readonly engine: Engine;
  readonly dialect: Dialect;
  readonly loader: BulkLoader | null;
  /** The models as this warehouse runs them (every model, in build order). */
  readonly models: ReadonlyArray<ModelDefinition>;
  /** Deletes every row naming `userId` from the warehouse's tables; rows removed per table. */
  erase(userId: string, options?: { readonly mutationTimeoutMs?: number }): Promise<Record<string, number>>;
  close(): Promise<void>;
}
