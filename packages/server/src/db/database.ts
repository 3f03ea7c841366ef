/** A row-returning query runner: the whole registry talks to PostgreSQL through this. */
export interface Queryable {
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: ReadonlyArray<unknown>,
  ): Promise<{ rows: Row[] }>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The registry's storage: PostgreSQL, embedded (PGlite) or a real server (pg).
 * @example
 * const db = await createPgliteDatabase();
 * await db.transaction(async (tx) => tx.query("select 1"));
 */
export interface Database extends Queryable {
  readonly dialect: "pglite" | "postgres";
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
