import type { Warehouse } from "./warehouse.js";

export { personColumns } from "./person-columns.js";

export interface WarehouseErasure {
  readonly engine: string;
  /** Rows removed per table (on a cluster, summed over the shards' parts); tables without the user are absent. */
  readonly tables: Record<string, number>;
  readonly rows: number;
}

export interface EraseUserOptions {
  /** How long to wait for ClickHouse mutations to finish; default 120 s. */
  readonly mutationTimeoutMs?: number;
}

/**
 * Deletes every row naming `userId` (in `user_id`, `anon_id` or `identity_id`) from every table in the warehouse
 * schema/database: the `raw_*` load tables and every model table, through the warehouse's own eraser
 * (`warehouses/<name>/`). Views are skipped (they read those tables).
 * @example
 * const warehouse = await openWarehouse({ kind: "postgres", url: "postgres://db/warehouse" });
 * const { tables, rows } = await eraseUserFromWarehouse(warehouse, "u-42");
 */
export async function eraseUserFromWarehouse(
  warehouse: Warehouse,
  userId: string,
  options: EraseUserOptions = {},
): Promise<WarehouseErasure> {
  const tables = await warehouse.erase(userId, options);
  return { engine: warehouse.kind, tables, rows: Object.values(tables).reduce((a, b) => a + b, 0) };
}
