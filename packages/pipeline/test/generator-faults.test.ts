import { describe, expect, it } from "vitest";
import {
  createDuckDbWarehouse,
  type GeneratorFaults,
  generateDataset,
  type QualityReport,
} from "../src/index.js";
import { analyzeLoaded } from "./helpers/analyze.js";

/** Which detectors fire, read from the quality report the way a person would. */
function firedDetectors(report: QualityReport): string[] {
  const fired = new Set<string>();
  if (report.duplicate_event_rows > 0) fired.add("duplicate_events");
  for (const q of Object.values(report.experiments)) {
    if (q.pre_assignment_exposure_units > 0) fired.add("pre_assignment_exposure");
    if (q.variant_mismatch_units > 0) fired.add("variant_mismatch");
    if (q.multi_variation_exposure_units > 0) fired.add("multi_variation_exposure");
    if (q.exposure_outside_window_units > 0) fired.add("exposure_outside_window");
    if (q.srm_detected_itt) fired.add("srm");
    if (q.low_exposure_rate_days.length > 0) fired.add("exposure_rate_drop");
    if (q.assignment_conflict_units > 0 || q.orphan_exposure_rows > 0) fired.add("assignment_integrity");
  }
  return [...fired].sort();
}

async function analyze(faults: GeneratorFaults) {
  const warehouse = await createDuckDbWarehouse({ threads: 1 });
  try {
    const dataset = await generateDataset(warehouse.engine, { seed: 11, users: 3000, faults });
    const analysis = await analyzeLoaded(warehouse, { config: dataset.config });
    return { dataset, analysis };
  } finally {
    await warehouse.close();
  }
}

describe("generator failure switches: each fires its detector and only that one", () => {
  it("clean data: every detector is quiet and every data test passes", async () => {
    const { analysis, dataset } = await analyze({});
    expect(dataset.rows.assignments).toBeGreaterThan(2000);
    expect(firedDetectors(analysis.quality)).toEqual([]);
    expect(analysis.quality.data_tests.filter((t) => t.status !== "pass")).toEqual([]);
  });

  const cases: ReadonlyArray<[string, GeneratorFaults, string[]]> = [
    ["broken exposure logging", { brokenExposureLogging: { fromDay: 5, days: 2 } }, ["exposure_rate_drop"]],
    ["pre-assignment exposure", { preAssignmentExposure: 0.05 }, ["pre_assignment_exposure"]],
    ["variant mismatch", { variantMismatch: 0.05 }, ["variant_mismatch"]],
    // An exposure to a second variant is by definition also a mismatch with the assigned one.
    [
      "multi-variation exposure",
      { multiVariationExposure: 0.05 },
      ["multi_variation_exposure", "variant_mismatch"],
    ],
    ["late exposure", { lateExposure: 0.05 }, ["exposure_outside_window"]],
    ["sample ratio mismatch", { sampleRatioMismatch: 0.2 }, ["srm"]],
    ["duplicate events", { duplicateEvents: 0.05 }, ["duplicate_events"]],
  ];
  for (const [name, faults, expected] of cases) {
    it(name, async () => {
      const { analysis } = await analyze(faults);
      expect(firedDetectors(analysis.quality)).toEqual(expected);
    });
  }

  it("broken exposure logging names the broken days", async () => {
    const { analysis } = await analyze({ brokenExposureLogging: { fromDay: 5, days: 2 } });
    expect(analysis.quality.experiments.exp_checkout?.low_exposure_rate_days).toEqual([
      "2026-02-06",
      "2026-02-07",
    ]);
  });

  it("multi-variation units are exactly the mismatch units", async () => {
    const { analysis } = await analyze({ multiVariationExposure: 0.05 });
    const q = analysis.quality.experiments.exp_checkout!;
    expect(q.multi_variation_exposure_units).toBeGreaterThan(20);
    expect(q.variant_mismatch_units).toBe(q.multi_variation_exposure_units);
  });

  it("is deterministic for a seed", async () => {
    const a = await analyze({ duplicateEvents: 0.01 });
    const b = await analyze({ duplicateEvents: 0.01 });
    expect(b.dataset.rows).toEqual(a.dataset.rows);
    expect(b.analysis.quality.experiments).toEqual(a.analysis.quality.experiments);
  });
});
