import type { z } from "zod";
import { BadRequestError } from "./http-error.js";

/** `variants.1.allocation` → `variants[1].allocation`. */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>, prefix = ""): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "body" : out;
}

/**
 * Validates input at the HTTP edge; the first problem becomes a 400 naming the field.
 * @example const body = parseInput(experimentInputSchema, request.body);
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // An unknown key is named itself, not the object holding it.
  const path =
    issue.code === "unrecognized_keys" && issue.keys[0] !== undefined
      ? [...issue.path, issue.keys[0]]
      : issue.path;
  throw new BadRequestError(formatFieldPath(path, prefix), issue.message, result.error);
}
