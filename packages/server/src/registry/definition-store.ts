import type { Queryable } from "../db/database.js";
import { BadRequestError, ConflictError, NotFoundError } from "../http/http-error.js";
import { appendAudit } from "./audit-log.js";
import { type Principal, requireRole } from "./auth.js";
import type { FlagDefinition, MetricDefinition, SegmentDefinition } from "./definition-schemas.js";
import { defaultEnvironment } from "./environment-store.js";

function typeMismatch(type: FlagDefinition["type"], value: unknown): boolean {
  if (type === "boolean") return typeof value !== "boolean";
  if (type === "string") return typeof value !== "string";
  if (type === "number") return typeof value !== "number";
  return false;
}

async function upsert(
  tx: Queryable,
  principal: Principal,
  entityType: string,
  table: string,
  keyColumn: string,
  key: string,
  columns: Record<string, unknown>,
  read: () => Promise<unknown>,
): Promise<unknown> {
  requireRole(principal, "editor");
  const before =
    (await tx.query(`select 1 from ${table} where ${keyColumn} = $1`, [key])).rows.length > 0
      ? await read()
      : null;
  const names = Object.keys(columns);
  const values = Object.values(columns).map((v) =>
    v !== null && typeof v === "object" ? JSON.stringify(v) : v,
  );
  const placeholders = names.map((_, i) => `$${i + 3}`);
  try {
    await tx.query(
      `insert into ${table} (${keyColumn}, owner_team, ${names.join(", ")}) values ($1, $2, ${placeholders.join(", ")})
       on conflict (${keyColumn}) do update set ${names.map((n) => `${n} = excluded.${n}`).join(", ")}, updated_at = now()`,
      [key, principal.team, ...values],
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 42501: row-level security refused the update, i.e. another team owns the key.
    if (code === "42501" || code === "23505")
      throw new ConflictError(`${entityType} key '${key}' is taken by another team`, "key");
    throw error;
  }
  const after = await read();
  await appendAudit(tx, principal, {
    entityType,
    entityKey: key,
    action: before === null ? "create" : "update",
    before,
    after,
  });
  return after;
}

const metricRow = (r: {
  metric_key: string;
  name: string;
  definition: Record<string, unknown>;
  source: string;
}) => ({
  ...r.definition,
  key: r.metric_key,
  name: r.name,
  source: r.source,
});

export async function listMetricDefinitions(tx: Queryable): Promise<Array<ReturnType<typeof metricRow>>> {
  const { rows } = await tx.query<Parameters<typeof metricRow>[0]>(
    "select metric_key, name, definition, source from metric_definition order by metric_key",
  );
  return rows.map(metricRow);
}

export async function getMetricDefinition(tx: Queryable, key: string): Promise<ReturnType<typeof metricRow>> {
  const { rows } = await tx.query<Parameters<typeof metricRow>[0]>(
    "select metric_key, name, definition, source from metric_definition where metric_key = $1",
    [key],
  );
  if (rows[0] === undefined) throw new NotFoundError(`metric '${key}'`, "key");
  return metricRow(rows[0]);
}

/** Creates or replaces a metric definition owned by the caller's team (audited). */
export function putMetricDefinition(
  tx: Queryable,
  principal: Principal,
  metric: MetricDefinition,
  source = "api",
) {
  const { key, name, ...definition } = metric;
  return upsert(
    tx,
    principal,
    "metric",
    "metric_definition",
    "metric_key",
    key,
    { name: name ?? key, definition, source },
    () => getMetricDefinition(tx, key),
  );
}

const segmentRow = (r: {
  segment_key: string;
  name: string;
  conditions: Record<string, unknown>;
  is_active: boolean;
}) => ({
  key: r.segment_key,
  name: r.name,
  ...(r.conditions as { condition: unknown; description: string }),
  is_active: r.is_active,
});

export async function listSegments(tx: Queryable): Promise<Array<ReturnType<typeof segmentRow>>> {
  const { rows } = await tx.query<Parameters<typeof segmentRow>[0]>(
    "select segment_key, name, conditions, is_active from segment order by segment_key",
  );
  return rows.map(segmentRow);
}

export async function getSegment(tx: Queryable, key: string): Promise<ReturnType<typeof segmentRow>> {
  const { rows } = await tx.query<Parameters<typeof segmentRow>[0]>(
    "select segment_key, name, conditions, is_active from segment where segment_key = $1",
    [key],
  );
  if (rows[0] === undefined) throw new NotFoundError(`segment '${key}'`, "key");
  return segmentRow(rows[0]);
}

export function putSegment(tx: Queryable, principal: Principal, segment: SegmentDefinition) {
  return upsert(
    tx,
    principal,
    "segment",
    "segment",
    "segment_key",
    segment.key,
    {
      name: segment.name ?? segment.key,
      conditions: { condition: segment.condition, description: segment.description },
      is_active: segment.is_active,
    },
    () => getSegment(tx, segment.key),
  );
}

interface FlagRow {
  flag_key: string;
  name: string;
  description: string;
  owner_team: string;
  type: FlagDefinition["type"];
  default_value: FlagDefinition["default_value"];
  variation_value: FlagDefinition["default_value"] | null;
  dependencies: FlagDefinition["dependencies"];
  experiment_key: string | null;
  environment: string;
  enabled: boolean | null;
  killed: boolean | null;
  rollout_percentage: number | null;
  targeting: FlagDefinition["targeting"] | null;
  overrides: FlagDefinition["overrides"] | null;
  updated_at: Date;
}

const emptyTargeting: FlagDefinition["targeting"] = {
  include_segments: [],
  exclude_segments: [],
  condition: null,
};

// A flag without a row for an environment (created elsewhere, or the environment added later) is off there.
const flagRow = (r: FlagRow) => ({
  key: r.flag_key,
  name: r.name,
  description: r.description,
  owner_team: r.owner_team,
  type: r.type,
  default_value: r.default_value,
  variation_value: r.variation_value,
  dependencies: r.dependencies,
  experiment_key: r.experiment_key,
  /** The environment the state below belongs to. */
  environment: r.environment,
  enabled: r.enabled ?? false,
  /** Off by its kill switch (restorable), as opposed to saved disabled. */
  killed: r.killed ?? false,
  rollout_percentage: r.rollout_percentage ?? 0,
  targeting: r.targeting ?? emptyTargeting,
  overrides: r.overrides ?? [],
  updated_at: new Date(r.updated_at).toISOString(),
});
/** A flag as it stands in one environment. */
export type StoredFlag = ReturnType<typeof flagRow>;

// The flag joined with its state in environment $1; updated_at is the later of the flag's and the state's change.
const selectFlags = `
  select f.flag_key, f.name, f.description, f.owner_team, f.type, f.default_value, f.variation_value, f.dependencies,
    f.experiment_key, $1::text as environment, s.enabled, s.killed, s.rollout_percentage, s.targeting, s.overrides,
    greatest(f.updated_at, s.updated_at) as updated_at
  from feature_flag f left join flag_environment s on s.flag_key = f.flag_key and s.environment_key = $1`;

/**
 * The team's flags as they stand in `environment` (default production).
 * @example await listFlags(tx, "staging")
 */
export async function listFlags(
  tx: Queryable,
  environment: string = defaultEnvironment,
): Promise<StoredFlag[]> {
  const { rows } = await tx.query<FlagRow>(`${selectFlags} order by f.flag_key`, [environment]);
  return rows.map(flagRow);
}

/** Every flag in every one of `environments`, by environment: what a snapshot builds its payloads from. */
export async function listFlagsByEnvironment(
  tx: Queryable,
  environments: ReadonlyArray<string>,
): Promise<Map<string, StoredFlag[]>> {
  const out = new Map<string, StoredFlag[]>();
  for (const environment of environments) out.set(environment, await listFlags(tx, environment));
  return out;
}

/** One flag in `environment`; 404 naming `key` when the team has no such flag. */
export async function getFlag(
  tx: Queryable,
  key: string,
  environment: string = defaultEnvironment,
): Promise<StoredFlag> {
  const { rows } = await tx.query<FlagRow>(`${selectFlags} where f.flag_key = $2`, [environment, key]);
  if (rows[0] === undefined) throw new NotFoundError(`flag '${key}'`, "key");
  return flagRow(rows[0]);
}

/** The input a stored flag would be written with: what change requests and copies compare and store. */
export function flagDefinitionOf(flag: StoredFlag): FlagDefinition {
  return {
    key: flag.key,
    name: flag.name,
    description: flag.description,
    type: flag.type,
    default_value: flag.default_value,
    enabled: flag.enabled,
    rollout_percentage: flag.rollout_percentage,
    ...(flag.variation_value === null ? {} : { variation_value: flag.variation_value }),
    targeting: flag.targeting,
    dependencies: flag.dependencies,
    experiment_key: flag.experiment_key,
    overrides: flag.overrides,
  };
}

/** Checks a flag's values against its type and the registry (400 naming the field). */
export async function checkFlag(tx: Queryable, flag: FlagDefinition): Promise<void> {
  if (typeMismatch(flag.type, flag.default_value)) {
    throw new BadRequestError("default_value", `must be a ${flag.type}`);
  }
  if (flag.variation_value !== undefined && typeMismatch(flag.type, flag.variation_value)) {
    throw new BadRequestError("variation_value", `must be a ${flag.type}`);
  }
  const seen = new Set<string>();
  flag.overrides.forEach((o, i) => {
    if (seen.has(o.identity_id))
      throw new BadRequestError(`overrides[${i}].identity_id`, `'${o.identity_id}' is overridden twice`);
    seen.add(o.identity_id);
    if (typeMismatch(flag.type, o.value))
      throw new BadRequestError(`overrides[${i}].value`, `must be a ${flag.type}`);
  });
  const existing = new Set(
    (await tx.query<{ flag_key: string }>("select flag_key from feature_flag")).rows.map((r) => r.flag_key),
  );
  flag.dependencies.forEach((d, i) => {
    if (d.flag_key === flag.key)
      throw new BadRequestError(`dependencies[${i}].flag_key`, "a flag cannot depend on itself");
    if (!existing.has(d.flag_key))
      throw new BadRequestError(`dependencies[${i}].flag_key`, `unknown flag '${d.flag_key}'`);
  });
  if (flag.experiment_key !== null) {
    const found = await tx.query("select 1 from experiment_registry where experiment_key = $1", [
      flag.experiment_key,
    ]);
    if (found.rows.length === 0)
      throw new BadRequestError("experiment_key", `unknown experiment '${flag.experiment_key}'`);
  }
}

/**
 * Writes a flag and its state in one environment inside the caller's transaction, without the role check or the
 * audit entry (the callers do both: a direct write, an applied change request, a copy). `killed` is cleared: a write
 * states `enabled` itself.
 */
export async function writeFlag(
  tx: Queryable,
  team: string,
  flag: FlagDefinition,
  environment: string,
): Promise<void> {
  await checkFlag(tx, flag);
  try {
    await tx.query(
      `insert into feature_flag (flag_key, owner_team, name, description, type, default_value, variation_value,
         dependencies, experiment_key)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (flag_key) do update set name = excluded.name, description = excluded.description,
         type = excluded.type, default_value = excluded.default_value, variation_value = excluded.variation_value,
         dependencies = excluded.dependencies, experiment_key = excluded.experiment_key, updated_at = now()`,
      [
        flag.key,
        team,
        flag.name ?? flag.key,
        flag.description,
        flag.type,
        JSON.stringify(flag.default_value),
        flag.variation_value === undefined ? null : JSON.stringify(flag.variation_value),
        JSON.stringify(flag.dependencies),
        flag.experiment_key,
      ],
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 42501: row-level security refused the update, i.e. another team owns the key.
    if (code === "42501" || code === "23505")
      throw new ConflictError(`flag key '${flag.key}' is taken by another team`, "key");
    throw error;
  }
  await writeFlagState(tx, team, flag.key, environment, {
    enabled: flag.enabled,
    killed: false,
    rollout_percentage: flag.rollout_percentage,
    targeting: flag.targeting,
    overrides: flag.overrides,
  });
}

/** Replaces a flag's state in one environment. */
export async function writeFlagState(
  tx: Queryable,
  team: string,
  key: string,
  environment: string,
  state: Pick<StoredFlag, "enabled" | "killed" | "rollout_percentage" | "targeting" | "overrides">,
): Promise<void> {
  await tx.query(
    `insert into flag_environment (flag_key, environment_key, owner_team, enabled, killed, rollout_percentage,
       targeting, overrides)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (flag_key, environment_key) do update set enabled = excluded.enabled, killed = excluded.killed,
       rollout_percentage = excluded.rollout_percentage, targeting = excluded.targeting,
       overrides = excluded.overrides, updated_at = now()`,
    [
      key,
      environment,
      team,
      state.enabled,
      state.killed,
      state.rollout_percentage,
      JSON.stringify(state.targeting),
      JSON.stringify(state.overrides),
    ],
  );
}

/**
 * Creates or replaces a flag and its state in `environment` (editor, audited as `create`/`update` with the flag
 * in that environment before and after). A new flag is off in every other environment.
 * @example await putFlag(tx, p, flag, "staging");
 */
export async function putFlag(
  tx: Queryable,
  principal: Principal,
  flag: FlagDefinition,
  environment: string = defaultEnvironment,
): Promise<StoredFlag> {
  requireRole(principal, "editor");
  const before = await getFlag(tx, flag.key, environment).catch((error: unknown) => {
    if (error instanceof NotFoundError) return null;
    throw error;
  });
  await writeFlag(tx, principal.team, flag, environment);
  const after = await getFlag(tx, flag.key, environment);
  await appendAudit(tx, principal, {
    entityType: "flag",
    entityKey: flag.key,
    action: before === null ? "create" : "update",
    before,
    after,
  });
  return after;
}
