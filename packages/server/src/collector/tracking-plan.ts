import { z } from "zod";
import type { Queryable } from "../db/database.js";

const propertySchema = z.object({
  type: z.enum(["string", "number", "boolean"]),
  required: z.boolean().default(false),
  enum: z.array(z.union([z.string(), z.number()])).optional(),
});

/** The schema of one product event: its `value` rule and its properties. */
export const eventSpecSchema = z.object({
  description: z.string().default(""),
  value: z.enum(["required", "optional", "forbidden"]).default("optional"),
  properties: z.record(z.string(), propertySchema).default({}),
  additional_properties: z.boolean().default(true),
});

/** A versioned tracking plan: which event names exist and what their properties look like. */
export const trackingPlanSchema = z.object({
  events: z.record(
    z.string().regex(/^[a-z][a-z0-9_.]{0,99}$/, "event names are lowercase identifiers"),
    eventSpecSchema,
  ),
});
export type TrackingPlan = z.output<typeof trackingPlanSchema>;

export interface VersionedTrackingPlan {
  readonly version: number;
  readonly plan: TrackingPlan;
}

/** Version 1, installed on first start: the events of the demo and of most web products. */
export const defaultTrackingPlan: TrackingPlan = trackingPlanSchema.parse({
  events: {
    session_start: { description: "A session began." },
    page_view: { description: "A page was shown.", properties: { path: { type: "string" } } },
    signup: { description: "An account was created." },
    add_to_cart: { description: "An item went into the cart.", properties: { sku: { type: "string" } } },
    purchase: {
      description: "An order was paid; value is the amount.",
      value: "required",
      properties: { currency: { type: "string" } },
    },
    refund: { description: "An order was refunded; value is the amount.", value: "optional" },
    click: { description: "A tracked click.", properties: { target: { type: "string" } } },
  },
});

/** The newest plan, creating version 1 from the default when there is none. */
export async function currentTrackingPlan(db: Queryable): Promise<VersionedTrackingPlan> {
  const { rows } = await db.query<{ version: number; plan: TrackingPlan }>(
    "select version, plan from tracking_plan order by version desc limit 1",
  );
  if (rows[0] !== undefined)
    return { version: rows[0].version, plan: trackingPlanSchema.parse(rows[0].plan) };
  await db.query(
    "insert into tracking_plan (version, plan, created_by) values (1, $1, 'assay') on conflict (version) do nothing",
    [JSON.stringify(defaultTrackingPlan)],
  );
  return { version: 1, plan: defaultTrackingPlan };
}

/** Stores a new plan version (the previous ones stay, for replaying old data). */
export async function publishTrackingPlan(
  db: Queryable,
  plan: TrackingPlan,
  actor: string,
): Promise<VersionedTrackingPlan> {
  const { rows } = await db.query<{ version: number }>(
    `insert into tracking_plan (version, plan, created_by)
     select coalesce(max(version), 0) + 1, $1, $2 from tracking_plan returning version`,
    [JSON.stringify(plan), actor],
  );
  return { version: rows[0]!.version, plan };
}

/**
 * Checks a product event against the plan; returns the field and reason of the first problem.
 * @example checkAgainstPlan(plan, "purchase", null, {}) // { field: "value", reason: "purchase requires a numeric value" }
 */
export function checkAgainstPlan(
  plan: TrackingPlan,
  name: string,
  value: number | null,
  properties: Record<string, unknown>,
): { field: string; reason: string } | undefined {
  const spec = plan.events[name];
  if (spec === undefined)
    return { field: "event_name", reason: `unknown event '${name}' (not in the tracking plan)` };
  if (spec.value === "required" && value === null)
    return { field: "value", reason: `${name} requires a numeric value` };
  if (spec.value === "forbidden" && value !== null)
    return { field: "value", reason: `${name} takes no value` };
  for (const [prop, rule] of Object.entries(spec.properties)) {
    const v = properties[prop];
    if (v === undefined || v === null) {
      if (rule.required) return { field: `properties.${prop}`, reason: "is required" };
      continue;
    }
    if (typeof v !== rule.type) return { field: `properties.${prop}`, reason: `must be a ${rule.type}` };
    if (rule.enum !== undefined && !rule.enum.includes(v as string | number)) {
      return { field: `properties.${prop}`, reason: `must be one of ${rule.enum.join(", ")}` };
    }
  }
  if (!spec.additional_properties) {
    for (const prop of Object.keys(properties)) {
      if (!(prop in spec.properties))
        return { field: `properties.${prop}`, reason: `is not in the plan of ${name}` };
    }
  }
  return undefined;
}

export interface TrackingPlanCache {
  get(): Promise<VersionedTrackingPlan>;
  /** Publishes a new version and serves it at once. */
  publish(plan: TrackingPlan, actor: string): Promise<VersionedTrackingPlan>;
}

/**
 * The current plan, read from the registry at most once per `ttlMs` (the collector checks every event
 * against it, so it must not cost a query per batch); this server's own publishes show at once.
 * @example const plans = createTrackingPlanCache(db, 1000); const { plan } = await plans.get();
 */
export function createTrackingPlanCache(db: Queryable, ttlMs: number): TrackingPlanCache {
  let cached: { at: number; value: Promise<VersionedTrackingPlan> } | undefined;
  return {
    get() {
      if (cached !== undefined && Date.now() - cached.at < ttlMs) return cached.value;
      const entry = { at: Date.now(), value: currentTrackingPlan(db) };
      cached = entry;
      entry.value.catch(() => {
        if (cached === entry) cached = undefined;
      });
      return entry.value;
    },
    async publish(plan, actor) {
      const published = await publishTrackingPlan(db, plan, actor);
      cached = { at: Date.now(), value: Promise.resolve(published) };
      return published;
    },
  };
}
