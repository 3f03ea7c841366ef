import { describe, expect, it } from "vitest";
import { decide } from "../src/decisions/decision-status.js";
import { checkGuardrail } from "../src/decisions/guardrail-check.js";
import { compareArms, type MetricComparison } from "../src/decisions/metric-comparison.js";
import { monitorPower } from "../src/decisions/power-monitor.js";

const arm = (variant: string, n: number, conversions: number, isControl = false) => ({
  variant,
  isControl,
  n,
  sum: conversions,
  sumSquares: conversions,
});

describe("metric comparison", () => {
  it("gives the relative lift and its delta-method standard error from sufficient statistics", () => {
    const [c] = compareArms("refund_rate", "mean", [
      arm("control", 10_000, 500, true),
      arm("treatment", 10_000, 700),
    ]);
    expect(c?.relLift).toBeCloseTo(0.4, 10);
    expect(c?.controlValue).toBeCloseTo(0.05, 12);
    // se_rel = sqrt(s_t²/(n_t m_c²) + m_t² s_c²/(n_c m_c⁴)) with sample variances.
    const sc = (500 - 500 ** 2 / 10_000) / 9_999;
    const st = (700 - 700 ** 2 / 10_000) / 9_999;
    const expected = Math.sqrt(st / (10_000 * 0.05 ** 2) + (0.07 ** 2 * sc) / (10_000 * 0.05 ** 4));
    expect(c?.seRel).toBeCloseTo(expected, 8);
    expect(c?.z).toBeCloseTo(c!.diff / c!.se, 12);
  });

  it("skips arms with fewer than 2 units", () => {
    expect(compareArms("m", "mean", [arm("control", 1, 0, true), arm("treatment", 100, 5)])).toEqual([]);
  });
});

const comparison = (relLift: number, seRel: number): MetricComparison => ({
  metricKey: "refund_rate",
  variant: "treatment",
  nControl: 1000,
  nTreatment: 1000,
  controlValue: 0.05,
  treatmentValue: 0.05 * (1 + relLift),
  diff: 0.05 * relLift,
  se: 0.01,
  z: (0.05 * relLift) / 0.01,
  relLift,
  seRel,
});

describe("guardrails", () => {
  const refund = { metricKey: "refund_rate", direction: "decrease" as const, threshold: 0.2 };

  it("breaches only when the harm exceeds the threshold significantly at the boundary", () => {
    expect(checkGuardrail(refund, comparison(0.5, 0.1), 2.4).breached).toBe(true); // z = 3
    expect(checkGuardrail(refund, comparison(0.4, 0.1), 2.4).breached).toBe(false); // z = 2 < 2.4
    expect(checkGuardrail(refund, comparison(0.15, 0.001), 2.4).breached).toBe(false); // under the threshold
  });

  it("reads the direction: a drop breaches an 'increase' guardrail, a rise does not", () => {
    const revenue = { metricKey: "revenue", direction: "increase" as const, threshold: 0.1 };
    expect(checkGuardrail(revenue, comparison(-0.5, 0.05), 2.4)).toMatchObject({
      breached: true,
      relativeHarm: 0.5,
    });
    expect(checkGuardrail(revenue, comparison(0.5, 0.05), 2.4).breached).toBe(false);
  });
});

