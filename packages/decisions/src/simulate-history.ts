import { createNormalSampler, type RandomSource } from "@assay/stats";
import type { PolicyExperimentInput, PolicySnapshotInput } from "./policy-input.js";

/** The true effects of a simulated experiment, relative to control (0 = none). */
export interface SimulatedEffects {
  /** Relative change of the conversion rate (primary), e.g. 0.2 = +20 %. */
  readonly conversion?: number;
  /** Relative change of revenue per user (guardrail, higher is better): −0.05 = 5 % worse. */
  readonly revenue?: number;
  /** Relative change of the refund rate (ratio guardrail, lower is better): 0.1 = 10 % worse. */
  readonly refundRate?: number;
  /** Relative change of session length (guardrail, higher is better). */
  readonly sessionLength?: number;
}

export interface SimulationSettings {
  /** History id. */
  readonly id: string;
  readonly effects?: SimulatedEffects;
  /** Guardrails in the metrics contract; default all three (revenue, refund_rate, session_length). */
  readonly guardrails?: ReadonlyArray<"revenue" | "refund_rate" | "session_length">;
  /** Planned units per variant; default 14,749 (10 % baseline, +1 pp MDE, α 0.05, power 0.8). */
  readonly plannedPerVariant?: number;
  /** Units arriving over the whole history; default 2 × planned (the plan is reached at the end). */
  readonly totalUnits?: number;
  /** The treatment's true share of units (configured 0.5); default 0.5. */
  readonly treatmentShare?: number;
  /** Snapshots (hourly runs); default 336 = 14 days. */
  readonly runs?: number;
  readonly decisionConfig?: Record<string, unknown>;
}

/** Baselines of the simulated metrics. */
export const SIMULATION_BASELINE = {
  conversion: 0.1,
  /** Revenue per user: lognormal(0, 1), mean e^½ ≈ 1.65, coefficient of variation ≈ 1.31. */
  revenueSigma: 1,
  /** Orders per user: 1 + Poisson-like count; refunds per order 0.1. */
  refundRate: 0.1,
  /** Session length: normal(10, 4) minutes, floored at 0. */
  sessionMean: 10,
  sessionSd: 4,
  guardrailThresholds: { revenue: 0.05, refund_rate: 0.1, session_length: 0.05 },
} as const;

/** The planned minimum detectable effect of the simulations: +1 pp on a 10 % conversion rate. */
export const SIMULATION_MDE_ABS = 0.01;

interface Arm {
  n: number;
  conv: number;
  rev: number;
  rev2: number;
  sess: number;
  sess2: number;
  refunds: number;
  refunds2: number;
  orders: number;
  orders2: number;
  refundsOrders: number;
}

const newArm = (): Arm => ({
  n: 0,
  conv: 0,
  rev: 0,
  rev2: 0,
  sess: 0,
  sess2: 0,
  refunds: 0,
  refunds2: 0,
  orders: 0,
  orders2: 0,
  refundsOrders: 0,
});

/**
 * A seeded 50/50 experiment history in the replay format (decisions-contract.md): units arrive uniformly over
 * hourly runs, each with a conversion (primary), revenue, orders with refunds and a session length; the
 * snapshots carry the cumulative per-variant sufficient statistics. Used by the policy's guarantee tests and
 * the decisions bench.
 * @example simulateHistory({ id: "aa-1", effects: {} }, createSeededRandom(1)).snapshots.length; // 336
 */
