import { srmTest } from "@assay/stats";
import type { AssayConfig } from "../config/assay-config.js";
import type { IdentityQuality } from "../identity/identity-quality.js";
import type { DataTestResult } from "../models/run-models.js";
import type { Engine } from "../sql/engine.js";
import type { SkippedComparison } from "./compute-results.js";

/** Per-experiment data quality (contract keys first, then extras that help a person). */
export interface ExperimentQuality {
  raw_assignment_rows: number;
  unknown_variant_assignment_rows: number;
  assignment_rows_outside_window: number;
  canonical_units: number;
  assignment_conflict_units: number;
  exposed_units: number;
  pre_assignment_exposure_units: number;
  variant_mismatch_units: number;
  multi_variation_exposure_units: number;
  exposure_outside_window_units: number;
  orphan_exposure_rows: number;
  srm_p_value_itt: number | null;
  srm_p_value_exposed: number | null;
  srm_detected_itt: boolean;
  srm_detected_exposed: boolean;
  units_by_variant_itt: Record<string, number>;
  units_by_variant_exposed: Record<string, number>;
  exposure_rate: number | null;
  /** UTC days whose assigned units were exposed at under half the experiment's median daily rate. */
  low_exposure_rate_days: string[];
}

export interface QualityReport {
  duplicate_event_rows: number;
  raw_event_rows: number;
  experiments: Record<string, ExperimentQuality>;
  data_tests: ReadonlyArray<DataTestResult>;
  skipped_comparisons: ReadonlyArray<SkippedComparison>;
  /** Present when identify rows were stitched (docs/privacy.md): links, conflicts. */
  identity?: IdentityQuality;
}

/** The models the quality report reads. */
export const qualityReportReads = [
  "fct_experiment_assignment_quality",
  "int_experiment_exposure_validation",
  "fct_experiment_exposure_quality_daily",
  "fct_event_quality",
] as const;

/** Minimum assigned units on a day before its exposure rate is judged. */
const MIN_UNITS_FOR_DAILY_RATE = 20;

/**
 * Reads the quality models and runs SRM on the cohort counts (engine's `srm` test against configured allocations).
 * @example const report = await buildQualityReport(engine, config, { tests, skipped });
 */
