import type { PayloadProblem } from "./payload-problem.js";
import { parseSemver } from "./semver.js";

const OPERATORS = new Set([
  "eq",
  "neq",
  "in",
  "nin",
  "gt",
  "gte",
  "lt",
  "lte",
  "date_gt",
  "date_gte",
  "date_lt",
  "date_lte",
  "semver_eq",
  "semver_neq",
  "semver_gt",
  "semver_gte",
  "semver_lt",
  "semver_lte",
  "contains",
  "regex",
  "exists",
]);
const REGEX_FLAGS = /^[imsu]*$/;

/** True for plain JSON objects (not arrays, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

/** Epoch milliseconds of a date given as epoch ms, an ISO 8601 string or a Date; NaN when not a date. */
export function toEpochMs(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === "string") return Date.parse(value);
  if (value instanceof Date) return value.getTime();
  return Number.NaN;
}

/** The pattern and flags of a `regex` condition value: a pattern string or `{ pattern, flags }`. */
export function regexSource(value: unknown): { pattern: string; flags: string } | undefined {
  if (typeof value === "string") return { pattern: value, flags: "" };
  if (isPlainObject(value) && typeof value.pattern === "string") {
    const flags = value.flags === undefined ? "" : value.flags;
    if (typeof flags === "string" && REGEX_FLAGS.test(flags)) return { pattern: value.pattern, flags };
  }
  return undefined;
}

function problem(path: string, message: string): PayloadProblem {
  return { path, message };
}

/**
 * Checks a condition's shape and operands; returns the first problem (with its JSON path) or `undefined`.
 * @example checkCondition({ attribute: "age", op: "gt", value: "x" }, "$") // { path: "$.value", ... }
 */
export function checkCondition(condition: unknown, path: string, depth = 0): PayloadProblem | undefined {
  if (depth > 64) return problem(path, "conditions nest deeper than 64 levels");
  if (!isPlainObject(condition)) return problem(path, "must be a condition object");
  const shapes = ["attribute", "and", "or", "not"].filter((k) => k in condition);
  if (shapes.length !== 1) {
    return problem(path, "must have exactly one of attribute, and, or, not");
  }
  if ("and" in condition || "or" in condition) {
    const key = "and" in condition ? "and" : "or";
    const list = condition[key];
    if (!Array.isArray(list) || list.length === 0)
      return problem(`${path}.${key}`, "must be a non-empty array");
    for (let i = 0; i < list.length; i++) {
      const found = checkCondition(list[i], `${path}.${key}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if ("not" in condition) return checkCondition(condition.not, `${path}.not`, depth + 1);
  const attribute = condition.attribute;
  if (typeof attribute !== "string" || attribute === "") {
    return problem(`${path}.attribute`, "must be a non-empty string");
  }
  if (attribute in Object.prototype) return problem(`${path}.attribute`, `"${attribute}" is a reserved name`);
  const op = condition.op;
  if (typeof op !== "string" || !OPERATORS.has(op)) {
    return problem(`${path}.op`, `must be one of ${[...OPERATORS].join(", ")}`);
  }
  const value = condition.value;
  const valuePath = `${path}.value`;
  switch (op) {
    case "eq":
    case "neq":
      return isScalar(value) ? undefined : problem(valuePath, "must be a string, number, boolean or null");
    case "in":
    case "nin":
      if (!Array.isArray(value)) return problem(valuePath, "must be an array");
      for (let i = 0; i < value.length; i++) {
        if (!isScalar(value[i]))
          return problem(`${valuePath}[${i}]`, "must be a string, number, boolean or null");
      }
      return undefined;
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return typeof value === "number" && Number.isFinite(value)
        ? undefined
        : problem(valuePath, "must be a finite number");
    case "date_gt":
    case "date_gte":
    case "date_lt":
    case "date_lte":
      return (typeof value === "string" || typeof value === "number") && !Number.isNaN(toEpochMs(value))
        ? undefined
        : problem(valuePath, "must be an ISO 8601 date string or epoch milliseconds");
    case "semver_eq":
    case "semver_neq":
    case "semver_gt":
    case "semver_gte":
    case "semver_lt":
    case "semver_lte":
      return typeof value === "string" && parseSemver(value) !== undefined
        ? undefined
        : problem(valuePath, "must be a semantic version such as 1.2.3 or 2.0.0-rc.1");
    case "contains":
      return typeof value === "string" ||
        (typeof value === "number" && Number.isFinite(value)) ||
        typeof value === "boolean"
        ? undefined
        : problem(valuePath, "must be a string, number or boolean");
    case "regex": {
      const source = regexSource(value);
      if (!source)
        return problem(valuePath, 'must be a pattern string or { "pattern", "flags" } with flags from imsu');
      try {
        new RegExp(source.pattern, source.flags);
      } catch (error) {
        return problem(valuePath, `is not a valid regular expression (${(error as Error).message})`);
      }
      return undefined;
    }
    case "exists":
      return value === undefined || typeof value === "boolean"
        ? undefined
        : problem(valuePath, "must be a boolean");
    default:
      return problem(`${path}.op`, "unknown operator");
  }
}
