import type { ScheduleSpec } from "@assay/decisions";

/** Injected time: the scheduler never reads the wall clock or creates timers itself. */
export interface SchedulerTimers {
  now(): Date;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: SchedulerTimers = {
  now: () => new Date(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface ScheduledExperiment {
  readonly team: string;
  readonly experimentKey: string;
  readonly schedules: ReadonlyArray<ScheduleSpec>;
  readonly retry: { readonly attempts: number; readonly backoff_ms: number };
}

export interface SchedulerOptions {
  readonly timers: SchedulerTimers;
  /** The experiments to run now (e.g. every running experiment with its decision config). */
  listTargets(): Promise<ReadonlyArray<ScheduledExperiment>>;
  /**
   * One attempt of a run; throws on failure. `dueAt` is the tick (or request) time the run serves: every run of
   * one tick gets the same one, so they can share one pipeline refresh.
   */
  run(target: ScheduledExperiment, schedule: string, attempt: number, dueAt: Date): Promise<void>;
  /** Called once a run has failed its last attempt (alerting). */
  onFailure(target: ScheduledExperiment, schedule: string, error: unknown, attempts: number): Promise<void>;
  /** How often due schedules are checked; default 60 s. */
  readonly tickMs?: number;
  /** Where scheduler errors go (listing targets, alerting); default ignored. */
  readonly onError?: (error: unknown) => void;
}

export interface ExperimentScheduler {
  start(): void;
  stop(): Promise<void>;
  /** Checks due schedules once (the timer calls this every tick). */
  tick(): Promise<void>;
  /**
   * Queues one attempt now (after the experiment's current run, if any): resolves when it has succeeded and
   * rejects with its error when it failed (a person asked for it and waits for the answer; no retries).
   */
  runNow(target: ScheduledExperiment, schedule?: string): Promise<void>;
  /** Runs in flight or queued, per experiment key. */
  readonly busy: ReadonlyMap<string, number>;
}

/** The first time at or after `after` that a schedule is due, given when it last fired. */
export function nextDue(spec: ScheduleSpec, lastFired: Date): Date {
  if ("every_minutes" in spec) return new Date(lastFired.getTime() + spec.every_minutes * 60_000);
  const [h, m] = spec.at_utc.split(":").map(Number) as [number, number];
  const candidate = new Date(
    Date.UTC(lastFired.getUTCFullYear(), lastFired.getUTCMonth(), lastFired.getUTCDate(), h, m),
  );
  if (candidate.getTime() <= lastFired.getTime()) candidate.setUTCDate(candidate.getUTCDate() + 1);
  return candidate;
}

/**
 * Runs each experiment's schedules (hourly and nightly by default): a run that fails is retried with
 * exponential backoff and reported through `onFailure` after its last attempt; runs of one experiment
 * never overlap: a run that comes due while another is in flight waits for it (it is not dropped).
 * Interval schedules fire at the first tick after an experiment is seen; daily ones at their next time.
 * @example
 * const scheduler = createExperimentScheduler({ timers: systemTimers, listTargets, run, onFailure });
 * scheduler.start();
 */
export function createExperimentScheduler(options: SchedulerOptions): ExperimentScheduler {
  const { timers } = options;
  const tickMs = options.tickMs ?? 60_000;
  const lastFired = new Map<string, Date>();
  const chains = new Map<string, Promise<void>>();
  const busy = new Map<string, number>();
  let timer: unknown;
  let stopped = true;
  const sleep = (ms: number) => new Promise<void>((resolve) => timers.setTimeout(resolve, ms));

  const attemptAll = async (target: ScheduledExperiment, schedule: string, dueAt: Date) => {
    const attempts = Math.max(1, target.retry.attempts);
    for (let attempt = 1; ; attempt++) {
      try {
        await options.run(target, schedule, attempt, dueAt);
        return;
      } catch (error) {
        if (attempt >= attempts) {
          await options
            .onFailure(target, schedule, error, attempt)
            .catch(options.onError ?? (() => undefined));
          return;
        }
        await sleep(target.retry.backoff_ms * 2 ** (attempt - 1));
      }
    }
  };

  const enqueue = (
    target: ScheduledExperiment,
    schedule: string,
    dueAt: Date,
    once = false,
  ): Promise<void> => {
    const key = target.experimentKey;
    busy.set(key, (busy.get(key) ?? 0) + 1);
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous.then(() =>
      once ? options.run(target, schedule, 1, dueAt) : attemptAll(target, schedule, dueAt),
    );
    let chained: Promise<void> | undefined;
    const settled = next.finally(() => {
      const left = (busy.get(key) ?? 1) - 1;
      if (left === 0) busy.delete(key);
      else busy.set(key, left);
      if (chains.get(key) === chained) chains.delete(key);
    });
    // The chain itself never rejects (the next run waits on it); the caller gets the run's own outcome.
    chained = settled.catch(() => undefined);
    chains.set(key, chained);
    return settled;
  };

  const tick = async () => {
    const now = timers.now();
    let targets: ReadonlyArray<ScheduledExperiment>;
    try {
      targets = await options.listTargets();
    } catch (error) {
      options.onError?.(error);
      return;
    }
    for (const target of targets) {
      for (const spec of target.schedules) {
        const id = `${target.team}\u0000${target.experimentKey}\u0000${spec.name}`;
        const last = lastFired.get(id);
        if (last === undefined) {
          if ("every_minutes" in spec) {
            lastFired.set(id, now);
            void enqueue(target, spec.name, now);
          } else lastFired.set(id, now);
          continue;
        }
        if (nextDue(spec, last).getTime() <= now.getTime()) {
          lastFired.set(id, now);
          void enqueue(target, spec.name, now);
        }
      }
    }
  };

  const loop = () => {
    if (stopped) return;
    timer = timers.setTimeout(() => {
      tick().finally(loop);
    }, tickMs);
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      void tick().finally(loop);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      await Promise.allSettled([...chains.values()]);
    },
    tick,
    runNow: (target, schedule = "manual") => enqueue(target, schedule, timers.now(), true),
    busy,
  };
}
