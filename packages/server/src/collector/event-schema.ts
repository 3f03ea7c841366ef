import { z } from "zod";

const maxSkewMs = 24 * 3600 * 1000;
const timestamp = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 timestamp with a time zone" })
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

export const collectedEventSchema = z.preprocess(
  (v) => (v !== null && typeof v === "object" && !("type" in v) ? { ...v, type: "event" } : v),
  z.discriminatedUnion("type", [productEventSchema, exposureEventSchema]),
);
export type CollectedEvent = z.output<typeof collectedEventSchema>;

export const eventBatchSchema = z.object({
  events: z
    .array(z.unknown())
    .min(1, "needs at least one event")
    .max(10_000, "at most 10000 events per batch"),
});
