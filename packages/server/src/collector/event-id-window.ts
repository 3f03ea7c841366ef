/**
 * The event ids the collector has taken in lately, for de-duplication at the door. Ids are kept in two
 * generations of `windowMs` each: an id is remembered at least `windowMs` and at most twice that after it
 * was added, so memory is bounded by the ingestion rate and not by the lake's history. A duplicate sent
 * later than that still reaches the lake and is dropped by the pipeline (`stg_events` keeps the earliest
 * row per event_id and the quality report counts the rest).
 * @example
 * const ids = createEventIdWindow({ windowMs: 3_600_000 });
 * if (!ids.has("e1")) ids.add("e1");
 */
export interface EventIdWindow {
  has(id: string): boolean;
  add(id: string): void;
  /** Forgets an id (its append failed, so a retry must be taken). */
  delete(id: string): void;
  /** Ids remembered now (both generations). */
  readonly size: number;
  readonly windowMs: number;
}

export interface EventIdWindowOptions {
  /** How long an id is at least remembered, in ms (> 0). */
  readonly windowMs: number;
  /** Ids already in the lake, taken in within the window (remembered for one more window). */
  readonly initial?: Iterable<string>;
  /** The clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

export function createEventIdWindow(options: EventIdWindowOptions): EventIdWindow {
  const { windowMs } = options;
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  const now = options.now ?? Date.now;
  let previous = new Set<string>(options.initial);
  let current = new Set<string>();
  let rotatesAt = now() + windowMs;
  const rotate = (): void => {
    const t = now();
    if (t < rotatesAt) return;
    // More than a whole window idle: the previous generation is older than two windows, drop both.
    previous = t >= rotatesAt + windowMs ? new Set() : current;
    current = new Set();
    rotatesAt = t + windowMs;
  };
  return {
    windowMs,
    has(id) {
      rotate();
      return current.has(id) || previous.has(id);
    },
    add(id) {
      rotate();
      current.add(id);
    },
    delete(id) {
      current.delete(id);
      previous.delete(id);
    },
    get size() {
      return current.size + previous.size;
    },
  };
}

/** The de-duplication window when none is configured: 60 minutes. */
export const defaultDedupeWindowMs = 60 * 60_000;

/** `ASSAY_DEDUPE_WINDOW_MINUTES` (default 60) in ms; a clear error naming the variable otherwise. */
export function dedupeWindowFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.ASSAY_DEDUPE_WINDOW_MINUTES;
  if (raw === undefined || raw === "") return defaultDedupeWindowMs;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes <= 0)
    throw new RangeError(`ASSAY_DEDUPE_WINDOW_MINUTES must be a positive number of minutes, got "${raw}"`);
  return minutes * 60_000;
}

/** The de-duplication key of an event id: ids are namespaced by the sending team. */
export function teamEventKey(team: string, eventId: string): string {
  return `${team}\u0000${eventId}`;
}
