import { createDuckDbEngine } from "../../warehouses/duckdb/connection.js";

/** Where the reader's SQL runs: a DuckDB session (the server's lake connection, or one opened per read). */
export interface LakeSession {
  /** Runs a query; BIGINT values come back as JS numbers. */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
}

/** Runs `work` on `session`, or on a one-thread embedded DuckDB opened for it and closed after. */
export async function inSession<T>(
  session: LakeSession | undefined,
  work: (session: LakeSession) => Promise<T>,
): Promise<T> {
  if (session !== undefined) return work(session);
  const engine = await createDuckDbEngine({ threads: 1 });
  try {
    return await work({ query: (sql) => engine.query(sql) });
  } finally {
    await engine.close();
  }
}

/** The column names of the rows `source` yields (`DESCRIBE`). */
export async function sourceColumns(session: LakeSession, source: string): Promise<string[]> {
  const rows = await session.query(`DESCRIBE SELECT * FROM ${source}`);
  return rows.map((r) => String(r.column_name));
}
