import { describe, expect, it } from "vitest";
import {
  createExperimentScheduler,
  nextDue,
  type ScheduledExperiment,
  type SchedulerTimers,
} from "../src/scheduler/experiment-scheduler.js";

/** A clock and timers that move only when the test says so. */
function manualTimers(start: string) {
  let now = Date.parse(start);
  let nextId = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  const timers: SchedulerTimers & { advance(ms: number): Promise<void> } = {
    now: () => new Date(now),
    setTimeout(fn, ms) {
      const id = nextId++;
      pending.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (;;) {
        const due = [...pending.entries()]
          .filter(([, t]) => t.at <= target)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await settle();
      }
      now = target;
      await settle();
    },
  };
  return timers;
}

const target: ScheduledExperiment = {
  team: "growth",
  experimentKey: "exp_a",
  schedules: [
    { name: "hourly", every_minutes: 60 },
    { name: "nightly", at_utc: "02:00" },
  ],
  retry: { attempts: 3, backoff_ms: 60_000 },
};

describe("experiment scheduler", () => {
  it("computes the next due time of interval and daily schedules", () => {
    expect(nextDue({ name: "h", every_minutes: 60 }, new Date("2026-02-22T00:30:00Z")).toISOString()).toBe(
      "2026-02-22T01:30:00.000Z",
    );
    expect(nextDue({ name: "n", at_utc: "02:00" }, new Date("2026-02-22T00:30:00Z")).toISOString()).toBe(
      "2026-02-22T02:00:00.000Z",
    );
    expect(nextDue({ name: "n", at_utc: "02:00" }, new Date("2026-02-22T02:00:00Z")).toISOString()).toBe(
      "2026-02-23T02:00:00.000Z",
    );
  });

  it("runs hourly and nightly by default schedule", async () => {
    const timers = manualTimers("2026-02-22T00:30:00Z");
    const runs: string[] = [];
    const scheduler = createExperimentScheduler({
      timers,
      tickMs: 60_000,
      listTargets: async () => [target],
      run: async (_t, schedule) => {
        runs.push(`${timers.now().toISOString().slice(11, 16)} ${schedule}`);
      },
      onFailure: async () => undefined,
    });
    scheduler.start();
    await timers.advance(3 * 3_600_000);
    await scheduler.stop();
    expect(runs).toEqual(["00:30 hourly", "01:30 hourly", "02:00 nightly", "02:30 hourly", "03:30 hourly"]);
  });

  it("retries a failed run with exponential backoff, records every attempt and alerts once", async () => {
    const timers = manualTimers("2026-02-22T00:00:00Z");
    const attempts: string[] = [];
    const failures: Array<{ schedule: string; attempts: number; message: string }> = [];
    const dueTimes = new Set<string>();
    const scheduler = createExperimentScheduler({
      timers,
      listTargets: async () => [{ ...target, schedules: [{ name: "hourly", every_minutes: 60 }] }],
      run: async (_t, _s, attempt, dueAt) => {
        attempts.push(`${attempt}@${timers.now().toISOString().slice(11, 16)}`);
        dueTimes.add(dueAt.toISOString());
        throw new Error("lake unreachable");
      },
      onFailure: async (_t, schedule, error, n) => {
        failures.push({ schedule, attempts: n, message: (error as Error).message });
      },
    });
    await scheduler.tick();
    await timers.advance(10 * 60_000);
    expect(attempts).toEqual(["1@00:00", "2@00:01", "3@00:03"]);
    expect(failures).toEqual([{ schedule: "hourly", attempts: 3, message: "lake unreachable" }]);
    // Every attempt serves the tick it was due at (so runs of one tick can share one pipeline refresh).
    expect([...dueTimes]).toEqual(["2026-02-22T00:00:00.000Z"]);
  });

  it("answers a manual run with its own outcome: one attempt, rejected with the run's error", async () => {
    const timers = manualTimers("2026-02-22T00:00:00Z");
    let calls = 0;
    const scheduler = createExperimentScheduler({
      timers,
      listTargets: async () => [],
      run: async () => {
        calls++;
        throw new Error("pipeline failed");
      },
      onFailure: async () => undefined,
    });
    await expect(scheduler.runNow(target)).rejects.toThrow("pipeline failed");
    expect(calls).toBe(1);
    // The experiment's chain goes on: the next run is not blocked by the failed one.
    await expect(scheduler.runNow(target)).rejects.toThrow("pipeline failed");
    expect(calls).toBe(2);
  });

  it("never runs two runs of one experiment at once, and does not drop the one that waited", async () => {
    const timers = manualTimers("2026-02-22T00:00:00Z");
    let inFlight = 0;
    let maxInFlight = 0;
    const order: string[] = [];
    const releases: Array<() => void> = [];
    const scheduler = createExperimentScheduler({
      timers,
      listTargets: async () => [],
      run: async (_t, schedule) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        order.push(`start ${schedule}`);
        await new Promise<void>((resolve) => releases.push(resolve));
        order.push(`end ${schedule}`);
        inFlight--;
      },
      onFailure: async () => undefined,
    });
    const first = scheduler.runNow(target, "hourly");
    const second = scheduler.runNow(target, "manual");
    await timers.advance(0);
    expect(order).toEqual(["start hourly"]);
    expect(scheduler.busy.get("exp_a")).toBe(2);
    releases.shift()?.();
    await timers.advance(0);
    releases.shift()?.();
    await Promise.all([first, second]);
    expect(order).toEqual(["start hourly", "end hourly", "start manual", "end manual"]);
    expect(maxInFlight).toBe(1);
    expect(scheduler.busy.size).toBe(0);
  });
});
