import { DuckDBInstance } from "@duckdb/node-api";
import { type Engine, EngineError } from "../../sql/engine.js";

export interface DuckDbEngineOptions {
  /** Database file; `:memory:` (default) keeps everything in RAM and spills to a temp directory when needed. */
  readonly path?: string;
  /** DuckDB `memory_limit`, e.g. "4GB"; default from env `ASSAY_DUCKDB_MEMORY_LIMIT`, else DuckDB's default. */
  readonly memoryLimit?: string;
  readonly threads?: number;
  /** Where DuckDB spills when over the memory limit. */
  readonly tempDirectory?: string;
}

/**
 * Opens an embedded DuckDB engine with the session in UTC.
 * @example
 * const engine = await createDuckDbEngine({ memoryLimit: "2GB" });
 * const rows = await engine.query<{ n: number }>("SELECT 42 AS n");
 * await engine.close();
 */
export async function createDuckDbEngine(options: DuckDbEngineOptions = {}): Promise<Engine> {
  const settings: Record<string, string> = {};
  const memoryLimit = options.memoryLimit ?? process.env.ASSAY_DUCKDB_MEMORY_LIMIT;
  if (memoryLimit) settings.memory_limit = memoryLimit;
  if (options.threads !== undefined) settings.threads = String(options.threads);
  if (options.tempDirectory) settings.temp_directory = options.tempDirectory;
  const instance = await DuckDBInstance.create(options.path ?? ":memory:", settings);
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  let closed = false;
  return {
    async run(sql) {
      try {
        await connection.run(sql);
      } catch (cause) {
        throw new EngineError((cause as Error).message, sql, { cause });
      }
    },
    async query<T extends Record<string, unknown>>(sql: string) {
      let reader: Awaited<ReturnType<typeof connection.runAndReadAll>>;
      try {
        reader = await connection.runAndReadAll(sql);
      } catch (cause) {
        throw new EngineError((cause as Error).message, sql, { cause });
      }
      return reader.getRowObjectsJS().map((row) => {
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(row)) {
          out[key] = typeof value === "bigint" ? Number(value) : value;
        }
        return out as T;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
}
