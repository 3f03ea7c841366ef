import { stat } from "node:fs/promises";
import {
  type DecisionConfig,
  defaultDecisionConfig,
  planFromConfig,
  plannedPerVariant,
} from "@assay/decisions";
import {
  createLakeReader,
  type ExperimentQuality,
  type ExposureQualityDay,
  partitionDir,
  type QualityReport,
  type ResultRow,
  type SegmentResultRow,
} from "@assay/pipeline";
import type { SummaryProvider } from "../app.js";
import type { Database, Queryable } from "../db/database.js";
import type { DecisionView } from "../decisions/decision-engine.js";
import { getDecisionConfig, getGuard, getMonitorState } from "../decisions/decision-store.js";
import { HttpError } from "../http/http-error.js";
import { listMetricDefinitions } from "../registry/definition-store.js";
import type { Experiment } from "../registry/experiment-schema.js";
import { getExperiment } from "../registry/experiment-store.js";
import { withTeam } from "../registry/team-scope.js";
import { type CumulativeSeries, cumulativeSeries } from "./cumulative-series.js";
import { guardrailVerdicts, type SummaryGuardrails } from "./guardrail-verdicts.js";
import { type AnalysisInfo, type MethodResult, methodInference } from "./method-inference.js";
import { drillDownAttributes, SEGMENT_ADJUSTMENT, SEGMENT_NOTE } from "./segment-results.js";

/** The level of every interval the server's pipeline runs compute (`runPipeline`'s default). */
export const RESULTS_ALPHA = 0.05;

export type MetricType = "conversion" | "count" | "sum" | "ratio" | "quantile" | "retention" | "funnel";

/** Whether drill-downs by a segment attribute exist for the summary's results partition. */
export type SegmentsAvailability =
  | {
      readonly available: true;
      /** Attributes with at least one observed value, for `GET /api/experiments/{key}/segments/{attribute}`. */
      readonly attributes: string[];
      /** Each attribute's values (`(not set)` included). */
      readonly values: Record<string, string[]>;
      readonly dt: string;
      readonly adjustment: typeof SEGMENT_ADJUSTMENT;
      readonly exploratory: true;
      readonly note: string;
    }
  | { readonly available: false; readonly reason: string };

/**
 * The summary's `segments` from the per-segment rows of its partition.
 * @example segmentsAvailability(await readSegmentRows(lake, key, dt), dt)
 */
export function segmentsAvailability(
  rows: ReadonlyArray<SegmentResultRow>,
  dt: string,
): SegmentsAvailability {
  const attributes = drillDownAttributes(rows);
  if (attributes.length === 0)
    return {
      available: false,
      reason: `No per-segment results in the results partition dt=${dt}: the pipeline computes them when the lake holds user attributes (raw/user_attributes; POST /api/assign records those listed in ASSAY_SEGMENT_ATTRIBUTES) with at least one observed value for this experiment's units.`,
    };
  const values: Record<string, string[]> = {};
  for (const a of attributes)
    values[a] = [
      ...new Set(rows.filter((r) => r.segment_attribute === a).map((r) => r.segment_value)),
    ].sort();
  return {
    available: true,
    attributes,
    values,
    dt,
    adjustment: SEGMENT_ADJUSTMENT,
    exploratory: true,
    note: SEGMENT_NOTE,
  };
}

const analysisModes = ["itt", "exposed"] as const;

/** One variant's line of one metric in one analysis mode (uplift and test against the control). */
export interface VariantResult {
  readonly variant: string;
  readonly is_control: boolean;
  readonly n: number;
  readonly mean: number | null;
  readonly uplift_abs: number | null;
  readonly uplift_rel: number | null;
  readonly p_value: number | null;
  readonly ci: { readonly low: number | null; readonly high: number | null };
  /** The experiment's analysis method's interval and p-value (`analysis`); null for the control. */
  readonly inference: MethodResult | null;
  readonly cuped: {
    readonly theta: number | null;
    readonly uplift_abs: number | null;
    readonly p_value: number | null;
    readonly ci: { readonly low: number | null; readonly high: number | null };
    readonly variance_reduction_pct: number | null;
  };
  /** What docs/metrics.md reports beyond the mean test (null where it does not apply; older partitions: null). */
  readonly details: MetricDetails;
}

/** The metric-type columns of a results row (docs/pipeline.md, `fct_experiment_results` columns). */
export interface MetricDetails {
  readonly cap_value: number | null;
  readonly covariate_cap_value: number | null;
  readonly excluded_units: number | null;
  readonly step_units: number[] | null;
  readonly n_values: number | null;
  readonly order_lower: number | null;
  readonly order_upper: number | null;
  readonly quantile_se: number | null;
  readonly design_effect: number | null;
  readonly cuped_applied: boolean | null;
  readonly cuped_thetas: number[] | null;
}