export async function buildQualityReport(
  engine: Engine,
  config: AssayConfig,
  extras: { tests: ReadonlyArray<DataTestResult>; skipped: ReadonlyArray<SkippedComparison> },
): Promise<QualityReport> {
  const assignment = await engine.query<{
    experiment_id: string;
    raw_assignment_rows: number;
    unknown_variant_assignment_rows: number;
    assignment_rows_outside_window: number;
    canonical_units: number;
    assignment_conflict_units: number;
  }>("SELECT * FROM fct_experiment_assignment_quality");
  const flags = await engine.query<{
    experiment_id: string;
    exposed_units: number;
    pre_assignment_exposure_units: number;
    variant_mismatch_units: number;
    multi_variation_exposure_units: number;
    exposure_outside_window_units: number;
  }>(`SELECT experiment_id,
  CAST(sum(CASE WHEN is_exposed THEN 1 ELSE 0 END) AS BIGINT) AS exposed_units,
  CAST(sum(CASE WHEN pre_assignment_exposure THEN 1 ELSE 0 END) AS BIGINT) AS pre_assignment_exposure_units,
  CAST(sum(CASE WHEN variant_mismatch THEN 1 ELSE 0 END) AS BIGINT) AS variant_mismatch_units,
  CAST(sum(CASE WHEN multi_variation_exposure THEN 1 ELSE 0 END) AS BIGINT) AS multi_variation_exposure_units,
  CAST(sum(CASE WHEN exposure_outside_window THEN 1 ELSE 0 END) AS BIGINT) AS exposure_outside_window_units
FROM int_experiment_exposure_validation GROUP BY experiment_id`);
  const byVariant = await engine.query<{
    experiment_id: string;
    variant_id: string;
    itt: number;
    exposed: number;
  }>(
    `SELECT experiment_id, variant_id, CAST(count(*) AS BIGINT) AS itt,
  CAST(sum(CASE WHEN is_exposed THEN 1 ELSE 0 END) AS BIGINT) AS exposed
FROM int_experiment_exposure_validation GROUP BY experiment_id, variant_id`,
  );
  const daily = await engine.query<{
    experiment_id: string;
    date_day: Date;
    assigned_units: number;
    exposure_rate: number | null;
    orphan_exposure_rows: number;
  }>(
    "SELECT experiment_id, date_day, assigned_units, exposure_rate, orphan_exposure_rows FROM fct_experiment_exposure_quality_daily ORDER BY experiment_id, date_day",
  );
  const [events] = await engine.query<{ raw_event_rows: number; duplicate_event_rows: number }>(
    "SELECT raw_event_rows, duplicate_event_rows FROM fct_event_quality",
  );

  const experiments: Record<string, ExperimentQuality> = {};
  for (const experiment of config.experiments) {
    const a = assignment.find((r) => r.experiment_id === experiment.id);
    const v = flags.find((r) => r.experiment_id === experiment.id);
    const counts = (mode: "itt" | "exposed") =>
      experiment.variants.map(
        (variant) =>
          byVariant.find((r) => r.experiment_id === experiment.id && r.variant_id === variant.id)?.[mode] ??
          0,
      );
    const srm = (observed: number[]) => {
      if (observed.reduce((s, x) => s + x, 0) === 0) return null;
      return srmTest(
        observed,
        experiment.variants.map((variant) => variant.allocation),
      );
    };
    const itt = counts("itt");
    const exposed = counts("exposed");
    const srmItt = srm(itt);
    const srmExposed = srm(exposed);
    const days = daily.filter((d) => d.experiment_id === experiment.id);
    const judged = days.filter(
      (d) => d.assigned_units >= MIN_UNITS_FOR_DAILY_RATE && d.exposure_rate !== null,
    );
    const rates = judged.map((d) => d.exposure_rate as number).sort((x, y) => x - y);
    const median =
      rates.length === 0
        ? null
        : (rates[Math.floor((rates.length - 1) / 2)]! + rates[Math.ceil((rates.length - 1) / 2)]!) / 2;
    const canonical = a?.canonical_units ?? 0;
    experiments[experiment.id] = {
      raw_assignment_rows: a?.raw_assignment_rows ?? 0,
      unknown_variant_assignment_rows: a?.unknown_variant_assignment_rows ?? 0,
      assignment_rows_outside_window: a?.assignment_rows_outside_window ?? 0,
      canonical_units: canonical,
      assignment_conflict_units: a?.assignment_conflict_units ?? 0,
      exposed_units: v?.exposed_units ?? 0,
      pre_assignment_exposure_units: v?.pre_assignment_exposure_units ?? 0,
      variant_mismatch_units: v?.variant_mismatch_units ?? 0,
      multi_variation_exposure_units: v?.multi_variation_exposure_units ?? 0,
      exposure_outside_window_units: v?.exposure_outside_window_units ?? 0,
      orphan_exposure_rows: days.reduce((s, d) => s + d.orphan_exposure_rows, 0),
      srm_p_value_itt: srmItt?.pValue ?? null,
      srm_p_value_exposed: srmExposed?.pValue ?? null,
      srm_detected_itt: srmItt?.srmDetected ?? false,
      srm_detected_exposed: srmExposed?.srmDetected ?? false,
      units_by_variant_itt: Object.fromEntries(
        experiment.variants.map((variant, i) => [variant.id, itt[i] ?? 0]),
      ),
      units_by_variant_exposed: Object.fromEntries(
        experiment.variants.map((variant, i) => [variant.id, exposed[i] ?? 0]),
      ),
      exposure_rate: canonical > 0 ? (v?.exposed_units ?? 0) / canonical : null,
      low_exposure_rate_days:
        median === null || median === 0
          ? []
          : judged
              .filter((d) => (d.exposure_rate as number) < median / 2)
              .map((d) => d.date_day.toISOString().slice(0, 10)),
    };
  }
  return {
    duplicate_event_rows: events?.duplicate_event_rows ?? 0,
    raw_event_rows: events?.raw_event_rows ?? 0,
    experiments,
    data_tests: extras.tests,
    skipped_comparisons: extras.skipped,
  };
}
