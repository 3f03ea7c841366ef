import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { checkCondition } from "@assay/sdk";
import YAML from "yaml";
import type { Database } from "../db/database.js";
import { formatFieldPath } from "../http/parse-input.js";
import type { Principal } from "./auth.js";
import {
  definitionsFileSchema,
  type FlagDefinition,
  type MetricDefinition,
  type SegmentDefinition,
} from "./definition-schemas.js";
import {
  getFlag,
  getMetricDefinition,
  getSegment,
  putFlag,
  putMetricDefinition,
  putSegment,
} from "./definition-store.js";
import { withTeam } from "./team-scope.js";

/** A definitions file that does not load: names the file and the key path (`metrics[1].window_days`). */
export class DefinitionsError extends Error {
  readonly file: string;
  readonly field: string;
  constructor(file: string, field: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${field === "" ? "" : `${field}: `}${message}`, options);
    this.name = "DefinitionsError";
    this.file = file;
    this.field = field;
  }
}

interface Located<T> {
  readonly file: string;
  readonly path: string;
  readonly value: T;
}

export interface Definitions {
  readonly metrics: ReadonlyArray<Located<MetricDefinition>>;
  readonly segments: ReadonlyArray<Located<SegmentDefinition>>;
  readonly flags: ReadonlyArray<Located<FlagDefinition>>;
}

/**
 * Reads every `*.yaml` / `*.yml` file of `dir` (sorted by name), each `{metrics, segments, flags}` as
 * in `definitionsFileSchema`. A key defined twice (in one file or two) is an error naming both places.
 * @example const defs = await readDefinitionsDir("./definitions");
 */
export async function readDefinitionsDir(dir: string): Promise<Definitions> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (cause) {
    throw new DefinitionsError(dir, "", `cannot read the folder (${(cause as Error).message})`, { cause });
  }
  const out = { metrics: [], segments: [], flags: [] } as {
    metrics: Located<MetricDefinition>[];
    segments: Located<SegmentDefinition>[];
    flags: Located<FlagDefinition>[];
  };
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    let document: unknown;
    try {
      document = YAML.parse(await readFile(file, "utf8"));
    } catch (cause) {
      throw new DefinitionsError(file, "", `invalid YAML: ${(cause as Error).message}`, { cause });
    }
    const parsed = definitionsFileSchema.safeParse(document ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = formatFieldPath(issue.path);
      throw new DefinitionsError(file, field === "body" ? "" : field, issue.message);
    }
    for (const kind of ["metrics", "segments", "flags"] as const) {
      parsed.data[kind].forEach((value, i) => {
        const path = `${kind}[${i}]`;
        const id = `${kind}:${value.key}`;
        const where = seen.get(id);
        if (where !== undefined) {
          throw new DefinitionsError(file, `${path}.key`, `'${value.key}' is already defined at ${where}`);
        }
        seen.set(id, `${basename(file)} ${path}`);
        if (kind === "segments") {
          const problem = checkCondition((value as SegmentDefinition).condition, "condition");
          if (problem !== undefined)
            throw new DefinitionsError(file, `${path}.${problem.path}`, problem.message);
        }
        if (kind === "flags") {
          const condition = (value as FlagDefinition).targeting.condition;
          const problem = condition === null ? undefined : checkCondition(condition, "targeting.condition");
          if (problem !== undefined)
            throw new DefinitionsError(file, `${path}.${problem.path}`, problem.message);
        }
        (out[kind] as Located<typeof value>[]).push({ file, path, value });
      });
    }
  }
  return out;
}

/** JSON with sorted keys, for comparing a stored definition with a file's. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** Whether `stored` already holds every field of `wanted` (undefined fields match a stored null). */
function holds(stored: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).every(([k, v]) =>
    v === undefined ? stored[k] === undefined || stored[k] === null : canonical(stored[k]) === canonical(v),
  );
}

const tryGet = async <T>(get: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await get();
  } catch {
    return undefined;
  }
};

/**
 * Writes loaded definitions into `team`'s registry (audited as `definitions:<file>`); unchanged ones are
 * left alone, so a restart adds no audit entries. Metrics are stored with `source: "code"`.
 * @returns how many definitions were created or changed.
 */
export async function applyDefinitions(
  db: Database,
  team: string,
  definitions: Definitions,
): Promise<number> {
  let changed = 0;
  const principal = (file: string): Principal => ({
    keyId: "definitions",
    actor: `definitions:${basename(file)}`,
    team,
    role: "admin",
  });
  const wrap = async (item: Located<unknown>, op: () => Promise<unknown>) => {
    try {
      await op();
      changed++;
    } catch (error) {
      const field = (error as { field?: string }).field;
      throw new DefinitionsError(
        item.file,
        field === undefined || field === "body" ? item.path : `${item.path}.${field}`,
        (error as Error).message,
        { cause: error },
      );
    }
  };
  await withTeam(db, team, async (tx) => {
    for (const item of definitions.metrics) {
      const m = item.value;
      const stored = await tryGet(() => getMetricDefinition(tx, m.key));
      const { key: _key, name: _name, source: _source, ...storedDefinition } = stored ?? {};
      const { key: _k, name, ...definition } = m;
      const same =
        stored !== undefined &&
        stored.source === "code" &&
        stored.name === (name ?? m.key) &&
        canonical(storedDefinition) === canonical(JSON.parse(JSON.stringify(definition)));
      if (!same) await wrap(item, () => putMetricDefinition(tx, principal(item.file), m, "code"));
    }
    for (const item of definitions.segments) {
      const s = item.value;
      const stored = await tryGet(() => getSegment(tx, s.key));
      if (stored === undefined || !holds(stored, { ...s, name: s.name ?? s.key })) {
        await wrap(item, () => putSegment(tx, principal(item.file), s));
      }
    }
    // Flags in dependency order: a flag is written once the flags it depends on exist.
    const pending = [...definitions.flags];
    const known = new Set<string>();
    while (pending.length > 0) {
      const ready = pending.findIndex((item) =>
        item.value.dependencies.every(
          (d) => known.has(d.flag_key) || !pending.some((p) => p.value.key === d.flag_key),
        ),
      );
      const item = pending.splice(ready === -1 ? 0 : ready, 1)[0]!;
      const f = item.value;
      const stored = await tryGet(() => getFlag(tx, f.key));
      if (stored === undefined || !holds(stored, { ...f, name: f.name ?? f.key })) {
        await wrap(item, () => putFlag(tx, principal(item.file), f));
      }
      known.add(f.key);
    }
  });
  return changed;
}
