import { describe, expect, it } from "vitest";
import type { Experiment, ExperimentSummary, ResultRow } from "../src/api/api-types.js";
import { overview } from "../src/format/experiment-overview.js";
import { comparisonCells } from "../src/format/metric-format.js";
import { metricViews, toneOf } from "../src/format/metric-results.js";
import { projectPower } from "../src/format/power-projection.js";
import { qualityWarnings } from "../src/format/quality-warnings.js";
import { srmView } from "../src/format/srm-view.js";

const empty = {
  uplift_abs: null,
  uplift_rel: null,
  p_value_two_sided: null,
  ci_low: null,
  ci_high: null,
  cuped_theta: null,
  cuped_uplift_abs: null,
  cuped_p_value: null,
  cuped_ci_low: null,
  cuped_ci_high: null,
  cuped_variance_reduction_pct: null,
};

function row(partial: Partial<ResultRow> & Pick<ResultRow, "metric_id" | "variation_id">): ResultRow {
  return {
    experiment_id: "exp_1",
    analysis_mode: "itt",
    is_control: partial.variation_id === "control",
    n_users: 10_000,
    mean: 0.03,
    ...empty,
    ...partial,
  };
}

const experiment: Experiment = {
  key: "exp_1",
  name: "Checkout",
  description: "",
  hypothesis: "",
  type: "ab",
  owner_team: "growth",
  status: "running",
  variants: [
    { key: "control", allocation: 50, is_control: true, description: "", configuration: {} },
    { key: "treatment", allocation: 50, is_control: false, description: "", configuration: {} },
  ],
  metrics: [
    { metric_key: "conversion_7d", role: "primary", direction: "increase", threshold: null },
    { metric_key: "refund_rate", role: "guardrail", direction: "decrease", threshold: 0.2 },
  ],
  targeting: { include_segments: [], exclude_segments: [], condition: null },
  start_at: "2026-02-01T00:00:00Z",
  end_at: "2026-02-15T00:00:00Z",
  minimum_sample_size: 10_000,
  prereg_url: null,
  power_analysis: null,
  assignment_salt: "s",
  assignment_seed: 0,
  environment: "production",
  created_by: "ana",
  submitted_by: null,
  approved_by: null,
  created_at: "2026-01-20T00:00:00Z",
  updated_at: "2026-01-20T00:00:00Z",
};

const summary: ExperimentSummary = {
  experiment_key: "exp_1",
  alpha: 0.05,
  quality: null,
  results: [
    row({ metric_id: "refund_rate", variation_id: "control", mean: 0.05 }),
    row({
      metric_id: "refund_rate",
      variation_id: "treatment",
      mean: 0.051,
      uplift_abs: 0.001,
      uplift_rel: 0.02,
      p_value_two_sided: 0.6,
      ci_low: -0.003,
      ci_high: 0.005,
    }),
    row({ metric_id: "conversion_7d", variation_id: "control" }),
    row({
      metric_id: "conversion_7d",
      variation_id: "treatment",
      n_users: 10_020,
      mean: 0.034,
      uplift_abs: 0.004,
      uplift_rel: 0.1333,
      p_value_two_sided: 0.041,
      ci_low: 0.0002,
      ci_high: 0.0078,
      cuped_uplift_abs: 0.0039,
      cuped_p_value: 0.01,
      cuped_ci_low: 0.001,
      cuped_ci_high: 0.0068,
      cuped_variance_reduction_pct: 22.5,
    }),
    row({ metric_id: "conversion_7d", variation_id: "control", analysis_mode: "exposed", n_users: 8000 }),
    row({
      metric_id: "conversion_7d",
      variation_id: "treatment",
      analysis_mode: "exposed",
      n_users: 8100,
      uplift_abs: -0.001,
      p_value_two_sided: 0.7,
      ci_low: -0.005,
      ci_high: 0.003,
    }),
  ],
};

