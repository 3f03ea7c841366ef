import { analysisMethods, reasonCodes } from "@assay/decisions";
import { z } from "zod";
import { jsonValueSchema } from "../registry/definition-schemas.js";
import { experimentStatuses } from "../registry/experiment-schema.js";
import { guardrailVerdictStatuses } from "../results/guardrail-verdicts.js";

// The JSON the API answers with, as zod schemas: the OpenAPI document's response components are generated from
// them (`buildOpenApiDocument`), and the dashboard's types from that document (packages/web/src/api/openapi-types.ts).
// Tests parse real responses with them, so they cannot drift from what the server sends.

const role = z.enum(["primary", "secondary", "guardrail"]);
const direction = z.enum(["increase", "decrease"]);
const analysisMode = z.enum(["itt", "exposed"]);
const interval = z.object({ low: z.number().nullable(), high: z.number().nullable() });
const record = (value: z.ZodType) => z.record(z.string(), value);

export const experimentStatusSchema = z.enum(experimentStatuses);

export const variantResponseSchema = z.object({
  key: z.string(),
  allocation: z.number(),
  is_control: z.boolean(),
  description: z.string(),
  configuration: record(z.unknown()),
});

export const experimentMetricResponseSchema = z.object({
  metric_key: z.string(),
  role,
  direction,
  threshold: z.number().nullable(),
});

export const targetingResponseSchema = z.object({
  include_segments: z.array(z.string()),
  exclude_segments: z.array(z.string()),
  condition: record(z.unknown()).nullable(),
});

export const powerAnalysisResponseSchema = z.object({
  baseline_rate: z.number(),
  mde_abs: z.number(),
  alpha: z.number(),
  power: z.number(),
  n_per_variant: z.number(),
  computed_by: z.string(),
});

/** One row of `fct_experiment_results`; the control row's comparison columns are null. */
export const resultRowSchema = z.object({
  experiment_id: z.string(),
  metric_id: z.string(),
  analysis_mode: analysisMode,
  variation_id: z.string(),
  is_control: z.boolean(),
  n_users: z.number(),
  mean: z.number().nullable(),
  uplift_abs: z.number().nullable(),
  uplift_rel: z.number().nullable(),
  p_value_two_sided: z.number().nullable(),
  ci_low: z.number().nullable(),
  ci_high: z.number().nullable(),
  cuped_theta: z.number().nullable(),
  cuped_uplift_abs: z.number().nullable(),
  cuped_p_value: z.number().nullable(),
  cuped_ci_low: z.number().nullable(),
  cuped_ci_high: z.number().nullable(),
  cuped_variance_reduction_pct: z.number().nullable(),
  // docs/pipeline.md's metric-type columns (absent from partitions written before them).
  cuped_applied: z.boolean().nullable().optional(),
  cuped_thetas: z.string().nullable().optional(),
  cap_value: z.number().nullable().optional(),
  covariate_cap_value: z.number().nullable().optional(),
  excluded_units: z.number().nullable().optional(),
  step_units: z.string().nullable().optional(),
  n_values: z.number().nullable().optional(),
  order_lower: z.number().nullable().optional(),
  order_upper: z.number().nullable().optional(),
  quantile_se: z.number().nullable().optional(),
  design_effect: z.number().nullable().optional(),
});

/** One row of `fct_experiment_exposure_quality_daily`. */
export const exposureQualityDaySchema = z.object({
  date_day: z.string(),
  assigned_units: z.number(),
  exposed_units: z.number(),
  exposure_rate: z.number().nullable(),
  exposure_rows: z.number(),
  valid_exposure_rows: z.number(),
  orphan_exposure_rows: z.number(),
  pre_assignment_exposure_units: z.number(),
  variant_mismatch_units: z.number(),
  multi_variation_exposure_units: z.number(),
  exposure_outside_window_units: z.number(),
});

