import { z } from "zod";

const isoUtc = z
  .string()
  .refine((value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]00:?00)$/.test(value), {
    message: 'expected an ISO 8601 UTC time such as "2026-02-01T00:00:00Z"',
  })
  .refine((value) => !Number.isNaN(Date.parse(value)), { message: "not a valid calendar time" });

const identifier = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => [...value].every((ch) => ch.charCodeAt(0) >= 0x20), {
    message: "control characters are not allowed",
  });

const aggregation = z.enum(["conversion", "count", "sum"]);
const windowDays = z.number().int().positive().max(3650);
const cupedPreDays = z.number().int().positive().max(3650);

const variantSchema = z
  .object({
    id: identifier,
    allocation: z.number().positive(),
    control: z.boolean().optional(),
  })
  .strict();

const experimentSchema = z
  .object({
    id: identifier,
    start: isoUtc,
    end: isoUtc,
    variants: z.array(variantSchema).min(2),
    metrics: z.array(identifier).min(1),
  })
  .strict()
  .superRefine((experiment, ctx) => {
    if (Date.parse(experiment.start) >= Date.parse(experiment.end)) {
      ctx.addIssue({ code: "custom", path: ["end"], message: "end must be after start" });
    }
    const controls = experiment.variants.filter((variant) => variant.control === true).length;
    if (controls !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["variants"],
        message: `exactly one variant must have control: true (found ${controls})`,
      });
    }
    reportDuplicates(
      experiment.variants.map((variant) => variant.id),
      ["variants"],
      ctx,
    );
    reportDuplicates(experiment.metrics, ["metrics"], ctx);
  });

const simpleMetricSchema = z
  .object({
    id: identifier,
    type: aggregation,
    event: identifier,
    window_days: windowDays,
    cuped_pre_days: cupedPreDays.optional(),
  })
  .strict();

const ratioMetricSchema = z
  .object({
    id: identifier,
    type: z.literal("ratio"),
    window_days: windowDays,
    numerator: z.object({ event: identifier, aggregation }).strict(),
    denominator: z.object({ event: identifier, aggregation }).strict(),
  })
  .strict();

const metricSchema = z.discriminatedUnion("type", [simpleMetricSchema, ratioMetricSchema]);

