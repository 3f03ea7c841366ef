import { notSetSegmentValue as NOT_SET, type SegmentResultRow } from "@assay/pipeline";
import { adjustPValues } from "@assay/stats";
import type { Experiment } from "../registry/experiment-schema.js";

/** Multiple-testing correction across the segment values of one metric × treatment (Holm: family-wise). */
export const SEGMENT_ADJUSTMENT = "holm" as const;

export const SEGMENT_NOTE =
  "Segment results are exploratory: the experiment was not powered for them, segments were not preregistered " +
  "as hypotheses, and with several values some differ by chance. p-values are Holm-adjusted across the values " +
  "of the attribute (per metric and treatment); confirm a segment effect with its own experiment before acting on it.";

/** One treatment against control inside one segment value. */
export interface SegmentComparison {
  readonly variant: string;
  readonly n: number;
  readonly mean: number | null;
  readonly uplift_abs: number | null;
  readonly uplift_rel: number | null;
  readonly ci: { readonly low: number | null; readonly high: number | null };
  /** Unadjusted two-sided p-value. */
  readonly p_value: number | null;
  /** Holm-adjusted across the segment values of this metric and treatment. */
  readonly p_value_adjusted: number | null;
  /** The adjusted p-value is below alpha. */
  readonly significant: boolean;
  /** The CUPED estimate was asked for and applied (false: no pre-period covariate, the raw one is shown). */
  readonly cuped: boolean;
}

export interface SegmentValueResult {
  readonly value: string;
  /** Units per variant in this segment value. */
  readonly n: Record<string, number>;
  readonly control: { readonly variant: string; readonly n: number; readonly mean: number | null } | null;
  readonly comparisons: SegmentComparison[];
}

export interface SegmentMetricResult {
  readonly metric_key: string;
  readonly role: "primary" | "secondary" | "guardrail" | null;
  readonly direction: "increase" | "decrease" | null;
  readonly segments: SegmentValueResult[];
}

/** `GET /api/experiments/{key}/segments/{attribute}`. */
export interface SegmentResultsView {
  readonly experiment_key: string;
  readonly attribute: string;
  readonly analysis_mode: "itt" | "exposed";
  readonly cuped: boolean;
  readonly alpha: number;
  readonly dt: string;
  /** Segment values, largest first, `(not set)` last. */
  readonly values: string[];
  readonly adjustment: { readonly method: typeof SEGMENT_ADJUSTMENT; readonly family: string };
  readonly exploratory: true;
  readonly note: string;
  readonly metric_types: Record<string, string>;
  readonly metrics: SegmentMetricResult[];
}

/**
 * Attributes worth a drill-down: those with at least one observed value (an attribute that is only
 * `(not set)` for every unit says nothing), sorted.
 * @example drillDownAttributes(rows) // ["country", "platform"]
 */
export function drillDownAttributes(rows: ReadonlyArray<SegmentResultRow>): string[] {
  return [...new Set(rows.filter((r) => r.segment_value !== NOT_SET).map((r) => r.segment_attribute))].sort();
}

const roleRank = { primary: 0, secondary: 1, guardrail: 2 } as const;

/**
 * Per metric and segment value, each treatment against control in one analysis mode (raw or CUPED), with
 * Holm-adjusted p-values across the attribute's values.
 * @example buildSegmentResults(experiment, rows, { attribute: "platform", mode: "itt", cuped: false, alpha: 0.05, dt })
 */