const numberOrNull = (value: unknown): number | null =>
  typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : null;

/** A JSON array column (`step_units`, `cuped_thetas`) as numbers; null when absent or not an array of numbers. */
function numbersOf(value: unknown): number[] | null {
  if (typeof value !== "string") return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === "number") ? parsed : null;
  } catch {
    return null;
  }
}

const detailsOf = (r: ResultRow): MetricDetails => {
  const row = r as ResultRow & Record<string, unknown>;
  return {
    cap_value: numberOrNull(row.cap_value),
    covariate_cap_value: numberOrNull(row.covariate_cap_value),
    excluded_units: numberOrNull(row.excluded_units),
    step_units: numbersOf(row.step_units),
    n_values: numberOrNull(row.n_values),
    order_lower: numberOrNull(row.order_lower),
    order_upper: numberOrNull(row.order_upper),
    quantile_se: numberOrNull(row.quantile_se),
    design_effect: numberOrNull(row.design_effect),
    cuped_applied: typeof row.cuped_applied === "boolean" ? row.cuped_applied : null,
    cuped_thetas: numbersOf(row.cuped_thetas),
  };
};

export interface MetricSummary {
  readonly metric_key: string;
  /** The role in the experiment's metrics contract; null for a metric the pipeline computed beyond it. */
  readonly role: "primary" | "secondary" | "guardrail" | null;
  readonly direction: "increase" | "decrease" | null;
  readonly threshold: number | null;
  readonly itt: VariantResult[];
  readonly exposed: VariantResult[];
}

export interface SrmSummary {
  readonly p_value: number | null;
  readonly detected: boolean;
  readonly observed: Record<string, number>;
  readonly observed_shares: Record<string, number>;
  readonly expected_shares: Record<string, number>;
}

/** `GET /api/experiments/{key}/summary` (seed 002 §7): the latest cumulative results of one experiment. */
export interface ExperimentSummary {
  readonly experiment_key: string;
  readonly name: string;
  readonly status: string;
  /** Fixed-sample intervals (`p_value`, `ci`) are at 1 − alpha: supporting detail. */
  readonly alpha: number;
  /** The analysis method whose interval (`inference` of each variant) decisions act on. */
  readonly analysis: AnalysisInfo;
  /** Results cover data up to the end of `dt` (UTC); `start` is the experiment's start when set. */
  readonly data_window: { readonly start: string | null; readonly end: string; readonly dt: string };
  /** When the pipeline wrote this results partition. */
  readonly computed_at: string;
  /** The latest partition's `fct_experiment_results` rows of the experiment, both analysis modes. */
  readonly results: ResultRow[];
  /** Metric key → type, from the registry's metric definitions. */
  readonly metric_types: Record<string, MetricType>;
  readonly metrics: MetricSummary[];
  readonly srm: { readonly itt: SrmSummary; readonly exposed: SrmSummary };
  readonly quality: ExperimentQuality & {
    readonly duplicate_event_rows: number;
    readonly raw_event_rows: number;
    readonly data_tests: QualityReport["data_tests"];
    readonly skipped_comparisons: QualityReport["skipped_comparisons"];
  };
  /** `fct_experiment_exposure_quality_daily` rows of the experiment (latest partition). */
  readonly exposure_daily: ExposureQualityDay[];
  /** Per metric × treatment × mode, one point per results partition, with the decision engine's boundary. */
  readonly cumulative: CumulativeSeries[];
  /** The plan behind the boundaries: the experiment's decision config and planned units per variant. */
  readonly sequential: {
    readonly method: string;
    readonly alpha: number;
    readonly looks: ReadonlyArray<number>;
    readonly bounds: ReadonlyArray<number>;
    readonly planned_per_variant: number | null;
  };
  /** The decision service's latest decision (`GET …/decision`), null when the server runs no decisions. */
  readonly decision: DecisionView | null;
  /**
   * Per guardrail metric of the contract, the decision engine's latest stored verdict (its sequential rule) and
   * the fail-closed guard; the fixed-sample intervals in `metrics` are supporting detail, not the verdict.
   */
  readonly guardrails: SummaryGuardrails;
  readonly segments: SegmentsAvailability;
}

/** Registry inputs of a summary besides the experiment (read before the lake, outside the transaction). */
export interface SummaryInputs {
  readonly sequential?: DecisionConfig["sequential"];
  /** The experiment's decision config (its analysis method); default the defaults. */
  readonly config?: DecisionConfig;
  readonly metricTypes?: Readonly<Record<string, MetricType>>;
  readonly decision?: DecisionView | null;
  /** The engine's guardrail verdicts (`guardrailVerdicts`); default: not evaluated. */
  readonly guardrails?: SummaryGuardrails;
}

