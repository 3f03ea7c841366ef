import { z } from "zod";
import { decisionConfigSchema } from "./decision-config.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: identifiers must not carry control characters
const controlCharacter = /[\u0000-\u001f\u007f]/;
const keyMaxLength = 200;

/** Whether `s` is a valid key of a snapshot or an experiment: 1–200 characters, none of them a control character. */
export const isPolicyKey = (s: string): boolean =>
  s.length > 0 && s.length <= keyMaxLength && !controlCharacter.test(s);

const key = z
  .string()
  .min(1)
  .max(keyMaxLength)
  .refine((s) => !controlCharacter.test(s), "must not contain control characters");
const instant = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();
const finite = z.number().finite();

/** One variant of the experiment as the policy sees it. */
export const policyVariantSchema = z.object({
  key,
  weight: z.number().positive(),
  control: z.boolean().default(false),
});

/** One metric of the experiment's metrics contract. */
export const policyMetricSchema = z.object({
  key,
  role: z.enum(["primary", "secondary", "guardrail"]),
  kind: z.enum(["mean", "ratio"]),
  /** The good direction: `increase` means higher is better. */
  direction: z.enum(["increase", "decrease"]),
  /** Guardrails: the tolerated relative change in the bad direction (0.05 = 5 % worse is harm). */
  threshold: z.number().nonnegative().max(100).optional(),
});

/** The experiment's settings: what the decision policy reads besides the snapshot and its own state. */
export const policyExperimentSchema = z
  .object({
    variants: z.array(policyVariantSchema).min(2).max(50),
    metrics: z.array(policyMetricSchema).max(200),
    /** Planned units per variant (the power analysis' n or the minimum sample size); null: no plan. */
    planned_per_variant: z.number().int().positive().nullable().default(null),
    start_at: instant.nullable().default(null),
    end_at: instant.nullable().default(null),
    /** The lifecycle status; the fail-closed guard trips only a running experiment. */
    status: z.enum(["running", "paused", "completed"]).default("running"),
    /** For power monitoring (seed 002 §5); null: none. */
    power_analysis: z
      .object({
        baseline_rate: z.number().gt(0).lt(1),
        alpha: z.number().gt(0).lt(1),
        power: z.number().gt(0).lt(1),
      })
      .nullable()
      .default(null),
    decision_config: decisionConfigSchema.default(decisionConfigSchema.parse({})),
  })
  .superRefine((e, ctx) => {
    const keys = new Set<string>();
    e.variants.forEach((v, i) => {
      if (keys.has(v.key))
        ctx.addIssue({ code: "custom", path: ["variants", i, "key"], message: "is repeated" });
      keys.add(v.key);
    });
    if (e.variants.filter((v) => v.control).length !== 1) {
      ctx.addIssue({ code: "custom", path: ["variants"], message: "needs exactly one control variant" });
    }
    if (e.metrics.filter((m) => m.role === "primary").length > 1) {
      ctx.addIssue({ code: "custom", path: ["metrics"], message: "has more than one primary metric" });
    }
    e.metrics.forEach((m, i) => {
      if (m.role === "guardrail" && m.threshold === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["metrics", i, "threshold"],
          message: "is required for a guardrail",
        });
      }
    });
  });
export type PolicyExperiment = z.output<typeof policyExperimentSchema>;
export type PolicyExperimentInput = z.input<typeof policyExperimentSchema>;
export type PolicyMetric = z.output<typeof policyMetricSchema>;

/** Cumulative sufficient statistics of one arm of a mean metric (conversion: Σy = Σy² = conversions). */
export const meanArmSchema = z.object({ n: count, sum: finite, sum_squares: finite });
/** Cumulative sufficient statistics of one arm of a ratio metric Σnum/Σden over units. */
export const ratioArmSchema = z.object({
  n: count,
  sum_num: finite,
  sum_num_squares: finite,
  sum_den: finite,
  sum_den_squares: finite,
  sum_num_den: finite,
});
export type MeanArmStats = z.output<typeof meanArmSchema>;
export type RatioArmStats = z.output<typeof ratioArmSchema>;
export type ArmStats = MeanArmStats | RatioArmStats;

const meanFields = ["sum", "sum_squares"] as const;
const ratioFields = ["sum_num", "sum_num_squares", "sum_den", "sum_den_squares", "sum_num_den"] as const;

/**
 * One arm, mean or ratio: one object schema with every field optional and a check that one set is complete
 * (a union would parse every mean arm twice, building an error for the ratio branch each time).
 */
export const armSchema = z
  .object({
    n: count,
    sum: finite.optional(),
    sum_squares: finite.optional(),
    sum_num: finite.optional(),
    sum_num_squares: finite.optional(),
    sum_den: finite.optional(),
    sum_den_squares: finite.optional(),
    sum_num_den: finite.optional(),
  })
  .check((ctx) => {
    const arm = ctx.value as Record<string, unknown>;
    const complete = (fields: ReadonlyArray<string>) => fields.every((f) => arm[f] !== undefined);
    if (!complete(meanFields) && !complete(ratioFields)) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message:
          "needs sum and sum_squares (mean) or sum_num, sum_num_squares, sum_den, sum_den_squares, sum_num_den (ratio)",
      });
    }
  })
  .transform((arm) => arm as ArmStats);

/**
 * One scheduled run's view of the data (decisions-contract.md): cumulative per-variant sufficient statistics of
 * the analysis mode, cumulative canonical (ITT) units per variant, and data-quality problems.
 */
export const policySnapshotSchema = z.object({
  at: instant,
  units: z.record(key, count),
  metrics: z.record(key, z.record(key, armSchema)).default({}),
  /** Problems that make the result untrustworthy (failed data tests, broken exposure logging). */
  data_quality: z.array(z.string().max(2000)).max(100).default([]),
});
export type PolicySnapshot = z.output<typeof policySnapshotSchema>;
export type PolicySnapshotInput = z.input<typeof policySnapshotSchema>;
