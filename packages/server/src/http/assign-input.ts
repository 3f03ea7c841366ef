import { z } from "zod";
import { keySchema } from "../registry/experiment-schema.js";

/** The body of `POST /api/assign`. */
export const assignInputSchema = z.object({
  user_id: z.string().min(1, "is required").max(256),
  attributes: z.record(z.string(), z.unknown()).default({}),
  experiments: z.array(keySchema).optional(),
});
export type AssignInput = z.output<typeof assignInputSchema>;

const keyPattern = /^[a-z][a-z0-9_-]{0,63}$/;
const allowed = new Set(["user_id", "attributes", "experiments"]);
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The common case without zod: a body that is plainly valid is returned as `assignInputSchema` would
 * return it; anything else gives `undefined` and goes through the schema, which names the field at fault.
 * @example parseAssignFast({ user_id: "u1" }) // { user_id: "u1", attributes: {} }
 */
export function parseAssignFast(body: unknown): AssignInput | undefined {
  if (!isPlainObject(body)) return undefined;
  for (const k in body) if (Object.hasOwn(body, k) && !allowed.has(k)) return undefined;
  const { user_id, attributes, experiments } = body;
  if (typeof user_id !== "string" || user_id.length === 0 || user_id.length > 256) return undefined;
  // An own `__proto__` key (possible in-process, never from Fastify's parser) is dropped by zod's record: left to it.
  if (attributes !== undefined && (!isPlainObject(attributes) || Object.hasOwn(attributes, "__proto__")))
    return undefined;
  if (experiments !== undefined) {
    if (!Array.isArray(experiments)) return undefined;
    for (const e of experiments) if (typeof e !== "string" || !keyPattern.test(e)) return undefined;
  }
  return {
    user_id,
    attributes: (attributes ?? {}) as Record<string, unknown>,
    ...(experiments === undefined ? {} : { experiments: experiments as string[] }),
  };
}
