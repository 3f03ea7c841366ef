import { describe, expect, it } from "vitest";
import type { Experiment, ExperimentSummary, ResultRow, SummaryGuardrails } from "../src/api/api-types.js";
import { overview } from "../src/format/experiment-overview.js";
import { guardrailCard } from "../src/format/guardrail-card.js";

const nulls = {
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
    n_users: 20_000,
    mean: 0.05,
    uplift_abs: null,
    uplift_rel: null,
    p_value_two_sided: null,
    ci_low: null,
    ci_high: null,
    ...nulls,
    ...partial,
  };
}

const experiment = {
  key: "exp_1",
  status: "running",
  variants: [
    { key: "control", allocation: 50, is_control: true, description: "", configuration: {} },
    { key: "treatment", allocation: 50, is_control: false, description: "", configuration: {} },
  ],
  metrics: [
    { metric_key: "conversion_7d", role: "primary", direction: "increase", threshold: null },
    { metric_key: "refund_rate", role: "guardrail", direction: "decrease", threshold: 0.2 },
    { metric_key: "latency_ms", role: "guardrail", direction: "decrease", threshold: 0.1 },
  ],
  start_at: "2026-02-01T00:00:00Z",
  end_at: "2026-02-15T00:00:00Z",
  minimum_sample_size: 20_000,
  power_analysis: null,
} as unknown as Experiment;

// refund_rate: +30 % against a 20 % tolerance, p = 0.001 — the dashboard's old fixed-sample rule calls it breached.
const results: ResultRow[] = [
  row({ metric_id: "conversion_7d", variation_id: "control" }),
  row({
    metric_id: "conversion_7d",
    variation_id: "treatment",
    uplift_abs: 0.001,
    uplift_rel: 0.02,
    p_value_two_sided: 0.5,
    ci_low: -0.002,
    ci_high: 0.004,
  }),
  row({ metric_id: "refund_rate", variation_id: "control", mean: 0.01 }),
  row({
    metric_id: "refund_rate",
    variation_id: "treatment",
    mean: 0.013,
    uplift_abs: 0.003,
    uplift_rel: 0.3,
    p_value_two_sided: 0.001,
    ci_low: 0.0012,
    ci_high: 0.0048,
  }),
];

const EVALUATED = "2026-02-14T03:00:00.000Z";
const withinReason =
  "refund_rate (treatment): 30.0% worse than control (threshold 20.0%), z = 1.10 vs boundary 2.44";

function summaryWith(guardrails: SummaryGuardrails | undefined): ExperimentSummary {
  return {
    experiment_key: "exp_1",
    alpha: 0.05,
    quality: null,
    results,
    ...(guardrails === undefined ? {} : { guardrails }),
  };
}

function card(summary: ExperimentSummary) {
  const o = overview(experiment, summary, "itt", "raw", "2026-02-14T12:00:00Z");
  return { o, card: guardrailCard(experiment, summary, o.metrics) };
}

const evaluated: SummaryGuardrails = {
  source: "decision_engine",
  evaluated_at: EVALUATED,
  results_dt: "2026-02-13",
  fail_closed: null,
  metrics: [
    {
      metric_key: "refund_rate",
      direction: "decrease",
      threshold: 0.2,
      status: "within_threshold",
      variants: [
        {
          variant: "treatment",
          status: "within_threshold",
          relative_harm: 0.3,
          z: 1.1,
          boundary: 2.44,
          p_value: null,
          harm_lower_bound: null,
          reason: withinReason,
        },
      ],
      reason: null,
    },
    {
      metric_key: "latency_ms",
      direction: "decrease",
      threshold: 0.1,
      status: "not_evaluated",
      variants: [],
      reason: `Not evaluated: no latency_ms comparison in the results of dt=2026-02-13 (evaluated ${EVALUATED}).`,
    },
  ],
};

