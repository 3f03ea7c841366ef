import { checkCondition, isPlainObject } from "./condition-check.js";
import type { PayloadProblem } from "./payload-problem.js";
import { type AssayPayload, PAYLOAD_FORMAT_VERSION } from "./payload-types.js";

/** The outcome of {@link validatePayload}: the typed payload, or the first problem with its JSON path. */
export type PayloadValidation = { ok: true; payload: AssayPayload } | { ok: false; problem: PayloadProblem };

class Found extends Error {
  constructor(readonly problem: PayloadProblem) {
    super(problem.message);
  }
}

function fail(path: string, message: string): never {
  throw new Found({ path, message });
}

function pathOf(base: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

function obj(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) fail(path, "must be an object");
  return value;
}

function str(o: Record<string, unknown>, key: string, path: string, nonEmpty = true): string {
  const v = o[key];
  if (typeof v !== "string" || (nonEmpty && v === "")) {
    fail(pathOf(path, key), nonEmpty ? "must be a non-empty string" : "must be a string");
  }
  return v;
}

function optStr(o: Record<string, unknown>, key: string, path: string): void {
  if (o[key] !== undefined && typeof o[key] !== "string") fail(pathOf(path, key), "must be a string");
}

function bool(o: Record<string, unknown>, key: string, path: string): boolean {
  if (typeof o[key] !== "boolean") fail(pathOf(path, key), "must be a boolean");
  return o[key];
}

function num(
  o: Record<string, unknown>,
  key: string,
  path: string,
  min: number,
  max: number,
  integer = false,
): number {
  const v = o[key];
  if (
    typeof v !== "number" ||
    !Number.isFinite(v) ||
    v < min ||
    v > max ||
    (integer && !Number.isInteger(v))
  ) {
    fail(pathOf(path, key), `must be ${integer ? "an integer" : "a number"} in [${min}, ${max}]`);
  }
  return v;
}

function arr(o: Record<string, unknown>, key: string, path: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(pathOf(path, key), "must be an array");
  return v;
}

function isJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1));
  if (isPlainObject(value)) return Object.values(value).every((v) => isJson(v, depth + 1));
  return false;
}

/** Does `value` fit a flag of `type`? */
export function isValueOfType(value: unknown, type: string): boolean {
  switch (type) {
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "json":
      return isJson(value);
    default:
      return false;
  }
}

function typedValue(value: unknown, type: string, path: string): void {
  if (value === undefined || !isValueOfType(value, type))
    fail(path, `must be a ${type} value (the flag's type)`);
}

const SEED_MAX = 4294967295;
const STATUSES = ["draft", "running", "paused", "completed", "archived"];
const FLAG_TYPES = ["boolean", "string", "number", "json"];

function keysOf(list: unknown[], path: string, what: string): Set<string> {
  const keys = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const item = obj(list[i], `${path}[${i}]`);
    const key = str(item, "key", `${path}[${i}]`);
    if (keys.has(key)) fail(`${path}[${i}].key`, `duplicate ${what} key "${key}"`);
    keys.add(key);
  }
  return keys;
}

function checkTargeting(t: Record<string, unknown>, path: string, segments: Set<string>): void {
  for (const key of ["includeSegments", "excludeSegments"]) {
    if (t[key] === undefined) continue;
    const list = arr(t, key, path);
    for (let i = 0; i < list.length; i++) {
      const ref = list[i];
      if (typeof ref !== "string" || !segments.has(ref)) {
        fail(`${pathOf(path, key)}[${i}]`, `must name a segment of $.segments (got ${JSON.stringify(ref)})`);
      }
    }
  }
  if (t.condition !== undefined) {
    const found = checkCondition(t.condition, pathOf(path, "condition"));
    if (found) throw new Found(found);
  }
}

function checkExperiment(
  e: Record<string, unknown>,
  path: string,
  segments: Set<string>,
  layers: Set<string>,
): void {
  if (typeof e.status !== "string" || !STATUSES.includes(e.status)) {
    fail(`${path}.status`, `must be one of ${STATUSES.join(", ")}`);
  }
  const variants = arr(e, "variants", path);
  if (variants.length < 2) fail(`${path}.variants`, "must have at least 2 variants");
  keysOf(variants, `${path}.variants`, "variant");
  let total = 0;
  let controls = 0;
  for (let i = 0; i < variants.length; i++) {
    const v = variants[i] as Record<string, unknown>;
    const vPath = `${path}.variants[${i}]`;
    total += num(v, "weight", vPath, 0, 100);
    if (bool(v, "isControl", vPath)) controls++;
    if (v.value !== undefined && !isJson(v.value)) fail(`${vPath}.value`, "must be a JSON value");
  }
  if (Math.abs(total - 100) > 1e-6)
    fail(`${path}.variants`, `weights must sum to 100 (they sum to ${total})`);
  if (controls !== 1)
    fail(`${path}.variants`, `exactly one variant must have isControl: true (found ${controls})`);
  str(e, "salt", path, false);
  num(e, "seed", path, 0, SEED_MAX, true);
  num(e, "iteration", path, 0, Number.MAX_SAFE_INTEGER, true);
  num(e, "coverage", path, 0, 100);
  if (e.minStickyIteration !== undefined)
    num(e, "minStickyIteration", path, 0, Number.MAX_SAFE_INTEGER, true);
  if (e.holdoutExempt !== undefined) bool(e, "holdoutExempt", path);
  if (e.layer !== undefined) {
    if (typeof e.layer !== "string" || !layers.has(e.layer))
      fail(`${path}.layer`, "must name a layer of $.layers");
  }
  checkTargeting(obj(e.targeting, `${path}.targeting`), `${path}.targeting`, segments);
  for (const key of ["name", "description", "hypothesis", "ownerTeam", "startAt", "endAt"])
    optStr(e, key, path);
  if (e.metadata !== undefined && (!isPlainObject(e.metadata) || !isJson(e.metadata))) {
    fail(`${path}.metadata`, "must be a JSON object");
  }
}

