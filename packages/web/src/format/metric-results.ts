import type {
  AnalysisInfo,
  AnalysisMode,
  Experiment,
  ExperimentMetric,
  ExperimentSummary,
  MethodInference,
  MetricRole,
  ResultRow,
} from "../api/api-types.js";

/** The server's interval under the experiment's analysis method for one treatment (null: none sent). */
function inferenceOf(
  summary: ExperimentSummary,
  metricKey: string,
  mode: AnalysisMode,
  variant: string,
): MethodInference | null {
  const metric = summary.metrics?.find((m) => m.metric_key === metricKey);
  return metric?.[mode].find((v) => v.variant === variant)?.inference ?? null;
}

export type MetricKind = "proportion" | "number";
export type Variance = "raw" | "cuped";
export type Tone = "positive" | "negative" | "neutral";

/** One treatment arm compared with control, in the chosen analysis mode and variance estimator. */
export interface Comparison {
  readonly variationId: string;
  readonly nUsers: number;
  readonly mean: number | null;
  readonly upliftAbs: number | null;
  readonly upliftRel: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  readonly pValue: number | null;
  readonly significant: boolean;
  /** Good, bad or no news given the metric's desired direction. */
  readonly tone: Tone;
  /** CUPED was asked for and applied; false when falling back to the raw estimate. */
  readonly cuped: boolean;
  readonly varianceReductionPct: number | null;
  /** Which method `ciLow`/`ciHigh`/`pValue` follow: the experiment's (raw estimates) or the fixed sample (CUPED, old servers). */
  readonly method: "analysis" | "fixed_sample";
  /** The fixed-sample interval and p-value: supporting detail when `method` is the experiment's. */
  readonly fixed: {
    readonly ciLow: number | null;
    readonly ciHigh: number | null;
    readonly pValue: number | null;
  };
}

export interface MetricView {
  readonly metricKey: string;
  readonly role: MetricRole | "other";
  readonly direction: "increase" | "decrease";
  readonly threshold: number | null;
  readonly kind: MetricKind;
  readonly control: {
    readonly variationId: string;
    readonly nUsers: number;
    readonly mean: number | null;
  } | null;
  readonly comparisons: ReadonlyArray<Comparison>;
  /** CUPED was requested but no row of this metric has CUPED columns. */
  readonly cupedUnavailable: boolean;
  /** What the metric's type adds (docs/metrics.md): the quantile, cap, excluded units or funnel steps; null if none. */
  readonly note: string | null;
}

const roleOrder: Record<MetricRole | "other", number> = { primary: 0, secondary: 1, guardrail: 2, other: 3 };

/**
 * The tone of a change: significant and in the desired direction is positive, significant against it negative.
 * @example toneOf(0.01, true, "increase") // "positive"
 */
export function toneOf(
  uplift: number | null,
  significant: boolean,
  direction: "increase" | "decrease",
): Tone {
  if (!significant || uplift === null || uplift === 0) return "neutral";
  const good = direction === "increase" ? uplift > 0 : uplift < 0;
  return good ? "positive" : "negative";
}

function kindOf(summary: ExperimentSummary, metricKey: string, rows: ReadonlyArray<ResultRow>): MetricKind {
  const declared = summary.metric_types?.[metricKey];
  if (declared !== undefined) {
    return declared === "conversion" || declared === "retention" || declared === "funnel"
      ? "proportion"
      : "number";
  }
  // Without a declared type: means that all lie in [0, 1] on a metric named like a rate read as proportions.
  const looksLikeRate = /conversion|rate|retention|ctr/i.test(metricKey);
  return looksLikeRate && rows.every((r) => r.mean === null || (r.mean >= 0 && r.mean <= 1))
    ? "proportion"
    : "number";
}

function compare(
  row: ResultRow,
  control: ResultRow | undefined,
  variance: Variance,
  alpha: number,
  direction: "increase" | "decrease",
  inference: MethodInference | null,
  analysis: AnalysisInfo | undefined,
): Comparison {
  const hasCuped = row.cuped_uplift_abs !== null && row.cuped_ci_low !== null && row.cuped_ci_high !== null;
  const useCuped = variance === "cuped" && hasCuped;
  const upliftAbs = useCuped ? row.cuped_uplift_abs : row.uplift_abs;
  const pValue = useCuped ? row.cuped_p_value : row.p_value_two_sided;
  const controlMean = control?.mean ?? null;
  const upliftRel = useCuped
    ? upliftAbs !== null && controlMean !== null && controlMean !== 0
      ? upliftAbs / controlMean
      : null
    : row.uplift_rel;
  const fixed = {
    ciLow: useCuped ? row.cuped_ci_low : row.ci_low,
    ciHigh: useCuped ? row.cuped_ci_high : row.ci_high,
    pValue,
  };
  // The experiment's method decides what is significant; the fixed-sample numbers stay as detail.
  const byMethod = !useCuped && inference !== null && analysis !== undefined;
  const shown = byMethod
    ? { ciLow: inference.ci.low, ciHigh: inference.ci.high, pValue: inference.p_value }
    : fixed;
  const significant = byMethod
    ? analysis.final && shown.pValue !== null && shown.pValue <= analysis.alpha
    : pValue !== null && pValue < alpha;
  return {
    variationId: row.variation_id,
    nUsers: row.n_users,
    mean: row.mean,
    upliftAbs,
    upliftRel,
    ciLow: shown.ciLow,
    ciHigh: shown.ciHigh,
    pValue: shown.pValue,
    significant,
    tone: toneOf(upliftAbs, significant, direction),
    cuped: useCuped,
    varianceReductionPct: useCuped ? row.cuped_variance_reduction_pct : null,
    method: byMethod ? "analysis" : "fixed_sample",
    fixed,
  };
}

