import { checkCondition, regexSource, toEpochMs } from "./condition-check.js";
import { PayloadError } from "./payload-problem.js";
import type { AttributeCondition, Attributes, Condition, JsonValue } from "./payload-types.js";
import { compareSemver, parseSemver, type SemanticVersion } from "./semver.js";

/** A compiled condition: a closure over pre-parsed operands (regexes, dates, versions, sets). */
export type Predicate = (attributes: Attributes) => boolean;

const ALWAYS: Predicate = () => true;

function compileSemver(name: string, target: SemanticVersion, test: (order: number) => boolean): Predicate {
  // A one-entry memo: most callers evaluate many users on the same app version.
  let lastText: string | undefined;
  let lastParsed: SemanticVersion | undefined;
  return (attributes) => {
    const x = attributes[name];
    if (typeof x !== "string") return false;
    if (x !== lastText) {
      lastText = x;
      lastParsed = parseSemver(x);
    }
    return lastParsed !== undefined && test(compareSemver(lastParsed, target));
  };
}

function compileDate(name: string, target: number, test: (t: number, target: number) => boolean): Predicate {
  return (attributes) => {
    const t = toEpochMs(attributes[name]);
    return !Number.isNaN(t) && test(t, target);
  };
}

function compileIn(name: string, list: ReadonlyArray<JsonValue>): Predicate {
  const set = new Set<unknown>(list);
  return (attributes) => {
    const x = attributes[name];
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) if (set.has(x[i])) return true;
      return false;
    }
    return set.has(x);
  };
}

function compileAttribute(c: AttributeCondition): Predicate {
  const name = c.attribute;
  const value = c.value;
  switch (c.op) {
    case "eq":
      return (attributes) => attributes[name] === value;
    case "neq":
      return (attributes) => attributes[name] !== value;
    case "in":
      return compileIn(name, value as JsonValue[]);
    case "nin": {
      const inList = compileIn(name, value as JsonValue[]);
      return (attributes) => !inList(attributes);
    }
    case "gt": {
      const v = value as number;
      return (attributes) => {
        const x = attributes[name];
        return typeof x === "number" && x > v;
      };
    }
    case "gte": {
      const v = value as number;
      return (attributes) => {
        const x = attributes[name];
        return typeof x === "number" && x >= v;
      };
    }
    case "lt": {
      const v = value as number;
      return (attributes) => {
        const x = attributes[name];
        return typeof x === "number" && x < v;
      };
    }
    case "lte": {
      const v = value as number;
      return (attributes) => {
        const x = attributes[name];
        return typeof x === "number" && x <= v;
      };
    }
    case "date_gt":
      return compileDate(name, toEpochMs(value), (t, target) => t > target);
    case "date_gte":
      return compileDate(name, toEpochMs(value), (t, target) => t >= target);
    case "date_lt":
      return compileDate(name, toEpochMs(value), (t, target) => t < target);
    case "date_lte":
      return compileDate(name, toEpochMs(value), (t, target) => t <= target);
    case "semver_eq":
      return compileSemver(name, parseSemver(value as string)!, (o) => o === 0);
    case "semver_neq":
      return compileSemver(name, parseSemver(value as string)!, (o) => o !== 0);
    case "semver_gt":
      return compileSemver(name, parseSemver(value as string)!, (o) => o > 0);
    case "semver_gte":
      return compileSemver(name, parseSemver(value as string)!, (o) => o >= 0);
    case "semver_lt":
      return compileSemver(name, parseSemver(value as string)!, (o) => o < 0);
    case "semver_lte":
      return compileSemver(name, parseSemver(value as string)!, (o) => o <= 0);
    case "contains":
      return (attributes) => {
        const x = attributes[name];
        if (typeof x === "string") return typeof value === "string" && x.includes(value);
        return Array.isArray(x) && x.includes(value);
      };
    case "regex": {
      const source = regexSource(value)!;
      const re = new RegExp(source.pattern, source.flags);
      return (attributes) => {
        const x = attributes[name];
        return typeof x === "string" && re.test(x);
      };
    }
    case "exists": {
      const want = value === undefined ? true : value === true;
      return (attributes) => {
        const x = attributes[name];
        return (x !== undefined && x !== null) === want;
      };
    }
  }
}

/**
 * Compiles a condition checked by `checkCondition` into a predicate; operands are parsed once, here.
 * @example compileCondition({ attribute: "plan", op: "in", value: ["pro", "team"] })({ plan: "pro" }) // true
 */
export function compileCondition(condition: Condition): Predicate {
  if ("and" in condition) {
    const parts = condition.and.map(compileCondition);
    if (parts.length === 1) return parts[0]!;
    if (parts.length === 2) {
      const [a, b] = parts as [Predicate, Predicate];
      return (attributes) => a(attributes) && b(attributes);
    }
    return (attributes) => {
      for (let i = 0; i < parts.length; i++) if (!parts[i]!(attributes)) return false;
      return true;
    };
  }
  if ("or" in condition) {
    const parts = condition.or.map(compileCondition);
    if (parts.length === 1) return parts[0]!;
    return (attributes) => {
      for (let i = 0; i < parts.length; i++) if (parts[i]!(attributes)) return true;
      return false;
    };
  }
  if ("not" in condition) {
    const inner = compileCondition(condition.not);
    return (attributes) => !inner(attributes);
  }
  return compileAttribute(condition);
}

/** A predicate that is always true (an empty targeting). */
export function alwaysTrue(): Predicate {
  return ALWAYS;
}

const compiledCache = new WeakMap<object, Predicate>();

/**
 * Evaluates a condition against attributes. Throws {@link PayloadError} (with the JSON path) when the
 * condition is malformed; the client never calls this on an unchecked condition.
 * @example evaluateCondition({ attribute: "appVersion", op: "semver_gte", value: "2.1.0" }, { appVersion: "2.10.0" }) // true
 */
export function evaluateCondition(condition: Condition, attributes: Attributes): boolean {
  let predicate = compiledCache.get(condition);
  if (!predicate) {
    const found = checkCondition(condition, "$");
    if (found) throw new PayloadError(found);
    predicate = compileCondition(condition);
    compiledCache.set(condition, predicate);
  }
  return predicate(attributes);
}
