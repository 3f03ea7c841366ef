import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";

/** A ClickHouse HTTP answer: status and the body as a stream (read it once). */
export interface ClickHouseHttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly body: IncomingMessage;
  text(): Promise<string>;
}

/**
 * POSTs `body` to a ClickHouse HTTP endpoint with no client-side timeout: a model over tens of millions of rows can
 * run for many minutes before ClickHouse sends its headers, which `fetch` (undici) aborts after 300 s.
 * @example const res = await postClickHouse("http://127.0.0.1:8123/?database=assay", {}, "SELECT 1"); await res.text();
 */
export function postClickHouse(
  url: string,
  headers: Readonly<Record<string, string>>,
  body: string | Readable,
): Promise<ClickHouseHttpResponse> {
  const target = new URL(url);
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, { method: "POST", headers: { ...headers }, timeout: 0 }, (res) => {
      const status = res.statusCode ?? 0;
      resolve({
        status,
        ok: status >= 200 && status < 300,
        body: res,
        async text() {
          res.setEncoding("utf8");
          let out = "";
          for await (const chunk of res) out += chunk as string;
          return out;
        },
      });
    });
    req.on("error", reject);
    if (typeof body === "string") {
      req.end(body);
    } else {
      body.on("error", (error) => req.destroy(error));
      body.pipe(req);
    }
  });
}
