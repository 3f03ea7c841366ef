import { createSeededRandom, type RandomSource } from "@assay/stats";
import { describe, expect, it } from "vitest";
import {
  checkSrmInterval,
  initialSrmState,
  intervalCounts,
  type SrmState,
} from "../src/decisions/srm-monitor.js";

const allocation = { control: 50, treatment: 50 };

/** Units arriving in one interval: each is bucketed 50/50; with `loss`, that share of treatment units is lost. */
function interval(random: RandomSource, users: number, loss: number): Record<string, number> {
  let control = 0;
  let treatment = 0;
  for (let i = 0; i < users; i++) {
    if (random() < 0.5) control++;
    else if (random() >= loss) treatment++;
  }
  return { control, treatment };
}

function monitor(seed: number, intervals: number, loss: number) {
  const random = createSeededRandom(seed);
  let state: SrmState = initialSrmState;
  let cumulative: Record<string, number> = { control: 0, treatment: 0 };
  let previous: Record<string, number> | undefined;
  const alerts: number[] = [];
  const checks = [];
  for (let k = 1; k <= intervals; k++) {
    const fresh = interval(random, 2000, loss);
    cumulative = {
      control: (cumulative.control ?? 0) + (fresh.control ?? 0),
      treatment: (cumulative.treatment ?? 0) + (fresh.treatment ?? 0),
    };
    // The engine sees cumulative unit counts and tests what arrived since its previous run.
    const check = checkSrmInterval(state, intervalCounts(cumulative, previous), allocation);
    previous = { ...cumulative };
    state = check.state;
    checks.push(check);
    if (check.alert) alerts.push(k);
  }
  return { alerts, checks };
}

describe("SRM monitor (χ² per interval, alert after 3 consecutive p < 0.01)", () => {
  it("alerts on the third interval of an injected mismatch, not before, and once per streak", () => {
    const { alerts, checks } = monitor(2026, 6, 0.15);
    expect(checks.slice(0, 3).every((c) => c.pValue < 0.01)).toBe(true);
    expect(checks[0]?.alert).toBe(false);
    expect(checks[1]?.alert).toBe(false);
    expect(checks[2]?.alert).toBe(true);
    expect(alerts).toEqual([3]);
    expect(checks[5]?.active).toBe(true);
    const third = checks[2]!;
    expect(third.expectedShares).toEqual({ control: 0.5, treatment: 0.5 });
    expect(third.observedShares.treatment).toBeLessThan(0.48);
    expect((third.observedShares.control ?? 0) + (third.observedShares.treatment ?? 0)).toBeCloseTo(1, 12);
  });

  it("never alerts over 30 intervals without a mismatch", () => {
    const { alerts, checks } = monitor(7, 30, 0);
    expect(checks).toHaveLength(30);
    expect(alerts).toEqual([]);
    expect(checks.every((c) => !c.active)).toBe(true);
  });

  it("a streak broken by a healthy interval starts over", () => {
    const skewed = { control: 1100, treatment: 900 };
    const healthy = { control: 1000, treatment: 1000 };
    let state = initialSrmState;
    const seen: boolean[] = [];
    for (const counts of [skewed, skewed, healthy, skewed, skewed, skewed]) {
      const c = checkSrmInterval(state, counts, allocation);
      state = c.state;
      seen.push(c.alert);
    }
    expect(seen).toEqual([false, false, false, false, false, true]);
  });

  it("an interval without new units leaves the streak unchanged", () => {
    const state = { streak: 2, alerted: false };
    const c = checkSrmInterval(state, { control: 0, treatment: 0 }, allocation);
    expect(c.state).toEqual(state);
    expect(c.alert).toBe(false);
  });
});
