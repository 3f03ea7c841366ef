import { BadRequestError } from "./http-error.js";

/**
 * The body of `PUT /api/<things>/{key}` with the path's key: a body without `key` takes the path's; a body whose
 * `key` names another thing is refused (400) instead of silently saving under the path's key.
 * @example bodyWithPathKey({ key: "b", type: "boolean" }, "a") // throws BadRequestError on field "key"
 */
export function bodyWithPathKey(body: unknown, key: string): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  const given = (body as { key?: unknown }).key;
  if (given !== undefined && given !== key) {
    throw new BadRequestError(
      "key",
      `the body's key ${JSON.stringify(given)} differs from the URL's "${key}" (PUT to /…/${String(given)} to save that one)`,
    );
  }
  return { ...body, key };
}
