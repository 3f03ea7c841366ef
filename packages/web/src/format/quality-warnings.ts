import type { ExperimentQuality } from "../api/api-types.js";

export interface QualityWarning {
  readonly key: string;
  readonly message: string;
}

const share = (part: number, whole: number): string =>
  whole > 0 ? ` (${((100 * part) / whole).toFixed(1)}% of units)` : "";

/**
 * The data-quality problems worth a badge: anything the pipeline counted that a clean log would not have.
 * @example qualityWarnings(report).map((w) => w.message)
 */
export function qualityWarnings(q: ExperimentQuality | null | undefined): QualityWarning[] {
  if (q === null || q === undefined) return [];
  const units = q.canonical_units;
  const out: QualityWarning[] = [];
  const add = (key: string, count: number, what: string, ofUnits: boolean): void => {
    if (count > 0)
      out.push({
        key,
        message: `${count.toLocaleString("en-US")} ${what}${ofUnits ? share(count, units) : ""}`,
      });
  };
  add("assignment_conflict", q.assignment_conflict_units, "units assigned to more than one variant", true);
  add("pre_assignment_exposure", q.pre_assignment_exposure_units, "units exposed before assignment", true);
  add(
    "variant_mismatch",
    q.variant_mismatch_units,
    "units exposed to a variant they were not assigned",
    true,
  );
  add(
    "multi_variation_exposure",
    q.multi_variation_exposure_units,
    "units exposed to several variants",
    true,
  );
  add(
    "exposure_outside_window",
    q.exposure_outside_window_units,
    "units with exposures outside the experiment window",
    true,
  );
  add("orphan_exposure", q.orphan_exposure_rows, "exposure rows without an assignment", false);
  add(
    "unknown_variant",
    q.unknown_variant_assignment_rows,
    "assignment rows naming an unknown variant",
    false,
  );
  add(
    "outside_window",
    q.assignment_rows_outside_window,
    "assignment rows outside the experiment window",
    false,
  );
  const lowDays = q.low_exposure_rate_days ?? [];
  if (lowDays.length > 0)
    out.push({ key: "low_exposure_days", message: `exposure rate collapsed on ${lowDays.join(", ")}` });
  return out;
}
