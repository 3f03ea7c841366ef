/**
 * JSON shapes of the public API (packages/server, docs/server.md). Registry shapes mirror
 * `packages/server/src/registry/*-schema.ts`; result shapes mirror the pipeline's canonical
 * outputs (`fct_experiment_results`, `fct_experiment_exposure_quality_daily`, `quality_report.json`).
 */

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

export type MetricRole = "primary" | "secondary" | "guardrail";
export type MetricDirection = "increase" | "decrease";

export interface Variant {
  readonly key: string;
  readonly allocation: number;
  readonly is_control: boolean;
  readonly description: string;
  readonly configuration: Readonly<Record<string, unknown>>;
}

export interface ExperimentMetric {
  readonly metric_key: string;
  readonly role: MetricRole;
  readonly direction: MetricDirection;
  readonly threshold: number | null;
}

export interface Targeting {
  readonly include_segments: ReadonlyArray<string>;
  readonly exclude_segments: ReadonlyArray<string>;
  readonly condition: Readonly<Record<string, unknown>> | null;
}

export interface PowerAnalysisInput {
  readonly baseline_rate: number;
  readonly mde_abs: number;
  readonly alpha: number;
  readonly power: number;
}

export interface PowerAnalysis extends PowerAnalysisInput {
  readonly n_per_variant: number;
  readonly computed_by: string;
}

export interface Experiment {
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly hypothesis: string;
  readonly type: "ab" | "feature";
  readonly owner_team: string;
  readonly status: ExperimentStatus;
  readonly variants: ReadonlyArray<Variant>;
  readonly metrics: ReadonlyArray<ExperimentMetric>;
  readonly targeting: Targeting;
  readonly start_at: string | null;
  readonly end_at: string | null;
  readonly minimum_sample_size: number | null;
  readonly prereg_url: string | null;
  readonly power_analysis: PowerAnalysis | null;
  readonly assignment_salt: string;
  readonly assignment_seed: number;
  readonly created_by: string;
  readonly submitted_by: string | null;
  readonly approved_by: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  /** In `GET /api/experiments` only: the latest results' primary metric and badges (null: no results yet). */
  readonly results?: ExperimentListResults | null;
}

/** `GET /api/experiments` → `experiments[].results`: enough for a list row without a summary call. */
export interface ExperimentListResults {
  readonly dt: string;
  /** ITT rows of the primary and guardrail metrics. */
  readonly results: ReadonlyArray<ResultRow>;
  readonly quality: ExperimentQuality | null;
  readonly badges: {
    readonly srm: boolean;
    readonly guardrail_breach: boolean;
    readonly data_quality: boolean;
  };
  readonly badge_reasons: ReadonlyArray<string>;
  /** The decision engine's latest guardrail evaluation (the breach badge is its verdict); null: not evaluated. */
  readonly guardrails_evaluated_at?: string | null;
  /** The decision engine's latest decision; null: not evaluated yet. */
  readonly decision?: {
    readonly status: "ship" | "roll_back" | "keep_running" | "inconclusive";
    readonly evaluated_at: string;
    readonly method: string | null;
  } | null;
}

/** What the create form sends (`POST /api/experiments`). */
export interface ExperimentInput {
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly hypothesis: string;
  readonly type: "ab" | "feature";
  readonly owner_team: string;
  readonly variants: ReadonlyArray<Omit<Variant, "configuration">>;
  readonly metrics: ReadonlyArray<ExperimentMetric>;
  readonly start_at: string | null;
  readonly end_at: string | null;
  readonly prereg_url: string | null;
  readonly power_analysis: PowerAnalysisInput | null;
}

export type AnalysisMode = "itt" | "exposed";

/** One row of `fct_experiment_results`; the control row's comparison columns are null. */
export interface ResultRow {
  readonly experiment_id: string;
  readonly metric_id: string;
  readonly analysis_mode: AnalysisMode;
  readonly variation_id: string;
  readonly is_control: boolean;
  readonly n_users: number;
  readonly mean: number | null;
  readonly uplift_abs: number | null;
  readonly uplift_rel: number | null;
  readonly p_value_two_sided: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
  readonly cuped_theta: number | null;
  readonly cuped_uplift_abs: number | null;
  readonly cuped_p_value: number | null;
  readonly cuped_ci_low: number | null;
  readonly cuped_ci_high: number | null;
  readonly cuped_variance_reduction_pct: number | null;
}

