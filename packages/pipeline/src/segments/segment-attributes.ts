import type { AssayConfig } from "../config/assay-config.js";
import { inputTables } from "../io/input-schema.js";
import { loadColumns } from "../load/load-warehouse.js";
import { usedMetrics } from "../models/measure-plan.js";
import type { Dialect } from "../sql/dialect.js";
import type { Engine } from "../sql/engine.js";
import type { Warehouse } from "../warehouses/warehouse.js";
import { compareBytes } from "./compare-bytes.js";

/**
 * Creates `raw_user_attributes` empty when it is missing (the input is optional): a warehouse's load table with
 * its `dt` column (on a cluster, the shard parts and the Distributed table), or a plain DuckDB table.
 * @example await ensureUserAttributesTable(warehouse);
 */
export async function ensureUserAttributesTable(warehouse: Warehouse): Promise<void> {
  const spec = inputTables.user_attributes;
  if (warehouse.loader !== null) {
    await warehouse.loader.ensureLoadTable(spec.relation, loadColumns("user_attributes"), "user_id");
    return;
  }
  const { engine } = warehouse;
  const f = warehouse.dialect.functions;
  const columns = [...spec.text.map((c) => `${f.ident(c)} VARCHAR`), `${f.ident(spec.time)} TIMESTAMP`].join(
    ", ",
  );
  await engine.run(`CREATE TABLE IF NOT EXISTS ${f.ident(spec.relation)} (${columns})`);
}

/**
 * The attributes to drill into: `segment_attributes` from the config when given (possibly empty), else every
 * attribute name in `raw_user_attributes`, in byte order. Only the distinct names leave the engine.
 * @example const attributes = await resolveSegmentAttributes(engine, config); // ["country", "platform"]
 */
export async function resolveSegmentAttributes(
  engine: Engine,
  config: AssayConfig,
): Promise<ReadonlyArray<string>> {
  if (config.segmentAttributes !== undefined) return config.segmentAttributes;
  const rows = await engine.query<{ attribute: string }>(
    `SELECT DISTINCT attribute FROM ${inputTables.user_attributes.relation}`,
  );
  return rows.map((row) => String(row.attribute)).sort(compareBytes);
}

/** The values of each attribute a `cuped_covariates` list names, in byte order (only distinct values leave the engine). */
export async function resolveAttributeLevels(
  engine: Engine,
  dialect: Dialect,
  config: AssayConfig,
): Promise<Record<string, ReadonlyArray<string>>> {
  const attributes = new Set(usedMetrics(config).flatMap((m) => m.covariates?.attributes ?? []));
  const levels: Record<string, ReadonlyArray<string>> = {};
  for (const attribute of attributes) {
    const rows = await engine.query<{ value: string }>(
      `SELECT DISTINCT value FROM raw_user_attributes WHERE attribute = ${dialect.functions.string(attribute)}`,
    );
    levels[attribute] = rows.map((row) => String(row.value)).sort(compareBytes);
  }
  return levels;
}