const identitySchema = z
  .object({
    probabilistic: z
      .object({
        enabled: z.boolean(),
        min_confidence: z.number().gt(0).max(1).default(0.95),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The raw shape of `assay.yaml` (snake_case keys, as written by people). */
export const assayConfigSchema = z
  .object({
    experiments: z.array(experimentSchema).min(1),
    metrics: z.array(metricSchema).min(1),
    identity: identitySchema.optional(),
    /** User attributes to drill into (rows of `user_attributes`); absent = every attribute present in the data. */
    segment_attributes: z.array(identifier).optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    config.segment_attributes?.forEach((attribute, index) => {
      if (config.segment_attributes?.indexOf(attribute) !== index) {
        ctx.addIssue({
          code: "custom",
          path: ["segment_attributes", index],
          message: `duplicate attribute "${attribute}"`,
        });
      }
    });
    reportDuplicates(
      config.experiments.map((experiment) => experiment.id),
      ["experiments"],
      ctx,
    );
    reportDuplicates(
      config.metrics.map((metric) => metric.id),
      ["metrics"],
      ctx,
    );
    const known = new Set(config.metrics.map((metric) => metric.id));
    config.experiments.forEach((experiment, e) => {
      experiment.metrics.forEach((metricId, m) => {
        if (!known.has(metricId)) {
          ctx.addIssue({
            code: "custom",
            path: ["experiments", e, "metrics", m],
            message: `unknown metric "${metricId}" (not defined under metrics)`,
          });
        }
      });
    });
  });

export type AssayConfigInput = z.input<typeof assayConfigSchema>;

function reportDuplicates(
  ids: ReadonlyArray<string>,
  path: Array<string | number>,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    if (seen.has(id)) {
      ctx.addIssue({ code: "custom", path: [...path, index, "id"], message: `duplicate id "${id}"` });
    }
    seen.add(id);
  });
}

/** One side of a metric: which event, and how a unit's matching events become one number. */
export interface MeasureSpec {
  readonly event: string;
  readonly aggregation: "conversion" | "count" | "sum";
}

/** A metric in the normalized form the models use: mean metrics have no denominator. */
export interface MetricDefinition {
  readonly id: string;
  readonly kind: "mean" | "ratio";
  readonly type: "conversion" | "count" | "sum" | "ratio";
  readonly windowDays: number;
  readonly cupedPreDays: number | null;
  readonly numerator: MeasureSpec;
  readonly denominator: MeasureSpec | null;
}

export interface VariantDefinition {
  readonly id: string;
  readonly allocation: number;
  readonly isControl: boolean;
}

export interface ExperimentDefinition {
  readonly id: string;
  /** Inclusive start, epoch milliseconds UTC. */
  readonly startMs: number;
  /** Exclusive end, epoch milliseconds UTC. */
  readonly endMs: number;
  readonly variants: ReadonlyArray<VariantDefinition>;
  readonly metricIds: ReadonlyArray<string>;
}

/** Identity stitching options (docs/privacy.md): deterministic links always; probabilistic ones only if enabled. */
export interface IdentityConfig {
  readonly probabilistic: { readonly enabled: boolean; readonly minConfidence: number };
}

/** A validated, normalized pipeline configuration. */
export interface AssayConfig {
  readonly experiments: ReadonlyArray<ExperimentDefinition>;
  readonly metrics: ReadonlyArray<MetricDefinition>;
  /** Absent: deterministic stitching only. */
  readonly identity?: IdentityConfig;
  /**
   * The user attributes results are drilled into (`segment_attributes`); absent = every attribute in the
   * `user_attributes` input, empty = none. The pipeline resolves it before compiling the segment models.
   */
  readonly segmentAttributes?: ReadonlyArray<string>;
}

/** A configuration that does not validate; `issues` name each key path (`experiments[0].variants`). */
export class ConfigError extends Error {
  readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  readonly source: string;
  constructor(source: string, issues: ReadonlyArray<{ readonly path: string; readonly message: string }>) {
    super(
      `${source}: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ")}`,
    );
    this.name = "ConfigError";
    this.source = source;
    this.issues = issues;
  }
}

/** Renders a zod path the way a person reads YAML keys: `experiments[0].variants[1].allocation`. */
export function formatKeyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Validates a parsed `assay.yaml` document and normalizes it.
 * @example
 * const config = parseAssayConfig(YAML.parse(text), "assay.yaml");
 * config.experiments[0]?.variants.find((v) => v.isControl);
 */
export function parseAssayConfig(document: unknown, source = "assay.yaml"): AssayConfig {
  const parsed = assayConfigSchema.safeParse(document);
  if (!parsed.success) {
    throw new ConfigError(
      source,
      parsed.error.issues.map((issue) => ({ path: formatKeyPath(issue.path), message: issue.message })),
    );
  }
  const probabilistic = parsed.data.identity?.probabilistic;
  const segments = parsed.data.segment_attributes;
  return {
    ...(segments === undefined ? {} : { segmentAttributes: segments }),
    ...(probabilistic
      ? {
          identity: {
            probabilistic: { enabled: probabilistic.enabled, minConfidence: probabilistic.min_confidence },
          },
        }
      : {}),
    experiments: parsed.data.experiments.map((experiment) => ({
      id: experiment.id,
      startMs: Date.parse(experiment.start),
      endMs: Date.parse(experiment.end),
      variants: experiment.variants.map((variant) => ({
        id: variant.id,
        allocation: variant.allocation,
        isControl: variant.control === true,
      })),
      metricIds: experiment.metrics,
    })),
    metrics: parsed.data.metrics.map((metric): MetricDefinition => {
      if (metric.type === "ratio") {
        return {
          id: metric.id,
          kind: "ratio",
          type: "ratio",
          windowDays: metric.window_days,
          cupedPreDays: null,
          numerator: metric.numerator,
          denominator: metric.denominator,
        };
      }
      return {
        id: metric.id,
        kind: "mean",
        type: metric.type,
        windowDays: metric.window_days,
        cupedPreDays: metric.cuped_pre_days ?? null,
        numerator: { event: metric.event, aggregation: metric.type },
        denominator: null,
      };
    }),
  };
}
