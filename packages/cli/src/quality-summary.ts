import type { ExperimentQuality, QualityReport } from "@assay/pipeline";

/** Warning lines shown per experiment (the most severe first); the rest are counted. */
const perExperiment = 4;

const count = (n: number): string => n.toLocaleString("en-US");
const percent = (part: number, whole: number): string =>
  whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "n/a";

/** Each problem the pipeline counted in one experiment that a clean log would not have, as a short phrase. */
function experimentWarnings(q: ExperimentQuality): string[] {
  const units = q.canonical_units;
  const out: string[] = [];
  const ofUnits = (n: number, what: string) => {
    if (n > 0) out.push(`${count(n)} ${what} (${percent(n, units)} of units)`);
  };
  const rows = (n: number, what: string) => {
    if (n > 0) out.push(`${count(n)} ${what}`);
  };
  if (q.srm_detected_itt)
    out.push(`sample ratio mismatch (ITT, p = ${q.srm_p_value_itt?.toPrecision(2) ?? "?"})`);
  else if (q.srm_detected_exposed)
    out.push(
      `sample ratio mismatch among exposed units (p = ${q.srm_p_value_exposed?.toPrecision(2) ?? "?"})`,
    );
  ofUnits(q.variant_mismatch_units, "units exposed to a variant they were not assigned");
  ofUnits(q.multi_variation_exposure_units, "units exposed to several variants");
  ofUnits(q.pre_assignment_exposure_units, "units exposed before assignment");
  ofUnits(q.assignment_conflict_units, "units assigned to more than one variant");
  ofUnits(q.exposure_outside_window_units, "units with exposures outside the experiment window");
  rows(q.orphan_exposure_rows, "exposure rows without an assignment");
  rows(q.unknown_variant_assignment_rows, "assignment rows naming an unknown variant");
  rows(q.assignment_rows_outside_window, "assignment rows outside the experiment window");
  if (q.low_exposure_rate_days.length > 0)
    out.push(`exposure rate collapsed on ${q.low_exposure_rate_days.join(", ")}`);
  return out;
}

/**
 * A short data-quality summary of an analysis for the terminal: one line per experiment (units, exposure) and
 * up to four indented `warning:` lines (SRM and variant mismatches first); then duplicates and data-test warnings. The full figures are in
 * quality_report.json.
 * @example for (const line of qualitySummary(analysis.quality)) console.log(line);
 */
export function qualitySummary(report: QualityReport): string[] {
  const lines: string[] = [];
  let warnings = 0;
  for (const [key, q] of Object.entries(report.experiments)) {
    const exposed = `${count(q.exposed_units)} exposed (${percent(q.exposed_units, q.canonical_units)})`;
    lines.push(`  ${key}: ${count(q.canonical_units)} units, ${exposed}`);
    const found = experimentWarnings(q);
    for (const w of found.slice(0, perExperiment)) lines.push(`    warning: ${w}`);
    if (found.length > perExperiment) lines.push(`    … and ${found.length - perExperiment} more`);
    warnings += found.length;
  }
  if (report.duplicate_event_rows > 0) {
    lines.push(
      `  warning: ${count(report.duplicate_event_rows)} duplicate event rows dropped (${percent(report.duplicate_event_rows, report.raw_event_rows)} of ${count(report.raw_event_rows)} event rows)`,
    );
    warnings++;
  }
  for (const t of report.data_tests.filter((test) => test.status === "warn")) {
    lines.push(`  warning: data test ${t.model}: ${t.test} failed on ${count(t.failingRows)} rows`);
    warnings++;
  }
  const head = `data quality: ${warnings === 0 ? "no warnings" : `${warnings} warning(s)`} (details in quality_report.json)`;
  return [head, ...lines];
}
