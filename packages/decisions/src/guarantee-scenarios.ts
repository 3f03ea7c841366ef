import { createSeededRandom } from "@assay/stats";
import { type ReplayOutcome, replayHistory } from "./replay.js";
import { type SimulationSettings, simulateHistory } from "./simulate-history.js";

/** The policy's guarantees of decisions-contract.md as simulated scenarios (hourly runs over 14 days). */
export const guaranteeScenarios = {
  /** No effect anywhere, three guardrails (one family). */
  no_effect: { effects: {} },
  /** Revenue (guardrail, threshold 5 %) is exactly 5 % worse: the boundary of its null. */
  guardrail_at_threshold: { effects: { revenue: -0.05 }, guardrails: ["revenue"] },
  /** Revenue 15 % worse: three times its threshold. */
  guardrail_three_times: { effects: { revenue: -0.15 }, guardrails: ["revenue"] },
  /** Refund rate (ratio guardrail, threshold 10 %) 30 % worse: three times its threshold. */
  ratio_guardrail_three_times: { effects: { refundRate: 0.3 }, guardrails: ["refund_rate"] },
  /** Conversion +2 pp on 10 %: twice the planned minimum detectable effect (+1 pp). */
  primary_twice_mde: { effects: { conversion: 0.2 } },
  /** 51/49 split configured as 50/50, 100,000 units by the end. */
  srm_51_49: { treatmentShare: 0.49, totalUnits: 100_000 },
} as const satisfies Record<string, Omit<SimulationSettings, "id">>;
export type GuaranteeScenario = keyof typeof guaranteeScenarios;

/** Measured rates of one scenario over `histories` seeded histories. */
export interface ScenarioRates {
  readonly scenario: GuaranteeScenario;
  readonly histories: number;
  readonly failClosed: number;
  readonly shipOrRollBack: number;
  readonly ship: number;
  readonly srmAlert: number;
  /** Share of histories whose fail-closed guard tripped within the first 4 days. */
  readonly failClosedWithin4Days: number;
  /** Median day of the trip among histories that tripped (null: none did). */
  readonly medianTripDay: number | null;
}

const DAY = 86_400_000;

/**
 * Replays `histories` seeded histories of a scenario through `replayHistory` (hence `evaluate`, as the server
 * runs it) and counts what the policy did. Seeds are `seed + i`, so any rate can be reproduced. It yields to the
 * event loop every few histories, so a long measurement never starves a test runner's or server's I/O.
 * @example (await measureScenario("no_effect", 1000, 1)).failClosed; // ≤ 0.05
 */
export async function measureScenario(
  scenario: GuaranteeScenario,
  histories: number,
  seed: number,
): Promise<ScenarioRates> {
  let failClosed = 0;
  let decided = 0;
  let ship = 0;
  let srm = 0;
  let within4 = 0;
  const tripDays: number[] = [];
  for (let i = 0; i < histories; i++) {
    if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    const h = simulateHistory(
      { id: `${scenario}-${i}`, ...guaranteeScenarios[scenario] },
      createSeededRandom(seed + i),
    );
    const out: ReplayOutcome = replayHistory(h);
    if ("error" in out) throw new Error(`${scenario} history ${i}: ${out.error}`);
    const start = Date.parse(String(h.experiment.start_at));
    if (out.fail_closed_at !== null) {
      failClosed++;
      const day = (Date.parse(out.fail_closed_at) - start) / DAY;
      tripDays.push(day);
      if (day <= 4) within4++;
    }
    if (out.first_ship_at !== null || out.first_roll_back_at !== null) decided++;
    if (out.first_ship_at !== null) ship++;
    if (out.srm_alert_at !== null) srm++;
  }
  tripDays.sort((a, b) => a - b);
  return {
    scenario,
    histories,
    failClosed: failClosed / histories,
    shipOrRollBack: decided / histories,
    ship: ship / histories,
    srmAlert: srm / histories,
    failClosedWithin4Days: within4 / histories,
    medianTripDay: tripDays.length === 0 ? null : (tripDays[Math.floor(tripDays.length / 2)] ?? null),
  };
}
