import { createLakeReader, type ExperimentQuality, type ResultRow } from "@assay/pipeline";
import type { GuardrailBreachStatus } from "../decisions/guardrail-breach-status.js";
import type { Experiment } from "../registry/experiment-schema.js";
import { RESULTS_ALPHA } from "./experiment-summary.js";

/** What the experiments list shows per experiment without a summary call each. */
export interface ListResults {
  /** The results partition read (data up to the end of this UTC day). */
  readonly dt: string;
  /** `fct_experiment_results` rows (ITT) of the primary and guardrail metrics, for the dashboard's formatting. */
  readonly results: ResultRow[];
  readonly quality: ExperimentQuality | null;
  /** The primary metric's ITT, raw comparisons with control. */
  readonly primary: {
    readonly metric_key: string;
    readonly comparisons: ReadonlyArray<{
      readonly variant: string;
      readonly n: number;
      readonly uplift_abs: number | null;
      readonly uplift_rel: number | null;
      readonly p_value: number | null;
      readonly ci: { readonly low: number | null; readonly high: number | null };
      readonly significant: boolean;
    }>;
  } | null;
  readonly badges: {
    readonly srm: boolean;
    readonly guardrail_breach: boolean;
    readonly data_quality: boolean;
  };
  /** One line per raised badge. */
  readonly badge_reasons: string[];
  /** The decision engine's latest decision (null: not evaluated yet): what the list row shows as the verdict. */
  readonly decision: {
    readonly status: string;
    readonly evaluated_at: string;
    readonly method: string | null;
  } | null;
  /** When the decision engine last evaluated the guardrails (null: not yet, so no guardrail badge). */
  readonly guardrails_evaluated_at: string | null;
}

const qualityCounts = [
  ["assignment_conflict_units", "units assigned to more than one variant"],
  ["pre_assignment_exposure_units", "units exposed before assignment"],
  ["variant_mismatch_units", "units exposed to a variant they were not assigned"],
  ["multi_variation_exposure_units", "units exposed to several variants"],
  ["exposure_outside_window_units", "units with exposures outside the window"],
  ["orphan_exposure_rows", "exposure rows without an assignment"],
  ["unknown_variant_assignment_rows", "assignment rows naming an unknown variant"],
  ["assignment_rows_outside_window", "assignment rows outside the window"],
] as const;

const pct = (x: number | null) => (x === null ? "?" : `${(x * 100).toFixed(1)}%`);

/**
 * Badges: SRM = the decision engine's sequential SRM test (valid however often it runs; the pipeline's one-look
 * χ² is no verdict), a guardrail breach = the engine's always-valid guardrail rule (the same verdict that makes
 * an experiment fail closed), neither before the engine has evaluated the experiment; a data-quality warning
 * for any count a clean log would not have, a collapsed exposure day or a failed data test.
 * @example listBadges(quality, [], breaches.get(experiment.key))
 */
export function listBadges(
  quality: ExperimentQuality | null,
  failedTests: ReadonlyArray<string>,
  guardrails: GuardrailBreachStatus | undefined,
): Pick<ListResults, "badges" | "badge_reasons" | "guardrails_evaluated_at" | "decision"> {
  const reasons: string[] = [];
  const srm = guardrails?.srm?.active === true;
  if (srm) reasons.push(`sample ratio mismatch (always-valid p = ${guardrails?.srm?.p_value})`);
  const breach = (guardrails?.breaches.length ?? 0) > 0 || guardrails?.fail_closed === true;
  for (const g of guardrails?.breaches ?? []) {
    reasons.push(
      `guardrail ${g.metric_key} (${g.variant}) ${pct(g.relative_harm)} worse than control, beyond its ${pct(g.threshold)} tolerance (always-valid, z = ${g.z?.toFixed(2) ?? "?"} ≥ ${g.boundary?.toFixed(2) ?? "?"})`,
    );
  }
  if (guardrails?.fail_closed === true)
    reasons.push("failed closed after a guardrail breach: serving control");
  let dataQuality = false;
  if (quality !== null) {
    for (const [field, what] of qualityCounts) {
      const n = quality[field];
      if (n > 0) {
        dataQuality = true;
        reasons.push(`${n} ${what}`);
      }
    }
    const low = quality.low_exposure_rate_days ?? [];
    if (low.length > 0) {
      dataQuality = true;
      reasons.push(`exposure rate collapsed on ${low.join(", ")}`);
    }
  }
  for (const t of failedTests) {
    dataQuality = true;
    reasons.push(`data test failed: ${t}`);
  }
  return {
    badges: { srm, guardrail_breach: breach, data_quality: dataQuality },
    badge_reasons: reasons,
    guardrails_evaluated_at: guardrails?.evaluated_at ?? null,
    decision:
      guardrails === undefined
        ? null
        : { status: guardrails.status, evaluated_at: guardrails.evaluated_at, method: guardrails.method },
  };
}

/**
 * Reads the latest results partition once for all `experiments` and derives each one's list entry
 * (null for an experiment the partition does not hold); guardrail badges from the decision engine's latest
 * evaluations (`readGuardrailBreaches`).
 * @example const byKey = await listResults(lake, experiments, breaches); byKey.get("exp_checkout")?.badges.srm
 */
export async function listResults(
  lake: string,
  experiments: ReadonlyArray<Experiment>,
  guardrails: ReadonlyMap<string, GuardrailBreachStatus> = new Map(),
): Promise<Map<string, ListResults>> {
  const out = new Map<string, ListResults>();
  if (experiments.length === 0) return out;
  const reader = createLakeReader(lake);
  const wanted = new Map(
    experiments.map((e) => [
      e.key,
      new Set(e.metrics.filter((m) => m.role !== "secondary").map((m) => m.metric_key)),
    ]),
  );
  const read = await reader.experimentResults({ experimentIds: [...wanted.keys()], mode: "itt" });
  if (read === null || read.rows.length === 0) return out;
  const { dt, rows } = read;
  const report = (await reader.qualityReport(dt))?.report;
  const failed = (report?.data_tests ?? [])
    .filter((t) => t.status === "fail")
    .map((t) => `${t.model}.${t.test} (${t.failingRows} rows)`);
  for (const e of experiments) {
    const mine = rows.filter((r) => r.experiment_id === e.key && wanted.get(e.key)?.has(r.metric_id));
    if (mine.length === 0) continue;
    const quality = report?.experiments[e.key] ?? null;
    const primaryKey = e.metrics.find((m) => m.role === "primary")?.metric_key;
    const primaryRows = mine.filter((r) => r.metric_id === primaryKey && !r.is_control);
    out.set(e.key, {
      dt,
      results: mine,
      quality,
      primary:
        primaryKey === undefined || primaryRows.length === 0
          ? null
          : {
              metric_key: primaryKey,
              comparisons: primaryRows.map((r) => ({
                variant: r.variation_id,
                n: r.n_users,
                uplift_abs: r.uplift_abs,
                uplift_rel: r.uplift_rel,
                p_value: r.p_value_two_sided,
                ci: { low: r.ci_low, high: r.ci_high },
                significant: r.p_value_two_sided !== null && r.p_value_two_sided < RESULTS_ALPHA,
              })),
            },
      ...listBadges(quality, failed, guardrails.get(e.key)),
    });
  }
  return out;
}