export function buildSegmentResults(
  experiment: Pick<Experiment, "key" | "metrics">,
  rows: ReadonlyArray<SegmentResultRow>,
  options: {
    readonly attribute: string;
    readonly mode: "itt" | "exposed";
    readonly cuped: boolean;
    readonly alpha: number;
    readonly dt: string;
    readonly metricTypes?: Readonly<Record<string, string>>;
  },
): SegmentResultsView {
  const mine = rows.filter(
    (r) => r.segment_attribute === options.attribute && r.analysis_mode === options.mode,
  );
  const units = new Map<string, number>();
  for (const r of mine) {
    // Units of a value: one metric's rows count each unit once.
    if (r.metric_id === mine[0]?.metric_id)
      units.set(r.segment_value, (units.get(r.segment_value) ?? 0) + r.n_users);
  }
  const values = [...new Set(mine.map((r) => r.segment_value))].sort(
    (a, b) =>
      Number(a === NOT_SET) - Number(b === NOT_SET) ||
      (units.get(b) ?? 0) - (units.get(a) ?? 0) ||
      a.localeCompare(b),
  );
  const contract = new Map(experiment.metrics.map((m) => [m.metric_key, m]));
  const present = new Set(mine.map((r) => r.metric_id));
  const metricKeys = [
    ...[...experiment.metrics]
      .sort((a, b) => roleRank[a.role] - roleRank[b.role])
      .map((m) => m.metric_key)
      .filter((k) => present.has(k)),
    ...[...present].filter((k) => !contract.has(k)).sort(),
  ];
  const metrics = metricKeys.map((key): SegmentMetricResult => {
    const c = contract.get(key);
    const segments = values.map((value): SegmentValueResult => {
      const inValue = mine.filter((r) => r.metric_id === key && r.segment_value === value);
      const control = inValue.find((r) => r.is_control);
      const treatments = inValue
        .filter((r) => !r.is_control)
        .sort((a, b) => a.variation_id.localeCompare(b.variation_id));
      return {
        value,
        n: Object.fromEntries(
          [...inValue]
            .sort(
              (a, b) =>
                Number(b.is_control) - Number(a.is_control) || a.variation_id.localeCompare(b.variation_id),
            )
            .map((r) => [r.variation_id, r.n_users]),
        ),
        control:
          control === undefined
            ? null
            : { variant: control.variation_id, n: control.n_users, mean: control.mean },
        comparisons: treatments.map((r) => compare(r, control, options.cuped)),
      };
    });
    return {
      metric_key: key,
      role: c?.role ?? null,
      direction: c?.direction ?? null,
      segments: adjust(segments, options.alpha),
    };
  });
  return {
    experiment_key: experiment.key,
    attribute: options.attribute,
    analysis_mode: options.mode,
    cuped: options.cuped,
    alpha: options.alpha,
    dt: options.dt,
    values,
    adjustment: {
      method: SEGMENT_ADJUSTMENT,
      family: "the segment values of the attribute, per metric and treatment",
    },
    exploratory: true,
    note: SEGMENT_NOTE,
    metric_types: Object.fromEntries(
      Object.entries(options.metricTypes ?? {}).filter(([k]) => present.has(k)),
    ),
    metrics,
  };
}

function compare(
  r: SegmentResultRow,
  control: SegmentResultRow | undefined,
  cuped: boolean,
): SegmentComparison {
  const useCuped =
    cuped && r.cuped_uplift_abs !== null && r.cuped_ci_low !== null && r.cuped_ci_high !== null;
  const upliftAbs = useCuped ? r.cuped_uplift_abs : r.uplift_abs;
  const controlMean = control?.mean ?? null;
  return {
    variant: r.variation_id,
    n: r.n_users,
    mean: r.mean,
    uplift_abs: upliftAbs,
    uplift_rel: useCuped
      ? upliftAbs !== null && controlMean !== null && controlMean !== 0
        ? upliftAbs / controlMean
        : null
      : r.uplift_rel,
    ci: useCuped ? { low: r.cuped_ci_low, high: r.cuped_ci_high } : { low: r.ci_low, high: r.ci_high },
    p_value: useCuped ? r.cuped_p_value : r.p_value_two_sided,
    p_value_adjusted: null,
    significant: false,
    cuped: useCuped,
  };
}

/** Holm across the values, separately for each treatment; a value without a p-value is not in the family. */
function adjust(segments: SegmentValueResult[], alpha: number): SegmentValueResult[] {
  const variants = [...new Set(segments.flatMap((s) => s.comparisons.map((c) => c.variant)))];
  const adjusted = new Map<string, number>();
  for (const variant of variants) {
    const family = segments.flatMap((s) =>
      s.comparisons
        .filter((c) => c.variant === variant && c.p_value !== null && Number.isFinite(c.p_value))
        .map((c) => ({ value: s.value, p: Math.min(1, Math.max(0, c.p_value!)) })),
    );
    const ps = adjustPValues(
      SEGMENT_ADJUSTMENT,
      family.map((f) => f.p),
    );
    family.forEach((f, i) => {
      adjusted.set(`${f.value}\u0000${variant}`, ps[i]!);
    });
  }
  return segments.map((s) => ({
    ...s,
    comparisons: s.comparisons.map((c) => {
      const p = adjusted.get(`${s.value}\u0000${c.variant}`) ?? null;
      return { ...c, p_value_adjusted: p, significant: p !== null && p < alpha };
    }),
  }));
}