const toVariant = (r: ResultRow, inference: MethodResult | null): VariantResult => ({
  variant: r.variation_id,
  is_control: r.is_control,
  inference,
  n: r.n_users,
  mean: r.mean,
  uplift_abs: r.uplift_abs,
  uplift_rel: r.uplift_rel,
  p_value: r.p_value_two_sided,
  ci: { low: r.ci_low, high: r.ci_high },
  cuped: {
    theta: r.cuped_theta,
    uplift_abs: r.cuped_uplift_abs,
    p_value: r.cuped_p_value,
    ci: { low: r.cuped_ci_low, high: r.cuped_ci_high },
    variance_reduction_pct: r.cuped_variance_reduction_pct,
  },
  details: detailsOf(r),
});

function srm(
  experiment: Experiment,
  p: number | null,
  detected: boolean,
  observed: Record<string, number>,
): SrmSummary {
  const total = Object.values(observed).reduce((s, n) => s + n, 0);
  const allocated = experiment.variants.reduce((s, v) => s + v.allocation, 0);
  return {
    p_value: p,
    detected,
    observed,
    observed_shares: Object.fromEntries(
      Object.entries(observed).map(([v, n]) => [v, total === 0 ? 0 : n / total]),
    ),
    expected_shares: Object.fromEntries(
      experiment.variants.map((v) => [v.key, allocated === 0 ? 0 : v.allocation / allocated]),
    ),
  };
}

const nextDay = (dt: string): string =>
  new Date(Date.parse(`${dt}T00:00:00Z`) + 24 * 3600 * 1000).toISOString();

/**
 * Builds the summary from the lake's latest results partition that holds the experiment, its quality
 * report, and the registry's metrics contract.
 */
