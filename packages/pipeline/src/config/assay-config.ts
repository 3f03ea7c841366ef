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

const capSchema = z.union([
  z.object({ absolute: z.number().positive().finite() }).strict(),
  z.object({ percentile: z.number().gt(0).lt(1) }).strict(),
]);

/** The metric author's own query (docs/metrics.md): bounded, well-formed text; tabs and line breaks allowed. */
const sqlSourceSchema = z
  .object({
    sql: z
      .string()
      .min(1)
      .max(20_000)
      .refine(
        (value) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value),
        {
          message: "not well-formed Unicode (lone surrogate)",
        },
      )
      .refine((value) => [...value].every((ch) => ch.charCodeAt(0) >= 0x20 || "\t\n\r".includes(ch)), {
        message: "control characters are not allowed",
      }),
  })
  .strict();

const cupedCovariatesSchema = z
  .object({
    metrics: z.array(identifier).max(20).default([]),
    attributes: z.array(identifier).max(10).default([]),
  })
  .strict();

const simpleMetricSchema = z
  .object({
    id: identifier,
    type: aggregation,
    event: identifier.optional(),
    source: sqlSourceSchema.optional(),
    window_days: windowDays,
    cuped_pre_days: cupedPreDays.optional(),
    cap: capSchema.optional(),
    cuped_covariates: cupedCovariatesSchema.optional(),
  })
  .strict();

const ratioMetricSchema = z
  .object({
    id: identifier,
    type: z.literal("ratio"),
    window_days: windowDays,
    numerator: z.object({ event: identifier, aggregation }).strict(),
    denominator: z.object({ event: identifier, aggregation }).strict(),
    cap: capSchema.optional(),
    cuped_pre_days: cupedPreDays.optional(),
  })
  .strict();

const quantileMetricSchema = z
  .object({
    id: identifier,
    type: z.literal("quantile"),
    quantile: z.number().gt(0).lt(1),
    of: z.enum(["unit", "event"]),
    event: identifier.optional(),
    source: sqlSourceSchema.optional(),
    window_days: windowDays,
  })
  .strict();

const retentionMetricSchema = z
  .object({
    id: identifier,
    type: z.literal("retention"),
    event: identifier,
    from_day: z.number().int().min(0).max(3650),
    to_day: z.number().int().positive().max(3650),
  })
  .strict()
  .refine((metric) => metric.to_day > metric.from_day, {
    path: ["to_day"],
    message: "to_day must be greater than from_day",
  });

const funnelMetricSchema = z
  .object({
    id: identifier,
    type: z.literal("funnel"),
    steps: z.array(identifier).min(2).max(20),
    window_days: windowDays,
  })
  .strict();

const metricSchema = z.union([
  simpleMetricSchema,
  ratioMetricSchema,
  quantileMetricSchema,
  retentionMetricSchema,
  funnelMetricSchema,
]);

type RawMetric = z.output<typeof metricSchema>;

/** Rules across a metric's keys and across metrics (sources, caps, covariates), each issue at its key path. */
function checkMetric(
  metric: RawMetric,
  index: number,
  all: ReadonlyArray<RawMetric>,
  ctx: z.RefinementCtx,
): void {
  const at = (...path: Array<string | number>) => ["metrics", index, ...path];
  if (metric.type !== "ratio" && metric.type !== "retention" && metric.type !== "funnel") {
    if ((metric.event === undefined) === (metric.source === undefined)) {
      ctx.addIssue({ code: "custom", path: at("event"), message: "give exactly one of event or source" });
    }
  }
  if (metric.type === "conversion" && metric.cap !== undefined) {
    ctx.addIssue({ code: "custom", path: at("cap"), message: "cap applies to count, sum and ratio metrics" });
  }
  if (
    (metric.type === "conversion" || metric.type === "count" || metric.type === "sum") &&
    metric.cuped_covariates !== undefined
  ) {
    if (metric.cuped_pre_days === undefined) {
      ctx.addIssue({ code: "custom", path: at("cuped_covariates"), message: "needs cuped_pre_days" });
    }
    if (metric.source !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: at("cuped_covariates"),
        message: "not available on a SQL source",
      });
    }
    metric.cuped_covariates.metrics.forEach((id, m) => {
      const other = all.find((candidate) => candidate.id === id);
      if (
        !other ||
        !(other.type === "conversion" || other.type === "count" || other.type === "sum") ||
        other.event === undefined
      ) {
        ctx.addIssue({
          code: "custom",
          path: at("cuped_covariates", "metrics", m),
          message: `"${id}" is not a conversion, count or sum metric over an event`,
        });
      }
    });
  }
  if (
    (metric.type === "conversion" || metric.type === "count" || metric.type === "sum") &&
    metric.source !== undefined &&
    metric.cuped_pre_days !== undefined
  ) {
    ctx.addIssue({ code: "custom", path: at("cuped_pre_days"), message: "not available on a SQL source" });
  }
}

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
    for (const [index, metric] of config.metrics.entries()) checkMetric(metric, index, config.metrics, ctx);
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

