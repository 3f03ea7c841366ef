import type { IncomingHttpHeaders } from "node:http";
import { createHttpTransport, type HttpAnswer, type HttpSend } from "./http-transport.js";

/** An HTTP failure of the Assay API, with the route and the server's error body. */
export class AssayApiError extends Error {
  readonly status: number;
  readonly route: string;
  readonly body: string;
  constructor(route: string, status: number, body: string, options?: { cause?: unknown }) {
    super(`${route}: HTTP ${status}${body === "" ? "" : ` ${body.slice(0, 400)}`}`, options);
    this.name = "AssayApiError";
    this.status = status;
    this.route = route;
    this.body = body;
  }
}

export interface ApiResponse<T> {
  readonly status: number;
  readonly json: T;
  readonly headers: IncomingHttpHeaders;
}

export interface AssayApi {
  readonly baseUrl: string;
  readonly key: string;
  /** The keep-alive transport, shared with the event clients. */
  readonly send: HttpSend;
  /** Sends a request; throws `AssayApiError` unless the status is 2xx, 304 or listed in `accept`. */
  request<T = unknown>(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    options?: { body?: unknown; headers?: Record<string, string>; accept?: readonly number[]; key?: string },
  ): Promise<ApiResponse<T>>;
}

const RETRYABLE_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "UND_ERR_SOCKET", "ETIMEDOUT"]);

/**
 * A thin client of the server's public HTTP API (bearer key, JSON), retrying requests whose connection
 * failed (a busy loopback under load resets a few).
 * @example const api = createAssayApi("http://127.0.0.1:3000", key); await api.request("GET", "/api/experiments");
 */
export function createAssayApi(baseUrl: string, key: string, maxSockets = 256): AssayApi {
  const base = baseUrl.replace(/\/+$/, "");
  const send = createHttpTransport(maxSockets);
  return {
    baseUrl: base,
    key,
    send,
    async request<T>(
      method: string,
      path: string,
      options: {
        body?: unknown;
        headers?: Record<string, string>;
        accept?: readonly number[];
        key?: string;
      } = {},
    ): Promise<ApiResponse<T>> {
      const route = `${method} ${path}`;
      const headers: Record<string, string> = {
        authorization: `Bearer ${options.key ?? key}`,
        ...options.headers,
      };
      if (options.body !== undefined) headers["content-type"] = "application/json";
      let response: HttpAnswer | undefined;
      for (let attempt = 0; response === undefined; attempt++) {
        try {
          response = await send(
            method,
            `${base}${path}`,
            headers,
            options.body === undefined ? undefined : JSON.stringify(options.body),
          );
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (attempt >= 4 || code === undefined || !RETRYABLE_CODES.has(code)) {
            throw new AssayApiError(route, 0, `cannot reach the server: ${String(error)}`, { cause: error });
          }
          await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        }
      }
      const text = response.text;
      const ok =
        (response.status >= 200 && response.status < 300) ||
        response.status === 304 ||
        (options.accept ?? []).includes(response.status);
      if (!ok) throw new AssayApiError(route, response.status, text);
      let json: unknown;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: response.status, json: json as T, headers: response.headers };
    },
  } as AssayApi;
}
