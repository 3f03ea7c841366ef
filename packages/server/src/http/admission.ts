import { HttpError } from "./http-error.js";

/**
 * Input admission: the one place every string entering the server (JSON body, path parameters, query string,
 * headers) is checked, before any route reads it. The rules (docs/server.md, "Input rules"):
 * - every string and object key is well-formed UTF-16 (no lone surrogate): what cannot be encoded as UTF-8
 *   cannot be logged, stored or queried;
 * - no NUL anywhere (neither PostgreSQL text nor a SQL literal can hold one) and no other control character
 *   except tab, line feed and carriage return; none at all in path parameters, query values, headers and keys;
 * - strings at most `maxStringLength` characters, objects and arrays nested at most `maxDepth` deep;
 * - a string shaped like an ISO 8601 timestamp names a real calendar instant (no February 30, no 24:00);
 * - a field whose name ends in `url` holds an http(s) URL;
 * - no `__proto__`, `constructor` or `prototype` keys.
 * A violation is an `AdmissionError`: a 400 `{error: {code: "bad_request", message, field}}` naming the field.
 */
export class AdmissionError extends HttpError {
  constructor(field: string, message: string, cause?: unknown) {
    super("bad_request", `${field}: ${message}`, { field, cause });
    this.name = "AdmissionError";
  }
}

export function isAdmissionError(error: unknown): error is AdmissionError {
  return error instanceof AdmissionError;
}

/** Limits of admission. */
export interface AdmissionLimits {
  /** Deepest nesting of objects and arrays in a body (the top level is depth 1). */
  readonly maxDepth: number;
  /** Longest string (or object key), in UTF-16 code units. */
  readonly maxStringLength: number;
}

export const defaultAdmissionLimits: AdmissionLimits = { maxDepth: 96, maxStringLength: 65_536 };

const reservedKeys = new Set(["__proto__", "constructor", "prototype"]);
// Tab, LF and CR are allowed in free text; every other C0 control and DEL is not.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters.
const textControl = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters.
const anyControl = /[\u0000-\u001f\u007f]/;
const isoShape =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-](\d{2}):?(\d{2}))?$/;
const dateShape = /^(\d{4})-(\d{2})-(\d{2})$/;

// A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no `u` flag).
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether `value` is well-formed UTF-16 (every surrogate paired), i.e. encodable as UTF-8. */
export function isWellFormedUtf16(value: string): boolean {
  return !loneSurrogate.test(value);
}

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Why a timestamp- or date-shaped string is not a real calendar instant, or undefined when it is (or is not date-shaped). */
export function calendarProblem(value: string): string | undefined {
  const m = isoShape.exec(value) ?? dateShape.exec(value);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return "is not a calendar date (month out of range)";
  if (day < 1 || day > daysIn(year, month))
    return `is not a calendar date (${m[1]}-${m[2]} has no day ${m[3]})`;
  if (m[4] === undefined) return undefined;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59))
    return "is not a valid time of day (00:00:00 to 23:59:59)";
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return "has an invalid UTC offset";
  return undefined;
}

/** Why `value` is not an http(s) URL, or undefined. */
export function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an http(s) URL";
  }
  return url.protocol === "http:" || url.protocol === "https:" ? undefined : "must be an http(s) URL";
}

/** Why one string fails admission, or undefined. `strict`: identifiers (keys, path, query, headers) — no control at all. */
export function stringProblem(
  value: string,
  strict: boolean,
  limits: AdmissionLimits = defaultAdmissionLimits,
): string | undefined {
  if (value.length > limits.maxStringLength) return `is longer than ${limits.maxStringLength} characters`;
  if (!isWellFormedUtf16(value)) return "is not well-formed UTF-16 (lone surrogate)";
  if (value.includes("\u0000")) return "must not contain NUL";
  if ((strict ? anyControl : textControl).test(value)) return "must not contain control characters";
  return calendarProblem(value);
}

const joinPath = (prefix: string, key: string | number): string =>
  typeof key === "number" ? `${prefix}[${key}]` : prefix === "" ? key : `${prefix}.${key}`;

/**
 * Checks a parsed JSON value (a request body) without recursion, so a body nested thousands deep is a 400 and
 * never a stack overflow. Throws `AdmissionError` naming the first field at fault.
 * @example admitJson({ user_id: "\ud800" }) // throws AdmissionError, field "user_id"
 */
export function admitJson(
  value: unknown,
  prefix = "",
  limits: AdmissionLimits = defaultAdmissionLimits,
): void {
  const stack: Array<{ value: unknown; path: string; depth: number; key: string | undefined }> = [
    { value, path: prefix, depth: 0, key: undefined },
  ];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    const field = item.path === "" ? "body" : item.path;
    if (typeof v === "string") {
      const problem = stringProblem(v, false, limits);
      if (problem !== undefined) throw new AdmissionError(field, problem);
      if (item.key !== undefined && /url$/i.test(item.key) && v !== "") {
        const bad = urlProblem(v);
        if (bad !== undefined) throw new AdmissionError(field, bad);
      }
      continue;
    }
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new AdmissionError(field, "must be a finite number");
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    const depth = item.depth + 1;
    if (depth > limits.maxDepth)
      throw new AdmissionError(field, `is nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ value: v[i], path: joinPath(item.path, i), depth, key: undefined });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const path = joinPath(item.path, k);
      if (reservedKeys.has(k)) throw new AdmissionError(path, "is a reserved key");
      const problem = stringProblem(k, true, limits);
      if (problem !== undefined) throw new AdmissionError(path, `key ${problem}`);
      stack.push({ value: (v as Record<string, unknown>)[k], path, depth, key: k });
    }
  }
}

/**
 * Checks flat string maps (path parameters, query strings, headers): every value strictly (no control character).
 * `where` prefixes the field: `params.id`, `query.entity_key`, `headers.authorization`.
 */
export function admitStrings(
  values: unknown,
  where: "params" | "query" | "headers",
  limits: AdmissionLimits = defaultAdmissionLimits,
): void {
  if (values === null || typeof values !== "object") return;
  for (const [k, raw] of Object.entries(values)) {
    const field = where === "params" ? k : `${where}.${k}`;
    const keyProblem = stringProblem(k, true, limits);
    if (keyProblem !== undefined) throw new AdmissionError(field, `name ${keyProblem}`);
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (typeof v !== "string") continue;
      // Headers are Latin-1 on the wire (never a lone surrogate); tab is legal in a header value.
      const problem = stringProblem(where === "headers" ? v.replaceAll("\t", " ") : v, true, limits);
      if (problem !== undefined) throw new AdmissionError(field, problem);
    }
  }
}

/** Admission of a whole request: headers, path parameters, query string, then the parsed body. */
export function admitRequest(request: {
  readonly headers: unknown;
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
}): void {
  admitStrings(request.headers, "headers");
  admitStrings(request.params, "params");
  admitStrings(request.query, "query");
  if (request.body !== undefined) admitJson(request.body);
}
