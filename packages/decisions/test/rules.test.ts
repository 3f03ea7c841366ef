// The policy's rules through `evaluate`: comparisons, guardrails, SRM, data quality, status precedence, reason
// codes and words, and the edge cases that used to throw (zero denominators, empty arms).
import { describe, expect, it } from "vitest";
import {
  compareToControl,
  evaluate,
  initialPolicyState,
  monitorPower,
  type PolicyExperimentInput,
  type PolicySnapshotInput,
  policyExperimentSchema,
  policySnapshotSchema,
  readPolicyState,
} from "../src/index.js";

const conv = (n: number, k: number) => ({ n, sum: k, sum_squares: k });
const ratio = (n: number, num: number, den: number) => ({
  n,
  sum_num: num,
  sum_num_squares: num,
  sum_den: den,
  sum_den_squares: den,
  sum_num_den: num,
});

function experiment(overrides: Partial<PolicyExperimentInput> = {}) {
  return policyExperimentSchema.parse({
    variants: [
      { key: "control", weight: 50, control: true },
      { key: "treatment", weight: 50 },
    ],
    metrics: [
      { key: "conversion", role: "primary", kind: "mean", direction: "increase" },
      { key: "refund_rate", role: "guardrail", kind: "ratio", direction: "decrease", threshold: 0.1 },
    ],
    planned_per_variant: 10_000,
    start_at: "2026-02-01T00:00:00Z",
    end_at: "2026-02-15T00:00:00Z",
    ...overrides,
  });
}

const snapshot = (s: Partial<PolicySnapshotInput> & { units: Record<string, number> }) =>
  policySnapshotSchema.parse({ at: "2026-02-05T00:00:00Z", ...s });

describe("compareToControl", () => {
  it("gives the relative lift and its delta-method standard error from sufficient statistics", () => {
    const [c] = compareToControl({ control: conv(10_000, 500), treatment: conv(10_000, 700) }, "control", [
      "treatment",
    ]);
    expect(c?.relLift).toBeCloseTo(0.4, 10);
    const sc = (500 - 500 ** 2 / 10_000) / 9_999;
    const st = (700 - 700 ** 2 / 10_000) / 9_999;
    const expected = Math.sqrt(st / (10_000 * 0.05 ** 2) + (0.07 ** 2 * sc) / (10_000 * 0.05 ** 4));
    expect(c?.seRel).toBeCloseTo(expected, 8);
    expect(c?.untestable).toBeNull();
  });

  it("never throws: an empty arm, one unit, a zero denominator each say why", () => {
    const arms = { control: ratio(50, 0, 0), treatment: ratio(40, 1, 3), other: conv(1, 1) };
    const [t, o, missing] = compareToControl(arms, "control", ["treatment", "other", "nobody"]);
    expect(t?.untestable).toBe("zero_denominator");
    expect(o?.untestable).toBe("zero_denominator");
    expect(missing?.untestable).toBe("zero_denominator");
    const [few] = compareToControl({ control: conv(1, 0), treatment: conv(10, 3) }, "control", ["treatment"]);
    expect(few?.untestable).toBe("too_few_units");
  });
});