function checkLayers(layers: unknown[], experiments: Map<string, Record<string, unknown>>): void {
  for (let i = 0; i < layers.length; i++) {
    const path = `$.layers[${i}]`;
    const layer = layers[i] as Record<string, unknown>;
    str(layer, "salt", path, false);
    num(layer, "seed", path, 0, SEED_MAX, true);
    const allocations = arr(layer, "allocations", path);
    const ranges: Array<[number, number, string]> = [];
    for (let j = 0; j < allocations.length; j++) {
      const aPath = `${path}.allocations[${j}]`;
      const a = obj(allocations[j], aPath);
      const key = str(a, "experimentKey", aPath);
      const experiment = experiments.get(key);
      if (!experiment) fail(`${aPath}.experimentKey`, `names no experiment of $.experiments ("${key}")`);
      if (experiment.layer !== layer.key) {
        fail(`${aPath}.experimentKey`, `experiment "${key}" must have layer "${String(layer.key)}"`);
      }
      const start = num(a, "start", aPath, 0, 100);
      const end = num(a, "end", aPath, 0, 100);
      if (end <= start) fail(`${aPath}.end`, "must be greater than start");
      for (const [s, e, other] of ranges) {
        if (start < e && s < end)
          fail(aPath, `overlaps the allocation of "${other}": layer ranges must be disjoint`);
      }
      ranges.push([start, end, key]);
    }
  }
  for (const [key, e] of experiments) {
    if (e.layer === undefined) continue;
    const layer = layers.find((l) => (l as Record<string, unknown>).key === e.layer) as Record<
      string,
      unknown
    >;
    const allocations = layer.allocations as Array<Record<string, unknown>>;
    if (!allocations.some((a) => a.experimentKey === key)) {
      const index = layers.indexOf(layer);
      fail(`$.layers[${index}].allocations`, `has no allocation for experiment "${key}" of that layer`);
    }
  }
}

function checkFlag(
  f: Record<string, unknown>,
  path: string,
  segments: Set<string>,
  flagKeys: Set<string>,
  experiments: Map<string, Record<string, unknown>>,
): void {
  if (typeof f.type !== "string" || !FLAG_TYPES.includes(f.type)) {
    fail(`${path}.type`, `must be one of ${FLAG_TYPES.join(", ")}`);
  }
  const type = f.type;
  typedValue(f.defaultValue, type, `${path}.defaultValue`);
  bool(f, "enabled", path);
  bool(f, "killSwitch", path);
  const rules = arr(f, "rules", path);
  for (let i = 0; i < rules.length; i++) {
    const rPath = `${path}.rules[${i}]`;
    const rule = obj(rules[i], rPath);
    optStr(rule, "id", rPath);
    typedValue(rule.value, type, `${rPath}.value`);
    checkTargeting(rule, rPath, segments);
  }
  if (f.rollout !== null) {
    const rPath = `${path}.rollout`;
    const rollout = obj(f.rollout, rPath);
    num(rollout, "percentage", rPath, 0, 100);
    typedValue(rollout.value, type, `${rPath}.value`);
    optStr(rollout, "salt", rPath);
    if (rollout.seed !== undefined) num(rollout, "seed", rPath, 0, SEED_MAX, true);
  }
  const prerequisites = arr(f, "prerequisites", path);
  for (let i = 0; i < prerequisites.length; i++) {
    const pPath = `${path}.prerequisites[${i}]`;
    const p = obj(prerequisites[i], pPath);
    const key = str(p, "flagKey", pPath);
    if (!flagKeys.has(key)) fail(`${pPath}.flagKey`, `names no flag of $.flags ("${key}")`);
    if (p.value === undefined || !isJson(p.value)) fail(`${pPath}.value`, "must be a JSON value");
  }
  const overrides = arr(f, "overrides", path);
  const ids = new Set<string>();
  for (let i = 0; i < overrides.length; i++) {
    const oPath = `${path}.overrides[${i}]`;
    const o = obj(overrides[i], oPath);
    const id = str(o, "identityId", oPath);
    if (ids.has(id)) fail(`${oPath}.identityId`, `duplicate override for "${id}"`);
    ids.add(id);
    typedValue(o.value, type, `${oPath}.value`);
  }
  if (f.experimentKey !== undefined) {
    const key = f.experimentKey;
    const experiment = typeof key === "string" ? experiments.get(key) : undefined;
    if (!experiment) fail(`${path}.experimentKey`, "must name an experiment of $.experiments");
    const variants = experiment.variants as Array<Record<string, unknown>>;
    for (let i = 0; i < variants.length; i++) {
      if (!isValueOfType(variants[i]!.value, type)) {
        fail(
          `${path}.experimentKey`,
          `variant "${String(variants[i]!.key)}" of "${key}" needs a ${type} value`,
        );
      }
    }
  }
  optStr(f, "description", path);
}