export async function buildExperimentSummary(
  experiment: Experiment,
  lakeDir: string,
  inputs: SummaryInputs = {},
): Promise<ExperimentSummary> {
  const reader = createLakeReader(lakeDir);
  const results = await reader.experimentResults({ experimentIds: [experiment.key] });
  if (results === null || results.rows.length === 0) {
    throw new HttpError(
      "not_found",
      `no results for '${experiment.key}' yet: the lake at ${lakeDir} has no results partition with it (run \`assay pipeline run --lake ${lakeDir} --dt YYYY-MM-DD\`)`,
    );
  }
  const { dt, rows } = results;
  const qualityFile = await reader.qualityReport(dt);
  const report = qualityFile?.report;
  const q = report?.experiments[experiment.key];
  if (report === undefined || q === undefined) {
    throw new HttpError(
      "not_found",
      `the results partition dt=${dt} has no quality report for '${experiment.key}'`,
    );
  }
  const config = inputs.config ?? defaultDecisionConfig;
  const kinds = new Map(
    Object.entries(inputs.metricTypes ?? {}).map(([k, t]) => [
      k,
      t === "ratio" ? ("ratio" as const) : ("mean" as const),
    ]),
  );
  const inference = methodInference(
    experiment,
    config,
    // A quantile's per-arm sums are not its statistic (docs/metrics.md): it keeps the fixed-sample interval only.
    (await reader.variantAggregates({ dt, experimentId: experiment.key })).filter(
      (r) => inputs.metricTypes?.[r.metric_id] !== "quantile",
    ),
    kinds,
    q.units_by_variant_itt,
    new Date(),
  );
  const contract = new Map(experiment.metrics.map((m) => [m.metric_key, m]));
  const roleRank = { primary: 0, secondary: 1, guardrail: 2 } as const;
  const metricKeys = [
    ...[...experiment.metrics]
      .sort((a, b) => roleRank[a.role] - roleRank[b.role])
      .map((m) => m.metric_key)
      .filter((k) => rows.some((r) => r.metric_id === k)),
    ...[...new Set(rows.map((r) => r.metric_id))].filter((k) => !contract.has(k)).sort(),
  ];
  const order = (a: ResultRow, b: ResultRow) =>
    Number(b.is_control) - Number(a.is_control) || a.variation_id.localeCompare(b.variation_id);
  const metrics = metricKeys.map((key): MetricSummary => {
    const c = contract.get(key);
    const of = (mode: (typeof analysisModes)[number]) =>
      rows
        .filter((r) => r.metric_id === key && r.analysis_mode === mode)
        .sort(order)
        .map((r) =>
          toVariant(
            r,
            r.is_control
              ? null
              : (inference.results.get(`${key}\u0000${mode}\u0000${r.variation_id}`) ?? null),
          ),
        );
    return {
      metric_key: key,
      role: c?.role ?? null,
      direction: c?.direction ?? null,
      threshold: c?.threshold ?? null,
      itt: of("itt"),
      exposed: of("exposed"),
    };
  });
  const written = await stat(partitionDir(lakeDir, "gold", "fct_experiment_results", dt));
  const history = {
    results: await reader.resultsHistory([experiment.key]),
    exposureDaily: await reader.exposureQualityDaily([experiment.key]),
  };
  const plan = planFromConfig(inputs.sequential ?? defaultDecisionConfig.sequential);
  const planned = plannedPerVariant(experiment);
  const resultMetrics = new Set(rows.map((r) => r.metric_id));
  const metricTypes = Object.fromEntries(
    Object.entries(inputs.metricTypes ?? {}).filter(([k]) => resultMetrics.has(k)),
  );
  const computedAt = written.mtime.toISOString();
  return {
    experiment_key: experiment.key,
    name: experiment.name,
    status: experiment.status,
    alpha: RESULTS_ALPHA,
    analysis: inference.analysis,
    data_window: { start: experiment.start_at, end: nextDay(dt), dt },
    computed_at: computedAt,
    results: [...rows].sort(
      (a, b) =>
        a.metric_id.localeCompare(b.metric_id) ||
        a.analysis_mode.localeCompare(b.analysis_mode) ||
        Number(b.is_control) - Number(a.is_control) ||
        a.variation_id.localeCompare(b.variation_id),
    ),
    metric_types: metricTypes,
    metrics,
    srm: {
      itt: srm(experiment, q.srm_p_value_itt, q.srm_detected_itt, q.units_by_variant_itt),
      exposed: srm(experiment, q.srm_p_value_exposed, q.srm_detected_exposed, q.units_by_variant_exposed),
    },
    quality: {
      ...q,
      duplicate_event_rows: report.duplicate_event_rows,
      raw_event_rows: report.raw_event_rows,
      data_tests: report.data_tests,
      skipped_comparisons: report.skipped_comparisons.filter((s) => s.experiment_id === experiment.key),
    },
    exposure_daily: history.exposureDaily.get(experiment.key) ?? [],
    cumulative: cumulativeSeries(
      history.results,
      config,
      planned,
      RESULTS_ALPHA,
      experiment.variants.filter((v) => !v.is_control).length,
    ),
    sequential: {
      method: plan.method,
      alpha: plan.alpha,
      looks: plan.fractions,
      bounds: plan.bounds,
      planned_per_variant: planned,
    },
    decision: inputs.decision ?? null,
    guardrails: inputs.guardrails ?? guardrailVerdicts(experiment, null, null),
    segments: segmentsAvailability(
      (await reader.segmentResults({ experimentId: experiment.key, dt }))?.rows ?? [],
      dt,
    ),
  };
}

/**
 * The server's `summary` function over the lake at `lakeDir` (results written by `assay pipeline run`).
 * @example const app = await createApp({ context, summary: createLakeSummary(db, context.lake.dir) });
 */
export function createLakeSummary(
  db: Database,
  lakeDir: string,
  options: { readonly decision?: (tx: Queryable, key: string) => Promise<DecisionView> } = {},
): SummaryProvider {
  return async (key, principal) => {
    const { experiment, inputs } = await withTeam(db, principal.team, async (tx) => {
      const found = await getExperiment(tx, key);
      return { experiment: found, inputs: await summaryInputs(tx, found, options.decision) };
    });
    return buildExperimentSummary(experiment, lakeDir, inputs);
  };
}

/** Metric types of the registry's definitions (`metric_types`), keyed by metric. */
export async function registryMetricTypes(tx: Queryable): Promise<Record<string, MetricType>> {
  const definitions = await listMetricDefinitions(tx);
  return Object.fromEntries(
    definitions
      .map((d) => [d.key, (d as { type?: MetricType }).type] as const)
      .filter((e): e is readonly [string, MetricType] => e[1] !== undefined),
  );
}

async function summaryInputs(
  tx: Queryable,
  experiment: Experiment,
  decision: ((tx: Queryable, key: string) => Promise<DecisionView>) | undefined,
): Promise<SummaryInputs> {
  const key = experiment.key;
  const config = await getDecisionConfig(tx, key);
  // Guardrail verdicts from the latest stored decision, like the list badge, also when this server runs no engine.
  const stored = await getMonitorState(tx, key);
  return {
    sequential: config.sequential,
    config,
    metricTypes: await registryMetricTypes(tx),
    decision: decision === undefined ? null : await decision(tx, key),
    guardrails: guardrailVerdicts(experiment, stored.decision, await getGuard(tx, key)),
  };
}