describe("metric views", () => {
  it("puts the primary metric first and reads its comparison in the chosen mode", () => {
    const views = metricViews(experiment, summary, "itt", "raw");
    expect(views.map((v) => v.metricKey)).toEqual(["conversion_7d", "refund_rate"]);
    const c = views[0]!.comparisons[0]!;
    expect(c).toMatchObject({
      variationId: "treatment",
      pValue: 0.041,
      significant: true,
      tone: "positive",
      cuped: false,
    });
    expect(views[0]!.kind).toBe("proportion");
    expect(comparisonCells(c, "proportion")).toEqual({
      level: "3.40%",
      difference: "+0.40 pp",
      relative: "+13.3%",
      interval: "[+0.02 pp, +0.78 pp]",
      pValue: "0.041",
    });
    const exposed = metricViews(experiment, summary, "exposed", "raw");
    expect(exposed).toHaveLength(1);
    expect(exposed[0]!.comparisons[0]!.tone).toBe("neutral");
  });

  it("switches to the CUPED columns where they exist and says so where they do not", () => {
    const views = metricViews(experiment, summary, "itt", "cuped");
    const c = views[0]!.comparisons[0]!;
    expect(c).toMatchObject({
      cuped: true,
      upliftAbs: 0.0039,
      pValue: 0.01,
      ciLow: 0.001,
      varianceReductionPct: 22.5,
    });
    expect(c.upliftRel).toBeCloseTo(0.0039 / 0.03, 12);
    expect(views[1]!.cupedUnavailable).toBe(true);
    expect(views[1]!.comparisons[0]!.cuped).toBe(false);
  });

  it("judges tone by the desired direction", () => {
    expect(toneOf(-0.01, true, "decrease")).toBe("positive");
    expect(toneOf(0.01, true, "decrease")).toBe("negative");
    expect(toneOf(0.01, false, "increase")).toBe("neutral");
  });
});

describe("power projection", () => {
  it("projects the end date from the rate of the smallest arm", () => {
    const p = projectPower({
      armSizes: [500, 520],
      requiredPerVariant: 1000,
      startAt: "2026-02-01T00:00:00Z",
      plannedEndAt: "2026-02-08T00:00:00Z",
      now: "2026-02-06T00:00:00Z",
    });
    expect(p.progress).toBe(0.5);
    expect(p.projectedEnd).toBe("2026-02-11T00:00:00.000Z");
    expect(p.overrunsPlannedEnd).toBe(true);
  });
  it("has no projection without a required size, and is done once reached", () => {
    expect(
      projectPower({
        armSizes: [5],
        requiredPerVariant: null,
        startAt: null,
        plannedEndAt: null,
        now: "2026-02-06T00:00:00Z",
      }),
    ).toMatchObject({ progress: null, projectedEnd: null });
    expect(
      projectPower({
        armSizes: [2000, 1500],
        requiredPerVariant: 1000,
        startAt: "2026-02-01T00:00:00Z",
        plannedEndAt: null,
        now: "2026-02-06T00:00:00Z",
      }),
    ).toMatchObject({ progress: 1.5, overrunsPlannedEnd: false });
  });
});

describe("SRM view and quality warnings", () => {
  it("takes the verdict from the decision engine's sequential test and keeps the χ² p as detail", () => {
    const withQuality = {
      ...summary,
      quality: { ...quality, srm_p_value_itt: 0.004, units_by_variant_itt: { control: 600, treatment: 400 } },
    };
    // A one-look χ² p of 0.004 alone is no verdict: the engine has not tested the split yet.
    expect(srmView(experiment.variants, withQuality, "itt")).toMatchObject({
      detected: false,
      threshold: null,
      chiSquareP: 0.004,
    });
    const s = srmView(
      experiment.variants,
      {
        ...withQuality,
        decision: {
          experiment_key: "exp_1",
          experiment_status: "running",
          status: "inconclusive",
          reasons: [],
          evaluated_at: "2026-02-10T03:00:00.000Z",
          run_id: 1,
          fail_closed: null,
          details: { srm: { p_min: 0.0005, active: true, threshold: 0.01 } },
        },
      },
      "itt",
    );
    expect(s).toMatchObject({
      detected: true,
      total: 1000,
      pValue: 0.0005,
      threshold: 0.01,
      chiSquareP: 0.004,
    });
    expect(s.shares.map((x) => [x.variationId, x.observedShare, x.expectedShare])).toEqual([
      ["control", 0.6, 0.5],
      ["treatment", 0.4, 0.5],
    ]);
  });
  it("falls back to result rows for counts", () => {
    const s = srmView(experiment.variants, summary, "exposed");
    expect(s.total).toBe(16_100);
    expect(s.detected).toBe(false);
  });
  it("names every non-zero problem", () => {
    const w = qualityWarnings({ ...quality, pre_assignment_exposure_units: 12, orphan_exposure_rows: 3 });
    expect(w.map((x) => x.key)).toEqual(["pre_assignment_exposure", "orphan_exposure"]);
    expect(w[0]!.message).toBe("12 units exposed before assignment (1.2% of units)");
    expect(qualityWarnings(quality)).toEqual([]);
  });
});

const quality = {
  raw_assignment_rows: 1000,
  unknown_variant_assignment_rows: 0,
  assignment_rows_outside_window: 0,
  canonical_units: 1000,
  assignment_conflict_units: 0,
  exposed_units: 900,
  pre_assignment_exposure_units: 0,
  variant_mismatch_units: 0,
  multi_variation_exposure_units: 0,
  exposure_outside_window_units: 0,
  orphan_exposure_rows: 0,
  srm_p_value_itt: 0.5,
  srm_p_value_exposed: 0.5,
};

