/** A lake read refused before reaching SQL (a bad column name, a date that is not `YYYY-MM-DD`). */
export class LakeReadError extends Error {
  readonly status = 400;
  readonly field: string;
  constructor(message: string, field: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LakeReadError";
    this.field = field;
  }
}
