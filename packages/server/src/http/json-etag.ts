import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Sends `body` as JSON with a strong `ETag` of its bytes; a matching `If-None-Match` answers 304 without a
 * body. `Cache-Control: private, no-cache`: clients revalidate every time, results change with each pipeline run.
 * @example app.get("/x", async (request, reply) => sendJsonWithEtag(request, reply, await build()));
 */
export function sendJsonWithEtag(request: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const text = JSON.stringify(body);
  const etag = `"${createHash("sha256").update(text).digest("base64url").slice(0, 32)}"`;
  reply.header("etag", etag);
  reply.header("cache-control", "private, no-cache");
  reply.header("vary", "authorization");
  const match = request.headers["if-none-match"];
  if (match?.split(",").some((t) => t.trim() === etag || t.trim() === `W/${etag}`))
    return reply.status(304).send();
  return reply.type("application/json; charset=utf-8").send(text);
}
