import type { ApiErrorBody } from "./api-types.js";

/**
 * A failed API call: the HTTP status plus the server's `{error: {code, message, field}}`.
 * @example if (isApiError(e) && e.field === "end_at") showInline(e.message);
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const inner = (body as { error: unknown }).error;
  return (
    typeof inner === "object" &&
    inner !== null &&
    typeof (inner as { message?: unknown }).message === "string"
  );
}

/** Builds an ApiError from a response status and its parsed body (which may not be JSON at all). */
export function toApiError(status: number, body: unknown): ApiError {
  if (isErrorBody(body)) {
    return new ApiError(status, body.error.code, body.error.message, body.error.field);
  }
  const text = typeof body === "string" && body.trim() !== "" ? body.trim().slice(0, 200) : `HTTP ${status}`;
  return new ApiError(status, status === 0 ? "network" : "http", text);
}
