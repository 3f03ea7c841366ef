import { z } from "zod";
import { conditionSchema, keySchema, targetingSchema } from "./experiment-schema.js";

const aggregation = z.enum(["conversion", "count", "sum"]);
const eventName = z.string().min(1).max(200);
const windowDays = z.number().int().positive().max(3650);

/** A metric in the pipeline's `assay.yaml` form (docs/pipeline), plus a display name. */
export const metricDefinitionSchema = z.discriminatedUnion("type", [
  z.object({
    key: keySchema,
    name: z.string().min(1).optional(),
    description: z.string().default(""),
    unit: z.string().default(""),
    type: aggregation,
    event: eventName,
    window_days: windowDays,
    cuped_pre_days: windowDays.optional(),
  }),
  z.object({
    key: keySchema,
    name: z.string().min(1).optional(),
    description: z.string().default(""),
    unit: z.string().default(""),
    type: z.literal("ratio"),
    window_days: windowDays,
    numerator: z.object({ event: eventName, aggregation }),
    denominator: z.object({ event: eventName, aggregation }),
  }),
]);
export type MetricDefinition = z.output<typeof metricDefinitionSchema>;

export const segmentSchema = z.object({
  key: keySchema,
  name: z.string().min(1).optional(),
  description: z.string().default(""),
  condition: conditionSchema,
  is_active: z.boolean().default(true),
});
export type SegmentDefinition = z.output<typeof segmentSchema>;

/** Any JSON value (a flag's value): one named schema, `JsonValue` in the OpenAPI document. */
export const jsonValueSchema = z.json();
const jsonValue = jsonValueSchema;

/**
 * A feature flag (seed 003 FeatureFlag) as written to one environment: `enabled`, `rollout_percentage`, `targeting`
 * and `overrides` are that environment's; type, values, dependencies and the linked experiment are the flag's own.
 */
export const flagSchema = z.object({
  key: keySchema,
  name: z.string().min(1).optional(),
  description: z.string().default(""),
  type: z.enum(["boolean", "string", "number", "json"]),
  default_value: jsonValue,
  enabled: z.boolean().default(false),
  rollout_percentage: z
    .number()
    .min(0, "must be between 0 and 100")
    .max(100, "must be between 0 and 100")
    .default(0),
  variation_value: jsonValue.optional(),
  targeting: targetingSchema.default({ include_segments: [], exclude_segments: [], condition: null }),
  dependencies: z.array(z.object({ flag_key: keySchema, value: jsonValue })).default([]),
  experiment_key: keySchema.nullable().default(null),
  /** Identities served a fixed value in this environment (server-side SDKs only: client keys never see them). */
  overrides: z
    .array(z.object({ identity_id: z.string().min(1).max(256), value: jsonValue }))
    .max(10_000, "at most 10000 overrides")
    .default([]),
});
export type FlagDefinition = z.output<typeof flagSchema>;

/** A file of definitions kept in git ("metrics as code"). */
export const definitionsFileSchema = z.object({
  metrics: z.array(metricDefinitionSchema).default([]),
  segments: z.array(segmentSchema).default([]),
  flags: z.array(flagSchema).default([]),
});