describe("evaluate", () => {
  it("runs in the first hours with no denominators, an empty arm and a variant without units, saying not testable yet", () => {
    const e = experiment({
      variants: [
        { key: "control", weight: 34, control: true },
        { key: "treatment", weight: 33 },
        { key: "late", weight: 33 },
      ],
    });
    const { decision, state, effects } = evaluate(
      e,
      snapshot({
        units: { control: 3, treatment: 2 },
        metrics: {
          conversion: { control: conv(3, 0), treatment: conv(2, 1), late: conv(0, 0) },
          refund_rate: { control: ratio(3, 0, 0), treatment: ratio(2, 0, 1), late: ratio(0, 0, 0) },
        },
      }),
      null,
    );
    expect(decision.status).toBe("keep_running");
    expect(effects).toEqual([]);
    const guardrails = decision.reasons.filter((r) => r.kind === "guardrail");
    expect(guardrails.map((r) => r.code)).toEqual(["guardrail_not_testable", "guardrail_not_testable"]);
    expect(guardrails[0]?.message).toMatch(
      /^refund_rate \(treatment\): not testable yet — no denominator events/,
    );
    expect(JSON.stringify(decision)).not.toMatch(/NaN/);
    expect(state.runs).toBe(1);
  });

  it("fails closed on a guardrail clearly beyond its threshold, once, with reasons as codes and numbers", () => {
    const e = experiment();
    const s = snapshot({
      units: { control: 10_000, treatment: 10_000 },
      metrics: {
        conversion: { control: conv(10_000, 1000), treatment: conv(10_000, 1000) },
        refund_rate: { control: ratio(10_000, 500, 10_000), treatment: ratio(10_000, 900, 10_000) },
      },
    });
    const first = evaluate(e, s, null);
    expect(first.decision.status).toBe("roll_back");
    expect(first.effects.map((x) => x.type)).toEqual(["fail_closed"]);
    const breach = first.decision.reasons.find((r) => r.code === "guardrail_breach");
    expect(breach).toMatchObject({
      kind: "guardrail",
      severity: "blocking",
      metric: "refund_rate",
      variant: "treatment",
    });
    expect(breach?.values.relative_harm).toBeCloseTo(0.8, 10);
    expect(breach?.message).toMatch(/80\.0% worse than control, beyond the tolerated 10\.0%/);
    const second = evaluate(e, { ...s, at: "2026-02-05T01:00:00Z" }, first.state);
    expect(second.effects.filter((x) => x.type === "fail_closed")).toEqual([]);
    expect(second.state.guard).toEqual({ active: true, trippedAt: "2026-02-05T00:00:00Z" });
  });

  it("words a guardrail change the right way round: better is better, worse is worse", () => {
    const e = experiment({
      metrics: [
        { key: "conversion", role: "primary", kind: "mean", direction: "increase" },
        { key: "revenue", role: "guardrail", kind: "mean", direction: "increase", threshold: 0.05 },
      ],
    });
    const arms = (c: number, t: number) => ({
      control: { n: 5000, sum: 5000 * c, sum_squares: 5000 * (c * c + 4) },
      treatment: { n: 5000, sum: 5000 * t, sum_squares: 5000 * (t * t + 4) },
    });
    const better = evaluate(
      e,
      snapshot({ units: { control: 5000, treatment: 5000 }, metrics: { revenue: arms(10, 10.12) } }),
      null,
    );
    expect(better.decision.reasons.find((r) => r.kind === "guardrail")?.message).toMatch(
      /1\.2% better than control/,
    );
    const worse = evaluate(
      e,
      snapshot({ units: { control: 5000, treatment: 5000 }, metrics: { revenue: arms(10, 9.88) } }),
      null,
    );
    expect(worse.decision.reasons.find((r) => r.kind === "guardrail")?.message).toMatch(
      /1\.2% worse than control/,
    );
  });

  it("ships on a clear primary win under every method once it may, and never reports a winner as blocking harm", () => {
    const s = snapshot({
      units: { control: 10_000, treatment: 10_000 },
      metrics: { conversion: { control: conv(10_000, 1000), treatment: conv(10_000, 1300) } },
    });
    const e = (method: string) =>
      experiment({
        metrics: [{ key: "conversion", role: "primary", kind: "mean", direction: "increase" }],
        decision_config: { method } as never,
      });
    const av = evaluate(e("always_valid"), s, null);
    expect(av.decision.status).toBe("ship");
    const win = av.decision.reasons.find((r) => r.kind === "primary");
    // A winner is the decision, not a problem: never listed as "blocking" (first-hour issue, item 3).
    expect(win).toMatchObject({ code: "efficacy", severity: "ok" });
    expect(win?.message).toMatch(/\+30\.0% vs control, significant/);
    expect(evaluate(e("group_sequential"), s, null).decision.status).toBe("ship");
    expect(evaluate(e("fixed_horizon"), s, null).decision.status).toBe("ship");
    // Half the planned sample: fixed horizon waits for the end; always-valid may act now.
    const half = snapshot({
      units: { control: 5_000, treatment: 5_000 },
      metrics: { conversion: { control: conv(5_000, 500), treatment: conv(5_000, 700) } },
    });
    expect(evaluate(e("fixed_horizon"), half, null).decision.reasons.map((r) => r.code)).toContain(
      "awaiting_planned_end",
    );
    expect(evaluate(e("fixed_horizon"), half, null).decision.status).toBe("keep_running");
    expect(evaluate(e("always_valid"), half, null).decision.status).toBe("ship");
  });

  it("puts harm before untrustworthy data before a win", () => {
    const e = experiment({
      metrics: [{ key: "conversion", role: "primary", kind: "mean", direction: "increase" }],
    });
    const win = { conversion: { control: conv(10_000, 1000), treatment: conv(10_000, 1300) } };
    const dq = evaluate(
      e,
      snapshot({
        units: { control: 10_000, treatment: 10_000 },
        metrics: win,
        data_quality: ["exposure logging looks broken on 2026-02-03"],
      }),
      null,
    );
    expect(dq.decision.status).toBe("inconclusive");
    expect(dq.decision.reasons.find((r) => r.code === "data_quality")?.message).toBe(
      "exposure logging looks broken on 2026-02-03",
    );
    const srm = evaluate(e, snapshot({ units: { control: 10_000, treatment: 9_000 }, metrics: win }), null);
    expect(srm.decision.status).toBe("inconclusive");
    expect(srm.decision.reasons.find((r) => r.kind === "srm")?.code).toBe("srm");
    expect(srm.effects.map((x) => x.type === "notify" && x.event)).toEqual(["srm_alert"]);
    const harm = evaluate(
      e,
      snapshot({
        units: { control: 10_000, treatment: 10_000 },
        metrics: { conversion: { control: conv(10_000, 1300), treatment: conv(10_000, 1000) } },
      }),
      null,
    );
    expect(harm.decision.status).toBe("roll_back");
  });

  it("notifies a decision change and reads an older server's state", () => {
    const e = experiment({
      metrics: [{ key: "conversion", role: "primary", kind: "mean", direction: "increase" }],
    });
    const s = snapshot({
      units: { control: 10_000, treatment: 10_000 },
      metrics: { conversion: { control: conv(10_000, 1000), treatment: conv(10_000, 1300) } },
    });
    const r = evaluate(e, s, { ...initialPolicyState, lastStatus: "keep_running" });
    expect(r.effects).toContainEqual(
      expect.objectContaining({
        type: "notify",
        event: "decision_changed",
        summary: "decision keep_running → ship",
      }),
    );
    expect(
      readPolicyState({ srm: { streak: 0 }, primaryLook: 2, primaryOutcome: "continue" }).primary,
    ).toEqual({
      outcome: "continue",
      look: 2,
      decidedAt: null,
    });
  });

  it("keeps a snapshot-less run harmless (no results yet)", () => {
    const r = evaluate(experiment(), null, null);
    expect(r.decision.status).toBe("keep_running");
    expect(r.decision.reasons[0]?.code).toBe("no_results");
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
