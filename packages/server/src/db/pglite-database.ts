import { PGlite } from "@electric-sql/pglite";
import type { Database, Queryable } from "./database.js";

/**
 * Embedded PostgreSQL (WASM) in a folder, or in memory when `dataDir` is omitted.
 * @example const db = await createPgliteDatabase(".assay/registry");
 */
export async function createPgliteDatabase(dataDir?: string): Promise<Database> {
  // PostgreSQL's default 128MB of shared buffers is resident from the start in PGlite (its WASM memory is zeroed
  // when mapped): about 100 MiB of the server's RSS for a registry of a few MB. 32MB holds it many times over.
  const pg = new PGlite({
    ...(dataDir === undefined ? {} : { dataDir }),
    postgresqlconf: ["shared_buffers = 32MB"],
  });
  await pg.waitReady;
  const wrap = (q: Pick<PGlite, "query" | "exec">): Queryable => ({
    async query<Row>(sql: string, params: ReadonlyArray<unknown> = []) {
      const result = await q.query<Row>(sql, params as unknown[]);
      return { rows: result.rows };
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  const base = wrap(pg);
  return {
    dialect: "pglite",
    query: base.query,
    exec: base.exec,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => pg.close(),
  };
}
