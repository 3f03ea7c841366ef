import { z } from "zod";
import { keySchema } from "../registry/experiment-schema.js";

/** An SDK environment's name (as `?environment=` of the delivery routes). */
export const environmentNameSchema = z.string().regex(/^[a-z0-9_-]{1,64}$/, "must be a lowercase name");

/** One step of a ramp: from `at`, the flag serves its variation to `percentage` % of the identities. */
export const rolloutStepSchema = z.object({
  percentage: z.number().gt(0, "must be above 0").max(100, "must be at most 100"),
  at: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with a time zone" }),
});

/** A guardrail of a rollout: the always-valid guardrail rule of @assay/decisions over served vs. not served. */
export const rolloutGuardrailSchema = z.object({
  metric_key: keySchema,
  /** The good direction: `decrease` (refund rate) is harmed by a rise. */
  direction: z.enum(["increase", "decrease"]),
  /** Tolerated relative change in the bad direction (0.05 = 5 % worse). */
  threshold: z.number().min(0).max(100),
});

/**
 * `POST /api/flags/{key}/rollout`: percentages strictly increasing, times real, strictly increasing and (checked
 * against the server's clock at the route) in the future.
 */
export const rolloutInputSchema = z
  .object({
    environment: environmentNameSchema.default("production"),
    steps: z.array(rolloutStepSchema).min(1).max(20),
    guardrails: z.array(rolloutGuardrailSchema).max(20).default([]),
    /** Family-wise false-breach rate of the guardrails (default 0.05). */
    alpha: z.number().gt(0).lt(1).default(0.05),
  })
  .superRefine((input, ctx) => {
    input.steps.forEach((step, i) => {
      const previous = input.steps[i - 1];
      if (previous === undefined) return;
      if (step.percentage <= previous.percentage)
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "percentage"],
          message: `must be above the previous step's ${previous.percentage}`,
        });
      if (Date.parse(step.at) <= Date.parse(previous.at))
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "at"],
          message: `must be after the previous step's ${previous.at}`,
        });
    });
    const seen = new Set<string>();
    input.guardrails.forEach((g, i) => {
      if (seen.has(g.metric_key))
        ctx.addIssue({ code: "custom", path: ["guardrails", i, "metric_key"], message: "is listed twice" });
      seen.add(g.metric_key);
    });
  });
export type RolloutInput = z.output<typeof rolloutInputSchema>;

/** `?environment=` of the rollout routes. */
export const rolloutQuerySchema = z.object({ environment: environmentNameSchema.default("production") });

export const rolloutStatuses = ["scheduled", "running", "completed", "stopped", "cancelled"] as const;

/** Why a rollout stopped: a reason code and the numbers behind it. */
export const rolloutStopReasonSchema = z.object({
  code: z.enum(["guardrail_breach", "flag_killed", "flag_deleted"]),
  metric: z.string().optional(),
  variant: z.string().optional(),
  message: z.string(),
  values: z.record(z.string(), z.unknown()),
});
export type RolloutStopReason = z.output<typeof rolloutStopReasonSchema>;

/** A stored rollout schedule (`GET|POST|DELETE /api/flags/{key}/rollout`). */
export const rolloutResponseSchema = z.object({
  flag_key: z.string(),
  environment: z.string(),
  steps: z.array(z.object({ percentage: z.number(), at: z.string() })),
  guardrails: z.array(rolloutGuardrailSchema),
  alpha: z.number(),
  status: z.enum(rolloutStatuses),
  /** Index of the last step applied (-1: none yet). */
  current_step: z.number().int(),
  /** The next step's time, or null when none is due any more. */
  next_at: z.string().nullable(),
  before_state: z.record(z.string(), z.unknown()).nullable(),
  stop_reason: rolloutStopReasonSchema.nullable(),
  history: z.array(z.record(z.string(), z.unknown())),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Rollout = z.output<typeof rolloutResponseSchema>;
