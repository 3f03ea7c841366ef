import { createFingerprintSet, type FingerprintSet } from "./fingerprint-set.js";

/**
 * The event ids the collector has taken in lately, for de-duplication at the door. Ids are kept in two
 * generations of `windowMs` each: an id is remembered at least `windowMs` and at most twice that after it
 * was added. Memory is fixed: each generation is a table of 64-bit fingerprints for at most `maxIds` ids
 * (`createFingerprintSet`), allocated once; a generation that fills before its time is up rotates early, so
 * under a flood the window shortens instead of the memory growing. A duplicate sent later than the window
 * still reaches the lake and is dropped by the pipeline (`stg_events` keeps the earliest row per event_id and
 * the quality report counts the rest).
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
  /** Bytes the two generations hold (fixed). */
  readonly bytes: number;
}

export interface EventIdWindowOptions {
  /** How long an id is at least remembered, in ms (> 0). */
  readonly windowMs: number;
  /** Ids already in the lake, taken in within the window (remembered for one more window). */
  readonly initial?: Iterable<string>;
  /** The most ids a generation holds (default `defaultDedupeMaxIds`); memory is about 16 bytes × this, per generation. */
  readonly maxIds?: number;
  /** The clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** Ids a generation holds when none is configured: 4 Mi (128 MiB for both generations). */
export const defaultDedupeMaxIds = 4 * 1024 * 1024;

export function createEventIdWindow(options: EventIdWindowOptions): EventIdWindow {
  const { windowMs } = options;
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  const maxIds = options.maxIds ?? defaultDedupeMaxIds;
  const now = options.now ?? Date.now;
  let previous: FingerprintSet = createFingerprintSet(maxIds);
  let current: FingerprintSet = createFingerprintSet(maxIds);
  for (const id of options.initial ?? []) if (!previous.add(id)) break;
  let rotatesAt = now() + windowMs;
  const shift = (t: number): void => {
    // The old previous generation's table is emptied and reused: no allocation after start.
    const spare = previous;
    spare.clear();
    previous = current;
    current = spare;
    rotatesAt = t + windowMs;
  };
  const rotate = (): void => {
    const t = now();
    if (t < rotatesAt) return;
    // More than a whole window idle: the previous generation is older than two windows, drop both.
    if (t >= rotatesAt + windowMs) current.clear();
    shift(t);
  };
  return {
    windowMs,
    has(id) {
      rotate();
      return current.has(id) || previous.has(id);
    },
    add(id) {
      rotate();
      if (current.add(id)) return;
      // Full before its time: rotate early (the window shortens, the memory does not grow).
      shift(now());
      current.add(id);
    },
    delete(id) {
      current.delete(id);
      previous.delete(id);
    },
    get size() {
      return current.size + previous.size;
    },
    get bytes() {
      return current.bytes + previous.bytes;
    },
  };
}

/** `ASSAY_DEDUPE_MAX_IDS` (default `defaultDedupeMaxIds`): the most event ids a de-duplication generation holds. */
export function dedupeMaxIdsFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.ASSAY_DEDUPE_MAX_IDS;
  if (raw === undefined || raw === "") return defaultDedupeMaxIds;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`ASSAY_DEDUPE_MAX_IDS must be a positive whole number of ids, got "${raw}"`);
  return n;
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
