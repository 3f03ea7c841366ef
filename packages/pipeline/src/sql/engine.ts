/** A SQL connection the pipeline runs statements on; each warehouse folder has one (`connection.ts`). */
export interface Engine {
  /** Runs a statement, discarding rows. */
  run(sql: string): Promise<void>;
  /** Runs a query; BIGINT values come back as JS numbers, timestamps as `Date`. */
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/** A SQL statement that failed; carries the statement for debugging. */
export class EngineError extends Error {
  readonly sql: string;
  constructor(message: string, sql: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EngineError";
    this.sql = sql;
  }
}
