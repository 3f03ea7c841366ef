/** A SQL engine the pipeline runs on; adapters live next to this file, the pure core never imports one. */
export interface Engine {
  readonly dialectName: string;
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