describe("power monitoring", () => {
  const base = {
    startAt: new Date("2026-02-01T00:00:00Z"),
    endAt: new Date("2026-03-01T00:00:00Z"),
    plannedPerVariant: 14_000,
    baselineRate: 0.1,
    alpha: 0.05,
    power: 0.8,
  };

  it("projects the completion date from the enrolment rate and warns when it is after the planned end", () => {
    const slow = monitorPower({ ...base, now: new Date("2026-02-11T00:00:00Z"), enrolledPerVariant: 2_000 });
    expect(slow.enrolmentPerDay).toBeCloseTo(200, 10);
    expect(slow.projectedCompletion).toBe("2026-04-12T00:00:00.000Z");
    expect(slow.warning).toBe(true);
    expect(slow.mdeNow!).toBeGreaterThan(slow.mdeAtPlannedEnd!);
    expect(slow.mdeAtPlannedEnd!).toBeGreaterThan(slow.plannedMde!);
    const fast = monitorPower({ ...base, now: new Date("2026-02-11T00:00:00Z"), enrolledPerVariant: 7_000 });
    expect(fast.projectedCompletion).toBe("2026-02-21T00:00:00.000Z");
    expect(fast.warning).toBe(false);
  });

  it("warns when enrolment has stalled", () => {
    const stalled = monitorPower({ ...base, now: new Date("2026-02-11T00:00:00Z"), enrolledPerVariant: 0 });
    expect(stalled.projectedCompletion).toBeNull();
    expect(stalled.warning).toBe(true);
  });
});

describe("decision status", () => {
  const primary = (outcome: "efficacy" | "harm" | "continue" | "final_no_effect") => ({
    metricKey: "conversion_7d",
    direction: "increase" as const,
    comparison: comparison(0.1, 0.03),
    informationFraction: 0.6,
    look: 3,
    boundary: 2.4,
    outcome,
  });
  const none = {
    guardrails: [],
    srm: { active: false, pValue: 0.5, streak: 0 },
    dataQuality: [],
    pastPlannedEnd: false,
  };

  it("maps the primary's sequential outcome", () => {
    expect(decide({ ...none, primary: primary("efficacy") }).status).toBe("ship");
    expect(decide({ ...none, primary: primary("harm") }).status).toBe("roll_back");
    expect(decide({ ...none, primary: primary("continue") }).status).toBe("keep_running");
    expect(decide({ ...none, primary: primary("final_no_effect") }).status).toBe("inconclusive");
    expect(decide({ ...none, primary: primary("continue"), pastPlannedEnd: true }).status).toBe(
      "inconclusive",
    );
  });

  it("a breached guardrail rolls back even a winner; SRM and data quality make it inconclusive", () => {
    const breached = checkGuardrail(
      { metricKey: "refund_rate", direction: "decrease", threshold: 0.2 },
      comparison(0.5, 0.1),
      2.4,
    );
    const rolled = decide({ ...none, primary: primary("efficacy"), guardrails: [breached] });
    expect(rolled.status).toBe("roll_back");
    expect(rolled.reasons.find((r) => r.kind === "guardrail")).toMatchObject({ severity: "blocking" });
    const srm = decide({
      ...none,
      primary: primary("efficacy"),
      srm: { active: true, pValue: 1e-6, streak: 3 },
    });
    expect(srm.status).toBe("inconclusive");
    expect(srm.reasons.find((r) => r.kind === "srm")?.message).toMatch(/3 consecutive/);
    const dq = decide({
      ...none,
      primary: primary("efficacy"),
      dataQuality: ["exposure logging looks broken on 2026-02-03"],
    });
    expect(dq.status).toBe("inconclusive");
    expect(dq.reasons.map((r) => r.kind)).toEqual(["srm", "data_quality", "primary"]);
  });

  it("says a guardrail with no relative change (no data, zero control mean) is not testable, never NaN%", () => {
    const untestable = checkGuardrail(
      { metricKey: "refund_rate", direction: "decrease", threshold: 0.2 },
      comparison(Number.NaN, Number.NaN),
      2.4,
    );
    const decision = decide({ ...none, primary: primary("continue"), guardrails: [untestable] });
    const reason = decision.reasons.find((r) => r.kind === "guardrail");
    expect(reason).toMatchObject({ severity: "warning" });
    expect(reason?.message).toMatch(/^refund_rate \(treatment\): not testable yet/);
    expect(reason?.message).not.toMatch(/NaN/);
    expect(decision.status).toBe("keep_running");
  });
});
