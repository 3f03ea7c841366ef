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

/**
 * The team's newest plan: its own, else the shared plan published before plans were per team (`owner_team ''`),
 * else version 1 from the default (created as the shared fallback).
 */
export async function currentTrackingPlan(db: Queryable, team: string): Promise<VersionedTrackingPlan> {
  const { rows } = await db.query<{ version: number; plan: TrackingPlan }>(
    `select version, plan from tracking_plan where owner_team = $1 or owner_team = ''
     order by (owner_team = $1) desc, version desc limit 1`,
    [team],
  );
  if (rows[0] !== undefined)
    return { version: rows[0].version, plan: trackingPlanSchema.parse(rows[0].plan) };
  await db.query(
    "insert into tracking_plan (owner_team, version, plan, created_by) values ('', 1, $1, 'assay') on conflict (owner_team, version) do nothing",
    [JSON.stringify(defaultTrackingPlan)],
  );
  return { version: 1, plan: defaultTrackingPlan };
}

/** Stores a new version of the team's plan (the previous ones stay, for replaying old data; other teams' are untouched). */
export async function publishTrackingPlan(
  db: Queryable,
  team: string,
  plan: TrackingPlan,
  actor: string,
): Promise<VersionedTrackingPlan> {
  const { rows } = await db.query<{ version: number }>(
    `insert into tracking_plan (owner_team, version, plan, created_by)
     select $1, coalesce(max(version), 0) + 1, $2, $3 from tracking_plan where owner_team = $1 or owner_team = ''
     returning version`,
    [team, JSON.stringify(plan), actor],
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
  get(team: string): Promise<VersionedTrackingPlan>;
  /** Publishes a new version of the team's plan and serves it at once. */
  publish(team: string, plan: TrackingPlan, actor: string): Promise<VersionedTrackingPlan>;
}

/**
 * Each team's current plan, read from the registry at most once per `ttlMs` (the collector checks every event
 * against it, so it must not cost a query per batch); this server's own publishes show at once.
 * @example const plans = createTrackingPlanCache(db, 1000); const { plan } = await plans.get("growth");
 */
export function createTrackingPlanCache(db: Queryable, ttlMs: number): TrackingPlanCache {
  const cache = new Map<string, { at: number; value: Promise<VersionedTrackingPlan> }>();
  return {
    get(team) {
      const cached = cache.get(team);
      if (cached !== undefined && Date.now() - cached.at < ttlMs) return cached.value;
      const entry = { at: Date.now(), value: currentTrackingPlan(db, team) };
      cache.set(team, entry);
      entry.value.catch(() => {
        if (cache.get(team) === entry) cache.delete(team);
      });
      return entry.value;
    },
    async publish(team, plan, actor) {
      const published = await publishTrackingPlan(db, team, plan, actor);
      cache.set(team, { at: Date.now(), value: Promise.resolve(published) });
      return published;
    },
  };
}
