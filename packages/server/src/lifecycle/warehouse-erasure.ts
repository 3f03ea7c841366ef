import { eraseUserFromWarehouse, openWarehouse, type WarehouseKind } from "@assay/pipeline";

/** A warehouse the pipeline loads into (`assay load`, `--engine`), known to the server for DSAR. */
export interface WarehouseTarget {
  readonly kind: Exclude<WarehouseKind, "duckdb">;
  readonly url: string;
}

/** What DSAR removed from one warehouse, or why it could not. Credentials never appear in `target`. */
export interface WarehouseErasureOutcome {
  readonly target: string;
  readonly engine: string;
  readonly rows: number;
  readonly tables: Record<string, number>;
  readonly error?: string;
}

/** `ASSAY_WAREHOUSE_URLS` holds a URL that is not a PostgreSQL or ClickHouse one. */
export class WarehouseConfigError extends Error {
  readonly field = "ASSAY_WAREHOUSE_URLS";
  constructor(message: string) {
    super(message);
    this.name = "WarehouseConfigError";
  }
}

const kinds: Record<string, WarehouseTarget["kind"]> = {
  postgres: "postgres",
  postgresql: "postgres",
  clickhouse: "clickhouse",
  chs: "clickhouse",
};

/**
 * Parses `ASSAY_WAREHOUSE_URLS`: comma- or space-separated `--engine` URLs whose scheme names the kind
 * (`postgres://…[?schema=…]`, `clickhouse://host:8123[,host:8123]/db[?cluster=…]`, `chs://` for HTTPS). A comma
 * inside a ClickHouse host list is kept: a piece without a scheme continues the URL before it.
 * @example warehouseTargetsFromEnv({ ASSAY_WAREHOUSE_URLS: "postgres://db/wh clickhouse://ch1:8123,ch2:8123/assay" });
 */
export function warehouseTargetsFromEnv(env: NodeJS.ProcessEnv): WarehouseTarget[] {
  const pieces = (env.ASSAY_WAREHOUSE_URLS ?? "").split(/[\s,]+/).filter((p) => p !== "");
  const urls: string[] = [];
  for (const piece of pieces) {
    if (/^[a-z]+:\/\//i.test(piece) || urls.length === 0) urls.push(piece);
    else urls[urls.length - 1] += `,${piece}`;
  }
  return urls.map((url) => {
    const scheme = /^([a-z]+):\/\//i.exec(url)?.[1]?.toLowerCase() ?? "";
    const kind = kinds[scheme];
    if (kind === undefined)
      throw new WarehouseConfigError(
        `ASSAY_WAREHOUSE_URLS: "${redact(url)}" is not a postgres:// or clickhouse:// URL`,
      );
    return { kind, url };
  });
}

/** The URL without user and password. */
export const redact = (url: string): string => url.replace(/\/\/[^@/]*@/, "//");

/**
 * Erases the user from each warehouse in turn; a failure is recorded in that warehouse's outcome (the others
 * still run) so the caller can audit it and report the erasure incomplete.
 * @example const outcomes = await eraseUserFromWarehouses(warehouseTargetsFromEnv(process.env), "u-42");
 */
export async function eraseUserFromWarehouses(
  targets: ReadonlyArray<WarehouseTarget>,
  userId: string,
): Promise<WarehouseErasureOutcome[]> {
  const outcomes: WarehouseErasureOutcome[] = [];
  for (const target of targets) {
    const base = { target: redact(target.url), engine: target.kind };
    try {
      const warehouse = await openWarehouse(target);
      try {
        const { tables, rows } = await eraseUserFromWarehouse(warehouse, userId);
        outcomes.push({ ...base, rows, tables });
      } finally {
        await warehouse.close();
      }
    } catch (error) {
      outcomes.push({ ...base, rows: 0, tables: {}, error: (error as Error).message });
    }
  }
  return outcomes;
}