/** `quality_report.json` → `experiments[key]`. */
export const experimentQualitySchema = z.object({
  raw_assignment_rows: z.number(),
  unknown_variant_assignment_rows: z.number(),
  assignment_rows_outside_window: z.number(),
  canonical_units: z.number(),
  assignment_conflict_units: z.number(),
  exposed_units: z.number(),
  pre_assignment_exposure_units: z.number(),
  variant_mismatch_units: z.number(),
  multi_variation_exposure_units: z.number(),
  exposure_outside_window_units: z.number(),
  orphan_exposure_rows: z.number(),
  srm_p_value_itt: z.number().nullable(),
  srm_p_value_exposed: z.number().nullable(),
  srm_detected_itt: z.boolean().optional(),
  srm_detected_exposed: z.boolean().optional(),
  units_by_variant_itt: record(z.number()).optional(),
  units_by_variant_exposed: record(z.number()).optional(),
  exposure_rate: z.number().nullable().optional(),
  low_exposure_rate_days: z.array(z.string()).optional(),
});

/** `GET /api/experiments` → `experiments[].results`: enough for a list row without a summary call. */
export const experimentListResultsSchema = z.object({
  dt: z.string(),
  results: z.array(resultRowSchema),
  quality: experimentQualitySchema.nullable(),
  badges: z.object({ srm: z.boolean(), guardrail_breach: z.boolean(), data_quality: z.boolean() }),
  badge_reasons: z.array(z.string()),
  guardrails_evaluated_at: z.string().nullable().optional(),
  /** The decision engine's latest decision (null: not evaluated yet), the row's verdict. */
  decision: z
    .object({
      status: z.enum(["ship", "roll_back", "keep_running", "inconclusive"]),
      evaluated_at: z.string(),
      method: z.string().nullable(),
    })
    .nullable()
    .optional(),
});

/** An experiment of the registry (`GET /api/experiments/{key}`; in the list with its `results`). */
export const experimentResponseSchema = z.object({
  key: z.string(),
  name: z.string(),
  description: z.string(),
  hypothesis: z.string(),
  type: z.enum(["ab", "feature"]),
  owner_team: z.string(),
  status: experimentStatusSchema,
  variants: z.array(variantResponseSchema),
  metrics: z.array(experimentMetricResponseSchema),
  targeting: targetingResponseSchema,
  start_at: z.string().nullable(),
  end_at: z.string().nullable(),
  minimum_sample_size: z.number().nullable(),
  prereg_url: z.string().nullable(),
  power_analysis: powerAnalysisResponseSchema.nullable(),
  assignment_salt: z.string(),
  assignment_seed: z.number(),
  /** The environment it runs in (only that environment's SDK payload carries it). */
  environment: z.string(),
  created_by: z.string(),
  submitted_by: z.string().nullable(),
  approved_by: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  results: experimentListResultsSchema.nullable().optional(),
});

export const experimentListSchema = z.object({ experiments: z.array(experimentResponseSchema) });

/** One point of the cumulative series: the estimate as of the end of a day, with the sequential boundary. */
export const cumulativePointSchema = z.object({
  date_day: z.string(),
  n_users: z.number(),
  uplift_abs: z.number().nullable(),
  ci_low: z.number().nullable(),
  ci_high: z.number().nullable(),
  bound_low: z.number().nullable().optional(),
  bound_high: z.number().nullable().optional(),
});

export const cumulativeSeriesSchema = z.object({
  metric_id: z.string(),
  variation_id: z.string(),
  analysis_mode: analysisMode,
  points: z.array(cumulativePointSchema),
});

/** The summary's `segments`: attributes available for a drill-down, or why there are none. */
export const segmentsInfoSchema = z.union([
  z.object({
    available: z.literal(true),
    attributes: z.array(z.string()),
    values: record(z.array(z.string())).optional(),
    dt: z.string().optional(),
    adjustment: z.enum(["holm", "bh"]).optional(),
    note: z.string().optional(),
  }),
  z.object({ available: z.literal(false), reason: z.string() }),
]);

export const segmentComparisonSchema = z.object({
  variant: z.string(),
  n: z.number(),
  mean: z.number().nullable(),
  uplift_abs: z.number().nullable(),
  uplift_rel: z.number().nullable(),
  ci: interval,
  p_value: z.number().nullable(),
  p_value_adjusted: z.number().nullable(),
  significant: z.boolean(),
  cuped: z.boolean(),
});

