import type { Queryable } from "../db/database.js";
import { BadRequestError, ConflictError, NotFoundError } from "../http/http-error.js";
import { appendAudit } from "./audit-log.js";
import { type Principal, requireRole } from "./auth.js";
import type { FlagDefinition, MetricDefinition, SegmentDefinition } from "./definition-schemas.js";

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
  enabled: boolean;
  rollout_percentage: number;
  variation_value: FlagDefinition["default_value"] | null;
  targeting: FlagDefinition["targeting"];
  dependencies: FlagDefinition["dependencies"];
  experiment_key: string | null;
  killed: boolean;
  updated_at: Date;
}

const flagRow = (r: FlagRow) => ({
  key: r.flag_key,
  name: r.name,
  description: r.description,
  owner_team: r.owner_team,
  type: r.type,
  default_value: r.default_value,
  enabled: r.enabled,
  rollout_percentage: r.rollout_percentage,
  variation_value: r.variation_value,
  targeting: r.targeting,
  dependencies: r.dependencies,
  experiment_key: r.experiment_key,
  /** Off by its kill switch (restorable), as opposed to saved disabled. */
  killed: r.killed,
  updated_at: new Date(r.updated_at).toISOString(),
});
export type StoredFlag = ReturnType<typeof flagRow>;

export async function listFlags(tx: Queryable): Promise<StoredFlag[]> {
  const { rows } = await tx.query<FlagRow>("select * from feature_flag order by flag_key");
  return rows.map(flagRow);
}

export async function getFlag(tx: Queryable, key: string): Promise<StoredFlag> {
  const { rows } = await tx.query<FlagRow>("select * from feature_flag where flag_key = $1", [key]);
  if (rows[0] === undefined) throw new NotFoundError(`flag '${key}'`, "key");
  return flagRow(rows[0]);
}

/** Creates or replaces a flag; values must match its type and dependencies must name existing flags. */
export async function putFlag(tx: Queryable, principal: Principal, flag: FlagDefinition) {
  if (typeMismatch(flag.type, flag.default_value)) {
    throw new BadRequestError("default_value", `must be a ${flag.type}`);
  }
  if (flag.variation_value !== undefined && typeMismatch(flag.type, flag.variation_value)) {
    throw new BadRequestError("variation_value", `must be a ${flag.type}`);
  }
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
  return upsert(
    tx,
    principal,
    "flag",
    "feature_flag",
    "flag_key",
    flag.key,
    {
      name: flag.name ?? flag.key,
      description: flag.description,
      type: flag.type,
      default_value: JSON.stringify(flag.default_value),
      enabled: flag.enabled,
      rollout_percentage: flag.rollout_percentage,
      variation_value: flag.variation_value === undefined ? null : JSON.stringify(flag.variation_value),
      targeting: flag.targeting,
      dependencies: flag.dependencies,
      experiment_key: flag.experiment_key,
      // A save states `enabled` itself: whatever it says, the flag is no longer "off by its kill switch".
      killed: false,
    },
    () => getFlag(tx, flag.key),
  );
}
