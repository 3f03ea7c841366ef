import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import { admitJson } from "../http/admission.js";
import { HttpError, isHttpError } from "../http/http-error.js";

/** A hot route's work: the `Authorization` header and the parsed JSON body in, the JSON answer out. */
export type HotHandler = (authorization: string | undefined, body: unknown) => Promise<unknown>;

/**
 * Serves the high-volume routes (`POST /api/assign`, `POST /api/events`) straight on `node:http`,
 * beside Fastify: the same handler functions as their Fastify routes, without Fastify's per-request
 * machinery (hooks, reply pipeline, content-type parser), which on a loaded 2-core machine is about a
 * third of a request's CPU. Everything that is not the plain case (another route or method, a query
 * string, another content type, a body Fastify's JSON parser might judge differently) goes to Fastify
 * unchanged, so answers are the same either way.
 * @example
 * const lane = createHotLane({ bodyLimit: 1 << 20 });
 * const app = Fastify({ serverFactory: lane.serverFactory });
 * lane.route("/api/assign", assign);
 * lane.attach(app, metrics.observeRequest);
 */
export interface HotLane {
  /** For Fastify's `serverFactory` option. */
  serverFactory(handler: (req: IncomingMessage, res: ServerResponse) => void): Server;
  /** Serves `POST <path>` (exact path, JSON body) with `handler`. */
  route(path: string, handler: HotHandler): void;
  /** The Fastify app (fallback for unusual bodies) and the request metrics the Fastify routes also feed. */
  attach(app: FastifyInstance, observe: Observe): void;
}

type Observe = (route: string, method: string, status: number, seconds: number) => void;

const jsonType = /^application\/json\s*(?:;|$)/i;
// Fastify's parser (secure-json-parse) refuses `__proto__`/`constructor` keys, also when escaped: such
// bodies, and any with an escape sequence, are left to it.
const unusual = /__proto__|constructor|\\u/;
const contentType = "application/json; charset=utf-8";

export function createHotLane(options: { readonly bodyLimit: number }): HotLane {
  const routes = new Map<string, HotHandler>();
  let app: FastifyInstance | undefined;
  let observe: Observe = () => undefined;

  const send = (res: ServerResponse, path: string, started: number, status: number, text: string): void => {
    res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
    res.end(text);
    observe(path, "POST", status, (performance.now() - started) / 1000);
  };

  const fail = (res: ServerResponse, path: string, started: number, error: unknown): void => {
    const http = isHttpError(error) ? error : new HttpError("internal", "internal error");
    send(res, path, started, http.status, JSON.stringify(http.toJSON()));
  };

  // Replays a buffered request through Fastify (its JSON parser and error answers) and relays the answer.
  const viaFastify = async (req: IncomingMessage, res: ServerResponse, text: string): Promise<void> => {
    const answer = await app!.inject({
      method: "POST",
      url: req.url ?? "/",
      headers: req.headers,
      payload: text,
    });
    res.writeHead(answer.statusCode, answer.headers as Record<string, string>);
    res.end(answer.rawPayload);
  };

  const serve = (req: IncomingMessage, res: ServerResponse, path: string, handler: HotHandler): void => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.bodyLimit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) {
        const error = new HttpError("payload_too_large", "Request body is too large", { field: "body" });
        return fail(res, path, started, error);
      }
      const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        if (text === "" || unusual.test(text)) throw new SyntaxError("left to Fastify");
        body = JSON.parse(text);
      } catch {
        viaFastify(req, res, text).catch((error: unknown) => fail(res, path, started, error));
        return;
      }
      try {
        // The same admission as Fastify's JSON parser (depth, lengths, dates, URLs).
        admitJson(body);
      } catch (error) {
        return fail(res, path, started, error);
      }
      handler(req.headers.authorization, body).then(
        (answer) => send(res, path, started, 200, JSON.stringify(answer)),
        (error: unknown) => fail(res, path, started, error),
      );
    });
  };

  return {
    serverFactory(handler) {
      return createServer((req, res) => {
        const path = req.url;
        const hot = req.method === "POST" && path !== undefined ? routes.get(path) : undefined;
        const type = req.headers["content-type"];
        const declared = Number(req.headers["content-length"] ?? 0);
        if (
          hot === undefined ||
          app === undefined ||
          type === undefined ||
          !jsonType.test(type) ||
          !(declared <= options.bodyLimit)
        ) {
          handler(req, res);
          return;
        }
        serve(req, res, path!, hot);
      });
    },
    route(path, handler) {
      routes.set(path, handler);
    },
    attach(fastify, observeRequest) {
      app = fastify;
      observe = observeRequest;
    },
  };
}