/** One row of `fct_experiment_exposure_quality_daily`. */
export interface ExposureQualityDay {
  readonly date_day: string;
  readonly assigned_units: number;
  readonly exposed_units: number;
  readonly exposure_rate: number | null;
  readonly exposure_rows: number;
  readonly valid_exposure_rows: number;
  readonly orphan_exposure_rows: number;
  readonly pre_assignment_exposure_units: number;
  readonly variant_mismatch_units: number;
  readonly multi_variation_exposure_units: number;
  readonly exposure_outside_window_units: number;
}

/** `quality_report.json` → `experiments[key]`. */
export interface ExperimentQuality {
  readonly raw_assignment_rows: number;
  readonly unknown_variant_assignment_rows: number;
  readonly assignment_rows_outside_window: number;
  readonly canonical_units: number;
  readonly assignment_conflict_units: number;
  readonly exposed_units: number;
  readonly pre_assignment_exposure_units: number;
  readonly variant_mismatch_units: number;
  readonly multi_variation_exposure_units: number;
  readonly exposure_outside_window_units: number;
  readonly orphan_exposure_rows: number;
  readonly srm_p_value_itt: number | null;
  readonly srm_p_value_exposed: number | null;
  readonly srm_detected_itt?: boolean;
  readonly srm_detected_exposed?: boolean;
  readonly units_by_variant_itt?: Readonly<Record<string, number>>;
  readonly units_by_variant_exposed?: Readonly<Record<string, number>>;
  readonly exposure_rate?: number | null;
  readonly low_exposure_rate_days?: ReadonlyArray<string>;
}

/** One point of the cumulative series of a metric × variation: the estimate as of the end of a day. */
export interface CumulativePoint {
  readonly date_day: string;
  readonly n_users: number;
  readonly uplift_abs: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
  /** Sequential (alpha-spending) boundary on the uplift scale: ± z_k · se_k. */
  readonly bound_low?: number | null;
  readonly bound_high?: number | null;
}

export interface CumulativeSeries {
  readonly metric_id: string;
  readonly variation_id: string;
  readonly analysis_mode: AnalysisMode;
  readonly points: ReadonlyArray<CumulativePoint>;
}

/** The summary's `segments`: attributes available for a drill-down, or why there are none. */
export type SegmentsInfo =
  | {
      readonly available: true;
      readonly attributes: ReadonlyArray<string>;
      readonly values?: Readonly<Record<string, ReadonlyArray<string>>>;
      readonly dt?: string;
      readonly adjustment?: "holm" | "bh";
      readonly note?: string;
    }
  | { readonly available: false; readonly reason: string };

/** One treatment against control inside one segment value. */
export interface SegmentComparison {
  readonly variant: string;
  readonly n: number;
  readonly mean: number | null;
  readonly uplift_abs: number | null;
  readonly uplift_rel: number | null;
  readonly ci: { readonly low: number | null; readonly high: number | null };
  readonly p_value: number | null;
  readonly p_value_adjusted: number | null;
  readonly significant: boolean;
  readonly cuped: boolean;
}

/** `GET /api/experiments/{key}/segments/{attribute}?mode=&cuped=`: an exploratory drill-down. */
export interface SegmentResults {
  readonly experiment_key: string;
  readonly attribute: string;
  readonly analysis_mode: AnalysisMode;
  readonly cuped: boolean;
  readonly alpha: number;
  readonly dt: string;
  readonly values: ReadonlyArray<string>;
  readonly adjustment: { readonly method: "holm" | "bh"; readonly family: string };
  readonly exploratory: true;
  readonly note: string;
  readonly metric_types: Readonly<Record<string, string>>;
  readonly metrics: ReadonlyArray<{
    readonly metric_key: string;
    readonly role: MetricRole | null;
    readonly direction: MetricDirection | null;
    readonly segments: ReadonlyArray<{
      readonly value: string;
      readonly n: Readonly<Record<string, number>>;
      readonly control: { readonly variant: string; readonly n: number; readonly mean: number | null } | null;
      readonly comparisons: ReadonlyArray<SegmentComparison>;
    }>;
  }>;
}

