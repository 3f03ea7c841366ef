import { z } from "zod";

const schedule = z.union([
  z.object({
    name: z.string().min(1).max(40),
    every_minutes: z.number().int().min(1).max(10_080),
  }),
  z.object({
    name: z.string().min(1).max(40),
    at_utc: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (UTC)"),
  }),
]);
export type ScheduleSpec = z.output<typeof schedule>;

/**
 * How the primary metric is analysed: `always_valid` (a confidence sequence: any look is safe; the default for
 * new experiments), `group_sequential` (Lan–DeMets boundaries at the planned looks of `sequential`), or
 * `fixed_horizon` (one test when the planned sample or end is reached; no ship/roll back before).
 */
export const analysisMethods = ["always_valid", "group_sequential", "fixed_horizon"] as const;
export type AnalysisMethod = (typeof analysisMethods)[number];

/** Per-experiment decision settings (`PUT /api/experiments/{key}/decision-config`). */
export const decisionConfigSchema = z.object({
  method: z.enum(analysisMethods).default("always_valid"),
  /** Family-wise error rate of the primary metric's decision (always_valid and fixed_horizon). */
  alpha: z.number().gt(0).lt(0.5).default(0.05),
  /** Default: hourly and nightly (02:00 UTC). The nightly run also does power monitoring. */
  schedules: z
    .array(schedule)
    .min(1)
    .default([
      { name: "hourly", every_minutes: 60 },
      { name: "nightly", at_utc: "02:00" },
    ]),
  sequential: z
    .object({
      method: z.enum(["pocock_spending", "obrien_fleming_spending"]).default("pocock_spending"),
      alpha: z.number().gt(0).lt(0.5).default(0.05),
      looks: z
        .array(z.number().gt(0).max(1))
        .min(1)
        .refine((l) => l.every((t, i) => i === 0 || t > (l[i - 1] ?? 0)), "must increase")
        .refine((l) => l.at(-1) === 1, "the last look must be at 1")
        .default([0.2, 0.4, 0.6, 0.8, 1]),
    })
    .default({ method: "pocock_spending", alpha: 0.05, looks: [0.2, 0.4, 0.6, 0.8, 1] }),
  /** Guardrails: one family (every guardrail × treatment), its false-trip rate under continuous monitoring. */
  guardrails: z.object({ alpha: z.number().gt(0).lt(0.5).default(0.05) }).default({ alpha: 0.05 }),
  srm: z
    .object({
      /** Alert level of the sequential SRM test (always-valid p below it). */
      threshold: z.number().gt(0).lt(1).default(0.01),
      /** Kept so that configs written for the old interval rule still parse; the sequential test needs no streak. */
      consecutive: z.number().int().min(1).max(100).default(3),
    })
    .default({ threshold: 0.01, consecutive: 3 }),
  /** Cohort the decisions read: intention-to-treat (default) or exposed units. */
  analysis_mode: z.enum(["itt", "exposed"]).default("itt"),
  /** Trip the fail-closed guard automatically on a guardrail breach (default true). */
  auto_fail_closed: z.boolean().default(true),
  retry: z
    .object({
      attempts: z.number().int().min(1).max(10).default(3),
      backoff_ms: z.number().int().min(0).max(3_600_000).default(60_000),
    })
    .default({ attempts: 3, backoff_ms: 60_000 }),
});
export type DecisionConfig = z.output<typeof decisionConfigSchema>;

export const defaultDecisionConfig: DecisionConfig = decisionConfigSchema.parse({});