/** `GET /api/experiments/{key}/segments/{attribute}`: an exploratory drill-down. */
export const segmentResultsSchema = z.object({
  experiment_key: z.string(),
  attribute: z.string(),
  analysis_mode: analysisMode,
  cuped: z.boolean(),
  alpha: z.number(),
  dt: z.string(),
  values: z.array(z.string()),
  adjustment: z.object({ method: z.enum(["holm", "bh"]), family: z.string() }),
  exploratory: z.literal(true),
  note: z.string(),
  metric_types: record(z.string()),
  metrics: z.array(
    z.object({
      metric_key: z.string(),
      role: role.nullable(),
      direction: direction.nullable(),
      segments: z.array(
        z.object({
          value: z.string(),
          n: record(z.number()),
          control: z.object({ variant: z.string(), n: z.number(), mean: z.number().nullable() }).nullable(),
          comparisons: z.array(segmentComparisonSchema),
        }),
      ),
    }),
  ),
});

/** `GET /api/experiments/{key}/decision` (docs/decisions.md): the decision service's latest decision. */
export const decisionResponseSchema = z.object({
  experiment_key: z.string(),
  experiment_status: z.string(),
  status: z.enum(["ship", "roll_back", "keep_running", "inconclusive"]),
  /** The policy's reasons (docs/decisions.md): a stable code, its numbers, and the words the policy wrote. */
  reasons: z.array(
    z.object({
      kind: z.enum(["primary", "guardrail", "srm", "data_quality", "power"]),
      severity: z.enum(["ok", "warning", "blocking"]),
      code: z.enum(reasonCodes),
      metric: z.string().optional(),
      variant: z.string().optional(),
      values: record(z.union([z.number(), z.string(), z.null()])),
      message: z.string(),
    }),
  ),
  evaluated_at: z.string().nullable(),
  run_id: z.number().nullable(),
  fail_closed: z.object({ active: z.boolean(), tripped_at: z.string() }).nullable(),
  details: record(z.unknown()),
});

export const guardrailVerdictStatusSchema = z.enum(guardrailVerdictStatuses);

/** The summary's `guardrails`: the decision engine's latest stored verdict per guardrail metric and treatment. */
export const summaryGuardrailsSchema = z.object({
  source: z.literal("decision_engine"),
  evaluated_at: z.string().nullable(),
  results_dt: z.string().nullable(),
  fail_closed: z
    .object({
      active: z.boolean(),
      tripped_at: z.string(),
      message: z.string().nullable(),
      cleared_at: z.string().nullable(),
    })
    .nullable(),
  metrics: z.array(
    z.object({
      metric_key: z.string(),
      direction,
      threshold: z.number(),
      status: guardrailVerdictStatusSchema,
      variants: z.array(
        z.object({
          variant: z.string(),
          status: guardrailVerdictStatusSchema,
          relative_harm: z.number().nullable(),
          z: z.number().nullable(),
          boundary: z.number().nullable(),
          /** Always-valid p of "harm ≤ threshold", and the always-valid lower bound of the harm. */
          p_value: z.number().nullable(),
          harm_lower_bound: z.number().nullable(),
          reason: z.string(),
        }),
      ),
      reason: z.string().nullable(),
    }),
  ),
});

/** The summary's `analysis`: the experiment's analysis method, whose interval decisions act on. */
export const analysisInfoSchema = z.object({
  method: z.enum(analysisMethods),
  label: z.string(),
  alpha: z.number(),
  note: z.string(),
  /** False for a fixed-horizon interval before the planned end: not for acting on yet. */
  final: z.boolean(),
});

/** One treatment's interval and p-value under the experiment's analysis method. */
export const methodInferenceSchema = z.object({
  p_value: z.number().nullable(),
  ci: interval,
  rel_ci: interval,
  boundary: z.number().nullable(),
});

