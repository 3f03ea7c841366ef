import { z } from "zod";
import { conditionSchema, keySchema, targetingSchema } from "./experiment-schema.js";

const aggregation = z.enum(["conversion", "count", "sum"]);
const eventName = z.string().min(1).max(200);
const windowDays = z.number().int().positive().max(3650);

const display = {
  key: keySchema,
  name: z.string().min(1).optional(),
  description: z.string().default(""),
  unit: z.string().default(""),
};
/** Winsorization (docs/metrics.md): a fixed cap or the pooled percentile of the per-unit values. */
const capSchema = z.union([
  z.object({ absolute: z.number().positive().finite() }).strict(),
  z.object({ percentile: z.number().gt(0).lt(1) }).strict(),
]);

/**
 * A metric in the pipeline's `assay.yaml` form (docs/pipeline, docs/metrics.md), plus a display name. SQL-defined
 * sources (`source: {sql}`) are `assay.yaml`-only: a registry definition cannot run its own SQL on the warehouse.
 */
export const metricDefinitionSchema = z.discriminatedUnion("type", [
  z
    .object({
      ...display,
      type: aggregation,
      event: eventName,
      window_days: windowDays,
      cuped_pre_days: windowDays.optional(),
      cap: capSchema.optional(),
      cuped_covariates: z
        .object({
          metrics: z.array(keySchema).max(20).default([]),
          attributes: z.array(eventName).max(10).default([]),
        })
        .optional(),
    })
    .refine((m) => m.cap === undefined || m.type !== "conversion", {
      path: ["cap"],
      message: "cap applies to count, sum and ratio metrics",
    })
    .refine((m) => m.cuped_covariates === undefined || m.cuped_pre_days !== undefined, {
      path: ["cuped_covariates"],
      message: "needs cuped_pre_days",
    }),
  z.object({
    ...display,
    type: z.literal("ratio"),
    window_days: windowDays,
    numerator: z.object({ event: eventName, aggregation }),
    denominator: z.object({ event: eventName, aggregation }),
    cap: capSchema.optional(),
    cuped_pre_days: windowDays.optional(),
  }),
  z.object({
    ...display,
    type: z.literal("quantile"),
    quantile: z.number().gt(0).lt(1),
    of: z.enum(["unit", "event"]),
    event: eventName,
    window_days: windowDays,
  }),
  z
    .object({
      ...display,
      type: z.literal("retention"),
      event: eventName,
      from_day: z.number().int().min(0).max(3650),
      to_day: z.number().int().positive().max(3650),
    })
    .refine((m) => m.to_day > m.from_day, {
      path: ["to_day"],
      message: "to_day must be greater than from_day",
    }),
  z.object({
    ...display,
    type: z.literal("funnel"),
    steps: z.array(eventName).min(2).max(20),
    window_days: windowDays,
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
