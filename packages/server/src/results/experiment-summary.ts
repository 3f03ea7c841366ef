import { stat } from "node:fs/promises";
import {
  type ExperimentQuality,
  partitionDir,
  type QualityReport,
  type ResultRow,
  readExperimentResults,
  readQualityReport,
} from "@assay/pipeline";
import type { SummaryProvider } from "../app.js";
import type { Database } from "../db/database.js";
import { HttpError } from "../http/http-error.js";
import type { Experiment } from "../registry/experiment-schema.js";
import { getExperiment } from "../registry/experiment-store.js";
import { withTeam } from "../registry/team-scope.js";

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
  readonly cuped: {
    readonly theta: number | null;
    readonly uplift_abs: number | null;
    readonly p_value: number | null;
    readonly ci: { readonly low: number | null; readonly high: number | null };
    readonly variance_reduction_pct: number | null;
  };
}

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
  /** Results cover data up to the end of `dt` (UTC); `start` is the experiment's start when set. */
  readonly dataWindow: { readonly start: string | null; readonly end: string; readonly dt: string };
  /** When the pipeline wrote this results partition. */
  readonly computedAt: string;
  readonly metrics: MetricSummary[];
  readonly srm: { readonly itt: SrmSummary; readonly exposed: SrmSummary };
  readonly quality: ExperimentQuality & {
    readonly duplicate_event_rows: number;
    readonly raw_event_rows: number;
    readonly data_tests: QualityReport["data_tests"];
    readonly skipped_comparisons: QualityReport["skipped_comparisons"];
  };
}

const toVariant = (r: ResultRow): VariantResult => ({
  variant: r.variation_id,
  is_control: r.is_control,
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
): Promise<ExperimentSummary> {
  const results = await readExperimentResults({ lake: lakeDir, experimentId: experiment.key });
  if (results === null || results.rows.length === 0) {
    throw new HttpError(
      "not_found",
      `no results for '${experiment.key}' yet: the lake at ${lakeDir} has no results partition with it (run \`assay pipeline run --lake ${lakeDir} --dt YYYY-MM-DD\`)`,
    );
  }
  const { dt, rows } = results;
  const qualityFile = await readQualityReport({ lake: lakeDir, dt });
  const report = qualityFile?.report;
  const q = report?.experiments[experiment.key];
  if (report === undefined || q === undefined) {
    throw new HttpError(
      "not_found",
      `the results partition dt=${dt} has no quality report for '${experiment.key}'`,
    );
  }
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
        .map(toVariant);
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
  return {
    experiment_key: experiment.key,
    name: experiment.name,
    status: experiment.status,
    dataWindow: { start: experiment.start_at, end: nextDay(dt), dt },
    computedAt: written.mtime.toISOString(),
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
  };
}

/**
 * The server's `summary` function over the lake at `lakeDir` (results written by `assay pipeline run`).
 * @example const app = await createApp({ context, summary: createLakeSummary(db, context.lake.dir) });
 */
export function createLakeSummary(db: Database, lakeDir: string): SummaryProvider {
  return async (key, principal) => {
    const experiment = await withTeam(db, principal.team, (tx) => getExperiment(tx, key));
    return buildExperimentSummary(experiment, lakeDir);
  };
}