describe("Guardrails card: the decision engine's verdict is the status", () => {
  it("shows the engine's within threshold where the fixed-sample interval is beyond it, keeping that interval as labelled detail", () => {
    const { o, card: c } = card(summaryWith(evaluated));
    // The fixed-sample interval on the same numbers lies beyond the 20 % tolerance; the dashboard judges nothing.
    expect(o.metrics.find((m) => m.metricKey === "refund_rate")?.comparisons[0]?.upliftRel).toBe(0.3);
    expect(o).not.toHaveProperty("guardrails");
    const refund = c.rows.find((r) => r.metricKey === "refund_rate");
    expect(refund).toMatchObject({
      status: "within_threshold",
      label: "within threshold",
      tone: "positive",
      reasons: [withinReason],
    });
    expect(refund?.fixedSample).toEqual([
      {
        variationId: "treatment",
        upliftRel: 0.3,
        ciLow: 0.0012,
        ciHigh: 0.0048,
        method: "fixed_sample",
      },
    ]);
    expect(c).toMatchObject({ evaluatedAt: EVALUATED, resultsDt: "2026-02-13", failClosed: null });
  });

  it("says not evaluated, with the engine's reason, for a guardrail it had no data for", () => {
    const latency = card(summaryWith(evaluated)).card.rows.find((r) => r.metricKey === "latency_ms");
    expect(latency).toMatchObject({
      status: "not_evaluated",
      label: "not evaluated",
      tone: "neutral",
      reasons: [
        `Not evaluated: no latency_ms comparison in the results of dt=2026-02-13 (evaluated ${EVALUATED}).`,
      ],
      fixedSample: [],
    });
  });

  it("shows a breach and the fail-closed guard when the engine breached it, whatever the fixed-sample interval", () => {
    const breachReason =
      "refund_rate (treatment): 30.0% worse than control (threshold 20.0%), z = 2.60 vs boundary 2.44 — breached";
    const { card: c } = card(
      summaryWith({
        ...evaluated,
        fail_closed: {
          active: true,
          tripped_at: EVALUATED,
          message: "refund_rate is 30.0% worse in treatment than control",
          cleared_at: null,
        },
        metrics: [
          {
            ...evaluated.metrics[0]!,
            status: "breached",
            variants: [
              {
                variant: "treatment",
                status: "breached",
                relative_harm: 0.3,
                z: 2.6,
                boundary: 2.44,
                p_value: null,
                harm_lower_bound: null,
                reason: breachReason,
              },
            ],
          },
        ],
      }),
    );
    expect(c.rows.find((r) => r.metricKey === "refund_rate")).toMatchObject({
      status: "breached",
      label: "breached",
      tone: "negative",
      reasons: [breachReason],
    });
    expect(c.failClosed).toEqual({
      trippedAt: EVALUATED,
      message: "refund_rate is 30.0% worse in treatment than control",
    });
    // A guardrail the engine's verdicts do not list is not evaluated, never within threshold.
    expect(c.rows.find((r) => r.metricKey === "latency_ms")?.status).toBe("not_evaluated");
  });

  it("is not evaluated yet before the engine ran, or when the server sends no verdicts", () => {
    const before = card(
      summaryWith({
        source: "decision_engine",
        evaluated_at: null,
        results_dt: null,
        fail_closed: null,
        metrics: evaluated.metrics.map((m) => ({
          ...m,
          status: "not_evaluated" as const,
          variants: [],
          reason: "The decision engine has not evaluated this experiment yet.",
        })),
      }),
    ).card;
    expect(before.rows.map((r) => [r.metricKey, r.label])).toEqual([
      ["refund_rate", "not evaluated yet"],
      ["latency_ms", "not evaluated yet"],
    ]);
    expect(before.rows[0]?.reasons).toEqual(["The decision engine has not evaluated this experiment yet."]);
    const old = card(summaryWith(undefined)).card;
    expect(old.evaluatedAt).toBeNull();
    expect(old.rows[0]).toMatchObject({
      status: "not_evaluated",
      label: "not evaluated yet",
      reasons: ["The server sent no decision engine verdict for this guardrail."],
    });
  });
});
