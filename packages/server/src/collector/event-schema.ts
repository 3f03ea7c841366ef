import { z } from "zod";
import { calendarProblem } from "../http/admission.js";

const maxSkewMs = 24 * 3600 * 1000;
const timestamp = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 timestamp with a time zone" })
  .refine(
    (t) => calendarProblem(t) === undefined,
    "must be a real calendar date and time (no Feb 30, no 24:00)",
  )
  .refine((t) => {
    const ms = Date.parse(t);
    return ms >= Date.UTC(2000, 0, 1) && ms <= Date.now() + maxSkewMs;
  }, "must be after 2000-01-01 and at most one day in the future");

const common = {
  event_id: z.string().min(1, "is required").max(128),
  user_id: z.string().min(1, "is required").max(256),
  timestamp,
};

/** A product event (purchase, page_view, ...), checked further against the tracking plan. */
export const productEventSchema = z.object({
  type: z.literal("event"),
  ...common,
  event_name: z.string().min(1, "is required").max(100),
  value: z.number().finite().nullable().default(null),
  properties: z.record(z.string(), z.unknown()).default({}),
});

/** An exposure: the user saw `variant_id` of `experiment_id`. */
export const exposureEventSchema = z.object({
  type: z.literal("exposure"),
  ...common,
  experiment_id: z.string().min(1, "is required"),
  variant_id: z.string().min(1, "is required"),
});

const productFields = new Set([
  "type",
  "event_id",
  "user_id",
  "timestamp",
  "event_name",
  "value",
  "properties",
]);

/**
 * The SDK's wire format (`@assay/sdk` `createEventClient`) in the collector's shape: `event_time_utc` is the
 * time (`timestamp` is accepted as an alias and wins when both are sent); an untyped `exp.exposed` event with
 * an `experiment_id` is an exposure; a product event's other top-level fields (the SDK spreads `track`'s
 * properties into the event) are its properties.
 * @example normalizeWireEvent({ event_id: "e1", user_id: "u1", event_name: "purchase", event_time_utc: "2026-02-01T10:00:00Z", plan: "pro" })
 * // { type: "event", event_id: "e1", user_id: "u1", event_name: "purchase", timestamp: "2026-02-01T10:00:00Z", properties: { plan: "pro" } }
 */
export function normalizeWireEvent(v: unknown): unknown {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
  const { event_time_utc, ...e } = v as Record<string, unknown>;
  if (e.timestamp === undefined && event_time_utc !== undefined) e.timestamp = event_time_utc;
  if (e.type === undefined) {
    e.type = e.event_name === "exp.exposed" && e.experiment_id !== undefined ? "exposure" : "event";
  }
  if (e.type !== "event") return e;
  const extra = Object.keys(e).filter((k) => !productFields.has(k));
  if (extra.length === 0) return e;
  const properties =
    e.properties !== null && typeof e.properties === "object" && !Array.isArray(e.properties)
      ? { ...(e.properties as Record<string, unknown>) }
      : e.properties === undefined
        ? {}
        : e.properties;
  if (typeof properties !== "object" || properties === null) return e;
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(e)) {
    if (productFields.has(k)) out[k] = value;
    else (properties as Record<string, unknown>)[k] = value;
  }
  out.properties = properties;
  return out;
}

export const collectedEventSchema = z.preprocess(
  normalizeWireEvent,
  z.discriminatedUnion("type", [productEventSchema, exposureEventSchema]),
);
export type CollectedEvent = z.output<typeof collectedEventSchema>;

export const eventBatchSchema = z.object({
  events: z
    .array(z.unknown())
    .min(1, "needs at least one event")
    .max(10_000, "at most 10000 events per batch"),
});

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const hasOwn = Object.prototype.hasOwnProperty;
const shortString = (v: unknown, max: number): v is string =>
  typeof v === "string" && v.length > 0 && v.length <= max;

/**
 * The common case without zod: an event that is plainly valid (every field of the expected type) is returned
 * as `collectedEventSchema` would return it, in the collector's shape or the SDK's wire shape (`event_time_utc`,
 * properties spread at the top level; see `normalizeWireEvent`); anything else gives `undefined` and goes
 * through the schema, which names the field at fault.
 */
export function parseEventFast(raw: unknown): CollectedEvent | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const e = raw as Record<string, unknown>;
  const typed = "type" in e;
  if (!typed && e.event_name === "exp.exposed" && e.experiment_id !== undefined) return undefined;
  const type = typed ? e.type : "event";
  if (!shortString(e.event_id, 128) || !shortString(e.user_id, 256)) return undefined;
  const t = e.timestamp === undefined ? e.event_time_utc : e.timestamp;
  if (typeof t !== "string" || !isoTimestamp.test(t) || calendarProblem(t) !== undefined) return undefined;
  const ms = Date.parse(t);
  if (!(ms >= Date.UTC(2000, 0, 1) && ms <= Date.now() + maxSkewMs)) return undefined;
  if (type === "event") {
    if (!shortString(e.event_name, 100)) return undefined;
    const value = e.value === undefined ? null : e.value;
    if (value !== null && (typeof value !== "number" || !Number.isFinite(value))) return undefined;
    const given = e.properties === undefined ? {} : e.properties;
    if (typeof given !== "object" || given === null || Array.isArray(given)) return undefined;
    // zod's record drops an own `__proto__` key (it becomes the copy's prototype): left to the schema.
    if (hasOwn.call(given, "__proto__")) return undefined;
    let properties = given as Record<string, unknown>;
    let copied = false;
    for (const k in e) {
      if (!hasOwn.call(e, k) || productKeys.has(k) || k === "event_time_utc") continue;
      if (k === "__proto__") return undefined;
      if (!copied) {
        properties = { ...properties };
        copied = true;
      }
      properties[k] = e[k];
    }
    return {
      type: "event",
      event_id: e.event_id,
      user_id: e.user_id,
      timestamp: t,
      event_name: e.event_name,
      value,
      properties,
    };
  }
  return undefined;
}
const productKeys = new Set([
  "type",
  "event_id",
  "user_id",
  "timestamp",
  "event_name",
  "value",
  "properties",
]);
