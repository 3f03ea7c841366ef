/** Error codes the API answers with; `status` follows from the code. */
export type HttpErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "too_many_requests"
  | "internal"
  | "unavailable";

const statusOf: Record<HttpErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
};

/**
 * An error that renders itself as the API's JSON error body `{error: {code, message, field}}`.
 * @example throw new HttpError("bad_request", "must be after start_at", { field: "end_at" });
 */
export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  constructor(code: HttpErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HttpError";
    this.code = code;
    this.status = statusOf[code];
    this.field = options.field;
  }

  toJSON(): { error: { code: HttpErrorCode; message: string; field?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field === undefined ? {} : { field: this.field }),
      },
    };
  }
}

export class BadRequestError extends HttpError {
  constructor(field: string, message: string, cause?: unknown) {
    super("bad_request", `${field}: ${message}`, { field, cause });
  }
}

export class NotFoundError extends HttpError {
  constructor(what: string, field?: string) {
    super("not_found", `${what} not found`, field === undefined ? {} : { field });
  }
}

export class ForbiddenError extends HttpError {
  constructor(message: string, field?: string) {
    super("forbidden", message, field === undefined ? {} : { field });
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, field?: string) {
    super("conflict", message, field === undefined ? {} : { field });
  }
}

export function isHttpError(error: unknown): error is HttpError {
  return error instanceof HttpError;
}