/** Finds a prerequisite cycle; returns its flags in order (first repeated at the end) or undefined. */
function findCycle(flags: Array<Record<string, unknown>>): { index: number; cycle: string[] } | undefined {
  const edges = new Map<string, string[]>();
  for (const f of flags) {
    edges.set(
      f.key as string,
      (f.prerequisites as Array<Record<string, unknown>>).map((p) => p.flagKey as string),
    );
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (key: string): string[] | undefined => {
    state.set(key, 1);
    stack.push(key);
    for (const next of edges.get(key) ?? []) {
      const s = state.get(next);
      if (s === 1) return [...stack.slice(stack.indexOf(next)), next];
      if (s === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(key, 2);
    return undefined;
  };
  for (let i = 0; i < flags.length; i++) {
    const key = flags[i]!.key as string;
    if (state.get(key) === undefined) {
      const cycle = visit(key);
      if (cycle) return { index: flags.findIndex((f) => f.key === cycle[0]), cycle };
    }
  }
  return undefined;
}

/**
 * Checks a configuration payload (docs/sdk.md) and reports the first problem with its JSON path.
 * Never throws. The server validates with the same function before it serves a payload.
 * @example
 * const result = validatePayload(JSON.parse(text));
 * if (!result.ok) console.error(`${result.problem.path}: ${result.problem.message}`);
 */
export function validatePayload(input: unknown): PayloadValidation {
  try {
    const root = obj(input, "$");
    if (root.version !== PAYLOAD_FORMAT_VERSION) {
      fail("$.version", `must be ${PAYLOAD_FORMAT_VERSION} (the payload format this SDK reads)`);
    }
    str(root, "environment", "$");
    const generatedAt = str(root, "generatedAt", "$");
    if (Number.isNaN(Date.parse(generatedAt))) fail("$.generatedAt", "must be an ISO 8601 timestamp");
    optStr(root, "salt", "$");
    if (root.holdout !== undefined && root.holdout !== null) {
      const h = obj(root.holdout, "$.holdout");
      str(h, "key", "$.holdout");
      num(h, "percentage", "$.holdout", 0, 100);
      str(h, "salt", "$.holdout", false);
      num(h, "seed", "$.holdout", 0, SEED_MAX, true);
    }
    const layers = arr(root, "layers", "$");
    const layerKeys = keysOf(layers, "$.layers", "layer");
    const segments = arr(root, "segments", "$");
    const segmentKeys = keysOf(segments, "$.segments", "segment");
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i] as Record<string, unknown>;
      const found = checkCondition(s.condition, `$.segments[${i}].condition`);
      if (found) throw new Found(found);
      optStr(s, "description", `$.segments[${i}]`);
    }
    const experiments = arr(root, "experiments", "$");
    keysOf(experiments, "$.experiments", "experiment");
    const experimentByKey = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < experiments.length; i++) {
      const e = experiments[i] as Record<string, unknown>;
      checkExperiment(e, `$.experiments[${i}]`, segmentKeys, layerKeys);
      experimentByKey.set(e.key as string, e);
    }
    checkLayers(layers, experimentByKey);
    const flags = arr(root, "flags", "$");
    const flagKeys = keysOf(flags, "$.flags", "flag");
    for (let i = 0; i < flags.length; i++) {
      checkFlag(flags[i] as Record<string, unknown>, `$.flags[${i}]`, segmentKeys, flagKeys, experimentByKey);
    }
    const cycle = findCycle(flags as Array<Record<string, unknown>>);
    if (cycle)
      fail(`$.flags[${cycle.index}].prerequisites`, `prerequisite cycle: ${cycle.cycle.join(" -> ")}`);
    return { ok: true, payload: root as unknown as AssayPayload };
  } catch (error) {
    if (error instanceof Found) return { ok: false, problem: error.problem };
    return { ok: false, problem: { path: "$", message: `could not be checked (${String(error)})` } };
  }
}