export function simulateHistory(
  settings: SimulationSettings,
  random: RandomSource,
): { id: string; experiment: PolicyExperimentInput; snapshots: PolicySnapshotInput[] } {
  const normal = createNormalSampler(random);
  const effects = settings.effects ?? {};
  const guardrails = settings.guardrails ?? ["revenue", "refund_rate", "session_length"];
  const planned = settings.plannedPerVariant ?? 14_749;
  const runs = settings.runs ?? 336;
  const total = settings.totalUnits ?? 2 * planned;
  const share = settings.treatmentShare ?? 0.5;
  const start = Date.UTC(2026, 1, 1);
  const b = SIMULATION_BASELINE;
  const arms = { control: newArm(), treatment: newArm() };
  const snapshots: PolicySnapshotInput[] = [];
  const controlLift = { conversion: 1, revenue: 1, sessionLength: 1, refundRate: 1 };
  const treatedLift = {
    conversion: 1 + (effects.conversion ?? 0),
    revenue: 1 + (effects.revenue ?? 0),
    sessionLength: 1 + (effects.sessionLength ?? 0),
    refundRate: 1 + (effects.refundRate ?? 0),
  };
  let arrived = 0;
  for (let run = 1; run <= runs; run++) {
    const target = Math.round((total * run) / runs);
    for (; arrived < target; arrived++) {
      const treated = random() < share;
      const arm = treated ? arms.treatment : arms.control;
      const lift = treated ? treatedLift : controlLift;
      arm.n += 1;
      if (random() < b.conversion * lift.conversion) arm.conv += 1;
      const rev = Math.exp(b.revenueSigma * normal()) * lift.revenue;
      arm.rev += rev;
      arm.rev2 += rev * rev;
      const sess = Math.max(0, b.sessionMean + b.sessionSd * normal()) * lift.sessionLength;
      arm.sess += sess;
      arm.sess2 += sess * sess;
      // Orders: 0–3 per user; each refunded with the (possibly harmed) refund rate.
      const u = random();
      const orders = u < 0.4 ? 0 : u < 0.75 ? 1 : u < 0.92 ? 2 : 3;
      let refunds = 0;
      for (let o = 0; o < orders; o++) if (random() < b.refundRate * lift.refundRate) refunds += 1;
      arm.orders += orders;
      arm.orders2 += orders * orders;
      arm.refunds += refunds;
      arm.refunds2 += refunds * refunds;
      arm.refundsOrders += refunds * orders;
    }
    const metrics: Record<string, Record<string, Record<string, number>>> = {
      conversion: {},
    };
    for (const g of guardrails) metrics[g] = {};
    for (const [variant, a] of Object.entries(arms)) {
      (metrics.conversion as Record<string, Record<string, number>>)[variant] = {
        n: a.n,
        sum: a.conv,
        sum_squares: a.conv,
      };
      if (metrics.revenue) metrics.revenue[variant] = { n: a.n, sum: a.rev, sum_squares: a.rev2 };
      if (metrics.session_length)
        metrics.session_length[variant] = { n: a.n, sum: a.sess, sum_squares: a.sess2 };
      if (metrics.refund_rate) {
        metrics.refund_rate[variant] = {
          n: a.n,
          sum_num: a.refunds,
          sum_num_squares: a.refunds2,
          sum_den: a.orders,
          sum_den_squares: a.orders2,
          sum_num_den: a.refundsOrders,
        };
      }
    }
    snapshots.push({
      at: new Date(start + run * 3_600_000).toISOString(),
      units: { control: arms.control.n, treatment: arms.treatment.n },
      metrics: metrics as PolicySnapshotInput["metrics"],
    });
  }
  const thresholds = b.guardrailThresholds;
  return {
    id: settings.id,
    experiment: {
      variants: [
        { key: "control", weight: 50, control: true },
        { key: "treatment", weight: 50 },
      ],
      metrics: [
        { key: "conversion", role: "primary", kind: "mean", direction: "increase" },
        ...guardrails.map((g) => ({
          key: g,
          role: "guardrail" as const,
          kind: g === "refund_rate" ? ("ratio" as const) : ("mean" as const),
          direction: g === "refund_rate" ? ("decrease" as const) : ("increase" as const),
          threshold: thresholds[g],
        })),
      ],
      planned_per_variant: planned,
      start_at: new Date(start).toISOString(),
      end_at: new Date(start + runs * 3_600_000).toISOString(),
      decision_config: (settings.decisionConfig ?? {}) as PolicyExperimentInput["decision_config"],
    },
    snapshots,
  };
}