const summaryVariantSchema = z.object({
  variant: z.string(),
  is_control: z.boolean(),
  n: z.number(),
  mean: z.number().nullable(),
  uplift_abs: z.number().nullable(),
  uplift_rel: z.number().nullable(),
  p_value: z.number().nullable(),
  ci: interval,
  /** The method's numbers (null for the control); `p_value` and `ci` above are the fixed-sample ones. */
  inference: methodInferenceSchema.nullable(),
  cuped: z.object({
    theta: z.number().nullable(),
    uplift_abs: z.number().nullable(),
    p_value: z.number().nullable(),
    ci: interval,
    variance_reduction_pct: z.number().nullable(),
  }),
  /** docs/metrics.md's per-variant figures: caps, retention's excluded units, funnel steps, quantile summaries. */
  details: z
    .object({
      cap_value: z.number().nullable(),
      covariate_cap_value: z.number().nullable(),
      excluded_units: z.number().nullable(),
      step_units: z.array(z.number()).nullable(),
      n_values: z.number().nullable(),
      order_lower: z.number().nullable(),
      order_upper: z.number().nullable(),
      quantile_se: z.number().nullable(),
      design_effect: z.number().nullable(),
      cuped_applied: z.boolean().nullable(),
      cuped_thetas: z.array(z.number()).nullable(),
    })
    .optional(),
});

/** `summary.metrics[]`: per metric of the results, its role and each variant in both analysis modes. */
export const summaryMetricSchema = z.object({
  metric_key: z.string(),
  role: role.nullable(),
  direction: direction.nullable(),
  threshold: z.number().nullable(),
  itt: z.array(summaryVariantSchema),
  exposed: z.array(summaryVariantSchema),
});

/** `GET /api/experiments/{key}/summary` (the parts the dashboard draws; docs/server.md has the rest). */
export const experimentSummarySchema = z.object({
  analysis: analysisInfoSchema.optional(),
  metrics: z.array(summaryMetricSchema).optional(),
  experiment_key: z.string(),
  computed_at: z.string().nullable().optional(),
  data_window: z.object({ start: z.string().nullable(), end: z.string(), dt: z.string() }).optional(),
  alpha: z.number().optional(),
  results: z.array(resultRowSchema),
  quality: experimentQualitySchema.nullable(),
  exposure_daily: z.array(exposureQualityDaySchema).optional(),
  cumulative: z.array(cumulativeSeriesSchema).optional(),
  segments: segmentsInfoSchema.optional(),
  decision: decisionResponseSchema.nullable().optional(),
  guardrails: summaryGuardrailsSchema.optional(),
  metric_types: record(
    z.enum(["conversion", "count", "sum", "ratio", "quantile", "retention", "funnel"]),
  ).optional(),
});

const flagOverrideSchema = z.object({ identity_id: z.string(), value: jsonValueSchema });

/** A stored feature flag as it stands in one environment (`GET /api/flags`, `GET|PUT /api/flags/{key}`). */
export const flagResponseSchema = z.object({
  key: z.string(),
  name: z.string().optional(),
  description: z.string(),
  owner_team: z.string().optional(),
  type: z.enum(["boolean", "string", "number", "json"]),
  default_value: jsonValueSchema,
  /** The environment the state below (enabled, killed, rollout, targeting, overrides) belongs to. */
  environment: z.string(),
  enabled: z.boolean(),
  rollout_percentage: z.number(),
  variation_value: jsonValueSchema.optional(),
  targeting: targetingResponseSchema,
  overrides: z.array(flagOverrideSchema),
  dependencies: z.array(z.object({ flag_key: z.string(), value: jsonValueSchema })),
  experiment_key: z.string().nullable(),
  /** Off by its kill switch (only such a flag can be restored), as opposed to saved disabled. */
  killed: z.boolean(),
  updated_at: z.string().optional(),
});

/** Why a listed flag is stale (`GET /api/flags`): not evaluated, or else not changed, for `stale_after_days`. */
export const flagStalenessSchema = z.object({
  /** The last evaluation on record (`not_evaluated`) or the last change (`not_changed`), ISO 8601 UTC. */
  since: z.string(),
  reason: z.enum(["not_evaluated", "not_changed"]),
});