describe("decision", () => {
  const now = "2026-02-10T00:00:00Z";
  const server = (d: Partial<NonNullable<ExperimentSummary["decision"]>>): ExperimentSummary => ({
    ...summary,
    decision: {
      experiment_key: "exp_1",
      experiment_status: "running",
      status: "keep_running",
      reasons: [],
      evaluated_at: "2026-02-10T03:00:00.000Z",
      run_id: 7,
      fail_closed: null,
      details: {},
      ...d,
    },
  });
  it("renders the policy's status and reasons, blocking ones first, with a readable time", () => {
    const d = overview(
      experiment,
      server({
        status: "ship",
        reasons: [
          {
            kind: "srm",
            severity: "ok",
            code: "srm_ok",
            values: { p_value: 0.6 },
            message: "no sample ratio mismatch",
          },
          {
            kind: "primary",
            severity: "blocking",
            code: "efficacy",
            metric: "conversion_7d",
            variant: "treatment",
            values: { p_value: 0.001 },
            message: "conversion_7d: treatment +20.0% vs control, significant",
          },
        ],
      }),
      "itt",
      "raw",
      now,
    ).decision;
    expect(d).toMatchObject({ kind: "ship", label: "Ship", tone: "positive" });
    expect(d.lines.map((l) => l.code)).toEqual(["efficacy", "srm_ok", null]);
    expect(d.lines.at(-1)?.text).not.toMatch(/T03:00:00/);
  });
  it("says a tripped fail-closed guard first", () => {
    const d = overview(
      experiment,
      server({ status: "roll_back", fail_closed: { active: true, tripped_at: "2026-02-09T01:00:00.000Z" } }),
      "itt",
      "raw",
      now,
    ).decision;
    expect(d.tone).toBe("negative");
    expect(d.lines[0]?.code).toBe("fail_closed");
  });
  it("derives no verdict of its own: a significant fixed-sample win without an evaluation is 'not evaluated yet'", () => {
    const d = overview(experiment, summary, "itt", "raw", now).decision;
    expect(d).toMatchObject({ kind: "not_evaluated", label: "Not evaluated yet", tone: "neutral" });
    expect(
      overview(experiment, server({ evaluated_at: null }), "itt", "raw", now).decision.lines[0]?.text,
    ).toBe("The decision engine has not evaluated this experiment yet.");
  });
});

describe("metric types in the results table (docs/metrics.md)", () => {
  const typed: ExperimentSummary = {
    experiment_key: "exp_1",
    alpha: 0.05,
    quality: null,
    metric_types: { page_load_p90: "quantile", retention_d7: "retention" },
    results: [
      row({
        metric_id: "page_load_p90",
        variation_id: "control",
        mean: 716.2,
        n_values: 3768,
        design_effect: 1.82,
      }),
      row({
        metric_id: "page_load_p90",
        variation_id: "treatment",
        mean: 696.3,
        n_values: 3715,
        design_effect: 1.97,
        uplift_abs: -19.9,
        uplift_rel: -0.0279,
        p_value_two_sided: 0.26,
        ci_low: -54.4,
        ci_high: 14.5,
      }),
      row({
        metric_id: "retention_d7",
        variation_id: "control",
        mean: 0.409,
        n_users: 1016,
        excluded_units: 195,
      }),
      row({
        metric_id: "retention_d7",
        variation_id: "treatment",
        mean: 0.476,
        n_users: 1005,
        excluded_units: 184,
        uplift_abs: 0.066,
        uplift_rel: 0.162,
        p_value_two_sided: 0.003,
        ci_low: 0.023,
        ci_high: 0.109,
      }),
    ],
  };

  it("shows a quantile as a number with its values and design effect, a retention as a proportion with its excluded units", () => {
    const views = metricViews(experiment, typed, "itt", "raw");
    const quantile = views.find((v) => v.metricKey === "page_load_p90");
    const retention = views.find((v) => v.metricKey === "retention_d7");
    expect(quantile?.kind).toBe("number");
    expect(quantile?.note).toBe(
      "value = the quantile; control 3,768 values (design effect 1.82), treatment 3,715 values (design effect 1.97)",
    );
    expect(comparisonCells(quantile!.comparisons[0]!, "number").difference).toContain("19.9");
    expect(retention?.kind).toBe("proportion");
    expect(retention?.note).toBe("units excluded (window not ended): control 195, treatment 184");
    expect(retention?.comparisons[0]?.significant).toBe(true);
  });
});