/**
 * Groups the summary's result rows into one view per metric (primary first), for one analysis
 * mode and variance estimator; metrics the experiment declares come with their role and direction.
 * @example metricViews(experiment, summary, "itt", "cuped")[0]?.comparisons[0]?.pValue
 */
export function metricViews(
  experiment: Pick<Experiment, "metrics" | "variants">,
  summary: ExperimentSummary,
  mode: AnalysisMode,
  variance: Variance,
): MetricView[] {
  const alpha = summary.alpha ?? 0.05;
  const declared = new Map<string, ExperimentMetric>(experiment.metrics.map((m) => [m.metric_key, m]));
  const byMetric = new Map<string, ResultRow[]>();
  for (const row of summary.results) {
    if (row.analysis_mode !== mode) continue;
    const list = byMetric.get(row.metric_id) ?? [];
    list.push(row);
    byMetric.set(row.metric_id, list);
  }
  const variantOrder = new Map(experiment.variants.map((v, i) => [v.key, i]));
  const views: MetricView[] = [];
  for (const [metricKey, rows] of byMetric) {
    const meta = declared.get(metricKey);
    const direction = meta?.direction ?? "increase";
    const control = rows.find((r) => r.is_control);
    const treatments = rows
      .filter((r) => !r.is_control)
      .sort(
        (a, b) =>
          (variantOrder.get(a.variation_id) ?? 99) - (variantOrder.get(b.variation_id) ?? 99) ||
          a.variation_id.localeCompare(b.variation_id),
      );
    views.push({
      metricKey,
      role: meta?.role ?? "other",
      direction,
      threshold: meta?.threshold ?? null,
      kind: kindOf(summary, metricKey, rows),
      control:
        control === undefined
          ? null
          : { variationId: control.variation_id, nUsers: control.n_users, mean: control.mean },
      comparisons: treatments.map((r) =>
        compare(
          r,
          control,
          variance,
          alpha,
          direction,
          inferenceOf(summary, metricKey, mode, r.variation_id),
          summary.analysis,
        ),
      ),
      cupedUnavailable: variance === "cuped" && !treatments.some((r) => r.cuped_uplift_abs !== null),
      note: metricTypeNote(summary.metric_types?.[metricKey], control, treatments),
    });
  }
  return views.sort(
    (a, b) => roleOrder[a.role] - roleOrder[b.role] || a.metricKey.localeCompare(b.metricKey),
  );
}

const count = (n: number) => Math.round(n).toLocaleString("en-US");
const figure = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 2 });

/**
 * One line on what a metric's type reports beyond its value (docs/metrics.md): a quantile's values and design
 * effect, the cap used, retention's excluded units, a funnel's units per step. Null for plain metrics.
 * @example metricTypeNote("retention", control, treatments) // "units excluded (window not ended): control 195, treatment 184"
 */
export function metricTypeNote(
  type: string | undefined,
  control: ResultRow | undefined,
  treatments: ReadonlyArray<ResultRow>,
): string | null {
  const rows = [...(control ? [control] : []), ...treatments];
  const per = (pick: (r: ResultRow) => string | null) => {
    const parts = rows.map((r) => [r.variation_id, pick(r)] as const).filter(([, v]) => v !== null);
    return parts.length === 0 ? null : parts.map(([v, text]) => `${v} ${text}`).join(", ");
  };
  const notes: string[] = [];
  if (type === "quantile") {
    const values = per((r) =>
      r.n_values == null
        ? null
        : `${count(r.n_values)} values${r.design_effect != null && r.design_effect !== 1 ? ` (design effect ${figure(r.design_effect)})` : ""}`,
    );
    if (values) notes.push(`value = the quantile; ${values}`);
  }
  const cap = rows.find((r) => r.cap_value != null)?.cap_value;
  if (cap != null) notes.push(`capped at ${figure(cap)}`);
  if (type === "retention") {
    const excluded = per((r) => (r.excluded_units == null ? null : count(r.excluded_units)));
    if (excluded) notes.push(`units excluded (window not ended): ${excluded}`);
  }
  if (type === "funnel") {
    const steps = per((r) => {
      if (r.step_units == null) return null;
      try {
        const units = JSON.parse(r.step_units) as number[];
        return units.map(count).join(" → ");
      } catch {
        return null;
      }
    });
    if (steps) notes.push(`units per step: ${steps}`);
  }
  return notes.length === 0 ? null : notes.join(" · ");
}