/** One side of a metric: which event (or SQL source), and how a unit's matching rows become one number. */
export interface MeasureSpec {
  /** The event name; for a SQL source, the metric's id (the rows come from `sql`). */
  readonly event: string;
  readonly aggregation: "conversion" | "count" | "sum";
  /** `source: {sql}`: the metric author's query returning `user_id, event_time_utc, value`. */
  readonly sql?: string;
}

/** Winsorization of the per-unit values (docs/metrics.md): a fixed cap, or the pooled type-7 percentile. */
export type CapSpec = { readonly absolute: number } | { readonly percentile: number };

/** A metric in the normalized form the models use: mean metrics have no denominator. */
export interface MetricDefinition {
  readonly id: string;
  readonly kind: "mean" | "ratio" | "quantile";
  readonly type: "conversion" | "count" | "sum" | "ratio" | "quantile" | "retention" | "funnel";
  readonly windowDays: number;
  readonly cupedPreDays: number | null;
  readonly numerator: MeasureSpec;
  readonly denominator: MeasureSpec | null;
  /** On count, sum and a ratio's numerator. */
  readonly cap?: CapSpec;
  /** Extra CUPED covariates after the metric's own pre-period value (`cuped_covariates`). */
  readonly covariates?: {
    readonly metrics: ReadonlyArray<string>;
    readonly attributes: ReadonlyArray<string>;
  };
  /** `type: quantile`: p and whether values are per unit (their sum in the window) or per event. */
  readonly quantile?: { readonly p: number; readonly of: "unit" | "event" };
  /** `type: retention`: the window [anchor + fromDays, anchor + toDays). */
  readonly retention?: { readonly fromDays: number; readonly toDays: number };
  /** `type: funnel`: the ordered step events. */
  readonly funnelSteps?: ReadonlyArray<string>;
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
  /**
   * The values of each attribute a `cuped_covariates` list names, in byte order (one indicator per value but the
   * first); resolved from `user_attributes` by the pipeline before compiling, like `segmentAttributes`.
   */
  readonly attributeLevels?: Readonly<Record<string, ReadonlyArray<string>>>;
  /**
   * The end of the data a retention window must reach (epoch ms): set by the pipeline for a lake partition (the
   * end of day `dt`); absent = the latest event time of the input (docs/metrics.md, retention).
   */
  readonly dataHorizonMs?: number;
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
    metrics: parsed.data.metrics.map(normalizeMetric),
  };
}

function normalizeMetric(metric: RawMetric): MetricDefinition {
  const cap = "cap" in metric && metric.cap !== undefined ? { cap: metric.cap } : {};
  const side = (
    m: { event?: string | undefined; source?: { sql: string } | undefined },
    aggregation: MeasureSpec["aggregation"],
  ) =>
    m.source === undefined
      ? { event: m.event ?? metric.id, aggregation }
      : { event: metric.id, aggregation, sql: m.source.sql };
  switch (metric.type) {
    case "ratio":
      return {
        id: metric.id,
        kind: "ratio",
        type: "ratio",
        windowDays: metric.window_days,
        cupedPreDays: metric.cuped_pre_days ?? null,
        numerator: metric.numerator,
        denominator: metric.denominator,
        ...cap,
      };
    case "quantile":
      return {
        id: metric.id,
        kind: "quantile",
        type: "quantile",
        windowDays: metric.window_days,
        cupedPreDays: null,
        numerator: side(metric, "sum"),
        denominator: null,
        quantile: { p: metric.quantile, of: metric.of },
      };
    case "retention":
      return {
        id: metric.id,
        kind: "mean",
        type: "retention",
        windowDays: metric.to_day,
        cupedPreDays: null,
        numerator: { event: metric.event, aggregation: "conversion" },
        denominator: null,
        retention: { fromDays: metric.from_day, toDays: metric.to_day },
      };
    case "funnel":
      return {
        id: metric.id,
        kind: "mean",
        type: "funnel",
        windowDays: metric.window_days,
        cupedPreDays: null,
        numerator: { event: metric.steps[0] ?? metric.id, aggregation: "conversion" },
        denominator: null,
        funnelSteps: metric.steps,
      };
    default:
      return {
        id: metric.id,
        kind: "mean",
        type: metric.type,
        windowDays: metric.window_days,
        cupedPreDays: metric.cuped_pre_days ?? null,
        numerator: side(metric, metric.type),
        denominator: null,
        ...cap,
        ...(metric.cuped_covariates ? { covariates: metric.cuped_covariates } : {}),
      };
  }
}