/** `GET /api/flags`: each flag with its stale mark (null: not stale). */
export const flagListSchema = z.object({
  environment: z.string(),
  flags: z.array(flagResponseSchema.extend({ stale: flagStalenessSchema.nullable() })),
});

/** A team's environment (`GET /api/environments`). */
export const environmentResponseSchema = z.object({
  key: z.string(),
  name: z.string(),
  requires_review: z.boolean(),
  builtin: z.boolean(),
});
export const environmentListSchema = z.object({ environments: z.array(environmentResponseSchema) });

/** A flag's state as a change request stores it: the flag definition in the environment, and whether killed. */
const flagStateSchema = z.object({
  key: z.string(),
  name: z.string().optional(),
  description: z.string(),
  type: z.enum(["boolean", "string", "number", "json"]),
  default_value: jsonValueSchema,
  enabled: z.boolean(),
  rollout_percentage: z.number(),
  variation_value: jsonValueSchema.optional(),
  targeting: targetingResponseSchema,
  overrides: z.array(flagOverrideSchema),
  dependencies: z.array(z.object({ flag_key: z.string(), value: jsonValueSchema })),
  experiment_key: z.string().nullable(),
  killed: z.boolean(),
});

/** A flag change request (`/api/change-requests`). */
export const changeRequestResponseSchema = z.object({
  id: z.number(),
  flag_key: z.string(),
  environment: z.string(),
  status: z.enum(["open", "applied", "rejected"]),
  comment: z.string(),
  proposed_by: z.string(),
  proposed_at: z.string(),
  base: flagStateSchema,
  proposed: flagStateSchema,
  diff: z.array(z.object({ field: z.string(), before: jsonValueSchema, after: jsonValueSchema })),
  /** Open, and the flag changed since it was proposed: approving it answers 409. */
  stale: z.boolean(),
  decided_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  decision_note: z.string().nullable(),
});
export const changeRequestListSchema = z.object({ change_requests: z.array(changeRequestResponseSchema) });
/** `POST /api/change-requests/{id}/approve`: the applied change request and the flag after it. */
export const changeRequestApprovalSchema = z.object({
  change_request: changeRequestResponseSchema,
  flag: flagResponseSchema,
});

/** `POST /api/flags/{key}/copy`: applied, or proposed as a change request when the target requires review. */
export const flagCopyResultSchema = z.object({
  applied: z.boolean(),
  flag: flagResponseSchema,
  change_request: changeRequestResponseSchema.nullable(),
});

/** `POST /api/environments/{key}/sdk-keys` (the secret is shown once). */
export const sdkKeyResponseSchema = z.object({
  key_id: z.string(),
  secret: z.string(),
  environment: z.string(),
  kind: z.enum(["server", "client"]),
  name: z.string(),
});

/** `POST /api/keys` (the secret is shown once). */
export const apiKeyCreatedSchema = z.object({
  key_id: z.string(),
  secret: z.string(),
  team: z.string(),
  role: z.string(),
  name: z.string(),
});

/** One key of `GET /api/keys` / `DELETE /api/keys/{id}`: never its secret. */
export const apiKeyEntrySchema = z.object({
  key_id: z.string(),
  name: z.string(),
  role: z.enum(["viewer", "editor", "reviewer", "admin", "owner"]),
  kind: z.enum(["team", "server", "client"]),
  environment: z.string().nullable(),
  created_at: z.string(),
  created_by: z.string().nullable(),
  revoked_at: z.string().nullable(),
  revoked_by: z.string().nullable(),
});

/** `GET /api/keys`. */
export const apiKeyListSchema = z.object({ keys: z.array(apiKeyEntrySchema) });

/** One entry of an audit trail. */
export const auditEntrySchema = z.object({
  auditId: z.number(),
  at: z.string(),
  actor: z.string(),
  ownerTeam: z.string(),
  entityType: z.string(),
  entityKey: z.string(),
  action: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});

export const auditListSchema = z.object({ entries: z.array(auditEntrySchema) });

/** Every error: `{error: {code, message, field}}`. */
export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
