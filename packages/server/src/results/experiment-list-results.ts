import {
  createDuckDbEngine,
  type ExperimentQuality,
  latestResultsDt,
  partitionFiles,
  type ResultRow,
  readQualityReport,
} from "@assay/pipeline";
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
}

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

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

/**
 * Badges by the dashboard's rules (docs/dashboard.md): SRM = the pipeline's χ² flag (ITT); a guardrail is
 * breached when its ITT change is significant at α in the harmful direction and at least its threshold
 * (relative); a data-quality warning for any count a clean log would not have, a collapsed exposure day or
 * a failed data test.
 * @example listBadges(experiment, rows, quality, [])
 */
export function listBadges(
  experiment: Experiment,
  rows: ReadonlyArray<ResultRow>,
  quality: ExperimentQuality | null,
  failedTests: ReadonlyArray<string>,
): Pick<ListResults, "badges" | "badge_reasons"> {
  const reasons: string[] = [];
  const srm = quality?.srm_detected_itt === true;
  if (srm) reasons.push(`sample ratio mismatch (p = ${quality?.srm_p_value_itt})`);
  let breach = false;
  for (const g of experiment.metrics.filter((m) => m.role === "guardrail")) {
    for (const r of rows) {
      if (r.metric_id !== g.metric_key || r.is_control || r.analysis_mode !== "itt") continue;
      if (r.uplift_rel === null || r.p_value_two_sided === null) continue;
      const harm = g.direction === "decrease" ? r.uplift_rel : -r.uplift_rel;
      if (r.p_value_two_sided < RESULTS_ALPHA && harm > 0 && harm >= Math.abs(g.threshold ?? 0)) {
        breach = true;
        reasons.push(
          `guardrail ${g.metric_key} (${r.variation_id}) ${(harm * 100).toFixed(1)}% worse than control`,
        );
      }
    }
  }
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
  return { badges: { srm, guardrail_breach: breach, data_quality: dataQuality }, badge_reasons: reasons };
}

/**
 * Reads the latest results partition once for all `experiments` and derives each one's list entry
 * (null for an experiment the partition does not hold).
 * @example const byKey = await listResults(lake, experiments); byKey.get("exp_checkout")?.badges.srm
 */
export async function listResults(
  lake: string,
  experiments: ReadonlyArray<Experiment>,
): Promise<Map<string, ListResults>> {
  const out = new Map<string, ListResults>();
  const dt = latestResultsDt(lake);
  if (dt === null || experiments.length === 0) return out;
  const files = partitionFiles(lake, "gold", "fct_experiment_results", dt);
  if (files.length === 0) return out;
  const wanted = new Map(
    experiments.map((e) => [
      e.key,
      new Set(e.metrics.filter((m) => m.role !== "secondary").map((m) => m.metric_key)),
    ]),
  );
  const engine = await createDuckDbEngine({ threads: 1 });
  let rows: ResultRow[];
  try {
    rows = await engine.query<ResultRow & Record<string, unknown>>(
      `SELECT * FROM read_parquet([${files.map(quote).join(", ")}], hive_partitioning = false)
       WHERE analysis_mode = 'itt' AND experiment_id IN (${[...wanted.keys()].map(quote).join(", ")})
       ORDER BY experiment_id, metric_id, is_control DESC, variation_id`,
    );
  } finally {
    await engine.close();
  }
  const report = (await readQualityReport({ lake, dt }))?.report;
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
      ...listBadges(e, mine, quality, failed),
    });
  }
  return out;
}
