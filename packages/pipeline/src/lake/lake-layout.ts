import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** `YYYY-MM-DD`, validated. */
export function checkDt(dt: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dt) || Number.isNaN(Date.parse(`${dt}T00:00:00Z`))) {
    throw new RangeError(`--dt must be a date YYYY-MM-DD, got "${dt}"`);
  }
  return dt;
}

export type LakeArea = "raw" | "silver" | "gold";

/** `<lake>/<area>/<table>/dt=<dt>`: one Hive partition. */
export function partitionDir(lake: string, area: LakeArea, table: string, dt: string): string {
  return join(lake, area, table, `dt=${dt}`);
}

/** Dates of the existing partitions of a table, sorted (temporary `.dt=…` directories are ignored). */
export function listPartitions(lake: string, area: LakeArea, table: string): string[] {
  const dir = join(lake, area, table);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^dt=\d{4}-\d{2}-\d{2}$/.test(name))
    .map((name) => name.slice(3))
    .sort();
}

/** Parquet files of one partition. */
export function partitionFiles(lake: string, area: LakeArea, table: string, dt: string): string[] {
  const dir = partitionDir(lake, area, table, dt);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".parquet"))
    .sort()
    .map((name) => join(dir, name));
}

/** Days from `from` to `to` inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** The lake's config file. */
export const lakeConfigPath = (lake: string) => join(lake, "assay.yaml");
