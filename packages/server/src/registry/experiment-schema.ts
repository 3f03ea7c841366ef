import { z } from "zod";
import { calendarProblem, urlProblem } from "../http/admission.js";

const keyPattern = /^[a-z][a-z0-9_-]{0,63}$/;
/** Keys of experiments, flags, metrics, segments and variants: lowercase identifiers. */
export const keySchema = z
  .string()
  .regex(keyPattern, "must be a lowercase identifier (a-z, 0-9, _ or -, starting with a letter, ≤ 64 chars)");

const isoDate = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 timestamp" })
  .refine(
    (t) => calendarProblem(t) === undefined,
    "must be a real calendar date and time (no Feb 30, no 24:00)",
  );

export const variantSchema = z.object({
  key: keySchema,
  allocation: z.number().min(0, "must be between 0 and 100").max(100, "must be between 0 and 100"),
  is_control: z.boolean().default(false),
  description: z.string().max(2000).default(""),
  configuration: z.record(z.string(), z.unknown()).default({}),
});

export const experimentMetricSchema = z.object({
  metric_key: keySchema,
  role: z.enum(["primary", "secondary", "guardrail"]),
  direction: z.enum(["increase", "decrease"]),
  threshold: z.number().nullable().default(null),
});

/** A targeting condition in the SDK's format (docs/sdk.md); checked further by `checkSdkCondition`. */
export const conditionSchema = z.record(z.string(), z.unknown());

export const targetingSchema = z.object({
  include_segments: z.array(keySchema).default([]),
  exclude_segments: z.array(keySchema).default([]),
  condition: conditionSchema.nullable().default(null),
});

export const powerAnalysisInputSchema = z.object({
  baseline_rate: z.number().gt(0, "must be in (0, 1)").lt(1, "must be in (0, 1)"),
  mde_abs: z.number().refine((v) => v !== 0, "must not be 0"),
  alpha: z.number().gt(0, "must be in (0, 1)").lt(1, "must be in (0, 1)").default(0.05),
  power: z.number().gt(0, "must be in (0, 1)").lt(1, "must be in (0, 1)").default(0.8),
});

/** An experiment as clients send it; cross-field rules (seed 003) are checked by `checkExperimentRules`. */
export const experimentInputSchema = z.object({
  key: keySchema,
  name: z.string().trim().min(1, "is required").max(200),
  description: z.string().max(10_000).default(""),
  hypothesis: z.string().max(10_000).default(""),
  type: z.enum(["ab", "feature"]).default("ab"),
  owner_team: z.string().trim().min(1, "is required"),
  variants: z.array(variantSchema),
  metrics: z.array(experimentMetricSchema),
  targeting: targetingSchema.default({ include_segments: [], exclude_segments: [], condition: null }),
  start_at: isoDate.nullable().default(null),
  end_at: isoDate.nullable().default(null),
  minimum_sample_size: z
    .number()
    .int()
    .positive("must be a positive integer")
    .max(2_147_483_647, "must be at most 2147483647")
    .nullable()
    .default(null),
  prereg_url: z
    .url({ message: "must be a URL" })
    .refine((u) => urlProblem(u) === undefined, "must be an http(s) URL")
    .nullable()
    .default(null),
  power_analysis: powerAnalysisInputSchema.nullable().default(null),
  assignment_salt: z.string().min(1).max(200).optional(),
  assignment_seed: z.number().int().min(0).max(0xffffffff).default(0),
  /** The environment the experiment runs in: only that environment's SDK payload carries it. */
  environment: keySchema.default("production"),
});
export type ExperimentInput = z.output<typeof experimentInputSchema>;

export type ExperimentPatch = {
  [K in Exclude<keyof ExperimentInput, "key" | "owner_team">]?: ExperimentInput[K] | undefined;
};

/** Fields a draft may change (PATCH); key and owner_team are fixed; absent fields keep their value (no defaults). */
export const experimentPatchSchema = z.object(
  Object.fromEntries(
    Object.entries(experimentInputSchema.omit({ key: true, owner_team: true }).shape).map(([name, field]) => [
      name,
      (field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType)).optional(),
    ]),
  ),
) as unknown as z.ZodType<ExperimentPatch>;

export const experimentStatuses = [
  "draft",
  "submitted",
  "approved",
  "running",
  "paused",
  "completed",
  "archived",
] as const;
export type ExperimentStatus = (typeof experimentStatuses)[number];

export const transitionSchema = z.object({ status: z.enum(experimentStatuses) });

export interface PowerAnalysis {
  readonly baseline_rate: number;
  readonly mde_abs: number;
  readonly alpha: number;
  readonly power: number;
  readonly n_per_variant: number;
  readonly computed_by: string;
}

export interface Experiment
  extends Omit<ExperimentInput, "power_analysis" | "assignment_salt" | "minimum_sample_size"> {
  readonly status: ExperimentStatus;
  readonly assignment_salt: string;
  readonly minimum_sample_size: number | null;
  readonly power_analysis: PowerAnalysis | null;
  readonly created_by: string;
  readonly submitted_by: string | null;
  readonly approved_by: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}