/** `GET /api/experiments/{key}/decision` (docs/decisions.md): the decision service's latest decision. */
export interface ServerDecision {
  readonly experiment_key: string;
  readonly experiment_status: string;
  readonly status: "ship" | "roll_back" | "keep_running" | "inconclusive";
  /** The policy's reasons: stable codes and their numbers, and the words the policy wrote for them. */
  readonly reasons: ReadonlyArray<{
    readonly kind: "primary" | "guardrail" | "srm" | "data_quality" | "power";
    readonly severity: "ok" | "warning" | "blocking";
    readonly code: string;
    readonly metric?: string;
    readonly variant?: string;
    readonly values: Readonly<Record<string, number | string | null>>;
    readonly message: string;
  }>;
  readonly evaluated_at: string | null;
  readonly run_id: number | null;
  readonly fail_closed: { readonly active: boolean; readonly tripped_at: string } | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/** The decision engine's verdict on a guardrail (its sequential rule); `not_evaluated` also when data is missing. */
export type GuardrailVerdictStatus = "breached" | "within_threshold" | "not_evaluated";

/** The summary's `guardrails`: the engine's latest stored verdict per guardrail metric and the fail-closed guard. */
export interface SummaryGuardrails {
  readonly source: "decision_engine";
  readonly evaluated_at: string | null;
  readonly results_dt: string | null;
  readonly fail_closed: {
    readonly active: boolean;
    readonly tripped_at: string;
    readonly message: string | null;
    readonly cleared_at: string | null;
  } | null;
  readonly metrics: ReadonlyArray<{
    readonly metric_key: string;
    readonly direction: MetricDirection;
    readonly threshold: number;
    /** The worst verdict over the treatments. */
    readonly status: GuardrailVerdictStatus;
    readonly variants: ReadonlyArray<{
      readonly variant: string;
      readonly status: GuardrailVerdictStatus;
      readonly relative_harm: number | null;
      readonly z: number | null;
      readonly boundary: number | null;
      /** The engine's reason text. */
      readonly reason: string;
    }>;
    /** Why, when no treatment has a verdict. */
    readonly reason: string | null;
  }>;
}

/** `GET /api/experiments/{key}/summary`. Optional parts are drawn when the server provides them. */
/** The experiment's analysis method, whose interval decisions act on (`summary.analysis`). */
export interface AnalysisInfo {
  readonly method: "always_valid" | "group_sequential" | "fixed_horizon";
  readonly label: string;
  readonly alpha: number;
  readonly note: string;
  /** False for a fixed-horizon interval before the planned end: not for acting on yet. */
  readonly final: boolean;
}

/** One treatment's interval and p-value under the experiment's analysis method. */
export interface MethodInference {
  readonly p_value: number | null;
  readonly ci: { readonly low: number | null; readonly high: number | null };
  readonly rel_ci: { readonly low: number | null; readonly high: number | null };
  readonly boundary: number | null;
}

/** `summary.metrics[]`: per metric and mode, each variant with the method's inference. */
export interface SummaryMetric {
  readonly metric_key: string;
  readonly itt: ReadonlyArray<{ readonly variant: string; readonly inference: MethodInference | null }>;
  readonly exposed: ReadonlyArray<{ readonly variant: string; readonly inference: MethodInference | null }>;
}

export interface ExperimentSummary {
  readonly experiment_key: string;
  /** The analysis method's label and note; absent from older servers. */
  readonly analysis?: AnalysisInfo;
  readonly metrics?: ReadonlyArray<SummaryMetric>;
  readonly computed_at?: string | null;
  readonly data_window?: { readonly start: string | null; readonly end: string; readonly dt: string };
  readonly alpha?: number;
  readonly results: ReadonlyArray<ResultRow>;
  readonly quality: ExperimentQuality | null;
  readonly exposure_daily?: ReadonlyArray<ExposureQualityDay>;
  readonly cumulative?: ReadonlyArray<CumulativeSeries>;
  readonly segments?: SegmentsInfo;
  /** The decision service's decision; null when the server runs no decision engine. */
  readonly decision?: ServerDecision | null;
  /** The decision engine's guardrail verdicts; the Guardrails card's status. */
  readonly guardrails?: SummaryGuardrails;
  /** Metric key → kind, so rates show as percentages. */
  readonly metric_types?: Readonly<Record<string, "conversion" | "count" | "sum" | "ratio">>;
}

export interface FlagDependency {
  readonly flag_key: string;
  readonly value: unknown;
}

export interface Flag {
  readonly key: string;
  readonly name?: string;
  readonly description: string;
  readonly owner_team?: string;
  readonly type: "boolean" | "string" | "number" | "json";
  readonly default_value: unknown;
  readonly enabled: boolean;
  readonly rollout_percentage: number;
  readonly variation_value?: unknown;
  readonly targeting: Targeting;
  readonly dependencies: ReadonlyArray<FlagDependency>;
  readonly experiment_key: string | null;
  readonly updated_at?: string;
}

export interface AuditEntry {
  readonly auditId: number;
  readonly at: string;
  readonly actor: string;
  readonly ownerTeam: string;
  readonly entityType: string;
  readonly entityKey: string;
  readonly action: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** The API's error body. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}
