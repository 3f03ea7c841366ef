import type { EventLog } from "../collector/event-log.js";
import { isWellFormedUtf16 } from "../http/admission.js";
import { BadRequestError } from "../http/http-error.js";
import { observedAttributes, userAttributeLine } from "./segment-attributes.js";

/** One assignment decision of a request. */
export interface AssignmentRecord {
  readonly experimentKey: string;
  readonly userId: string;
  readonly variant: string;
  /** When the user was assigned (ISO 8601 UTC); default now. An exposure's time when logged from one. */
  readonly at?: string;
  /** The team whose request logged it (written on the row; default none). */
  readonly team?: string;
}

/**
 * Logs first assignments exactly once through the write-ahead log (group commit, acknowledged after
 * `fdatasync`). The (experiment, user) pairs already logged are held in memory, so a repeat costs a
 * set lookup; the compactor moves the logged lines into the lake's `raw/assignments`.
 * @example
 * const log = createAssignmentLog(eventLog, knownPairs);
 * const [first] = await log.record([{ experimentKey: "checkout", userId: "u1", variant: "treatment" }]);
 */
export interface AssignmentLog {
  /**
   * Resolves, per record, whether this call logged it (true once per pair, ever). When the call logs a first
   * assignment, `attributes` (the user's allowlisted attributes) go into the same append, observed at the
   * assignment time, so a segment value never costs a write of its own.
   */
  record(records: ReadonlyArray<AssignmentRecord>, attributes?: UserAttributes): Promise<boolean[]>;
  /** Whether the pair is logged (or being logged). */
  has(experimentKey: string, userId: string): boolean;
  /** Forgets an erased user's pairs (of `experiments` only, when given), so a later assignment is logged anew. */
  forgetUser(userId: string, experiments?: ReadonlyArray<string>): void;
  /** Forgets an ended experiment's pairs (it assigns no one any more): memory holds live experiments only. */
  forgetExperiment(experimentKey: string): void;
  readonly counters: { first: number; repeat: number };
}

/** The attributes of the user an assign request is for, and the allowlist of those that may be stored. */
export interface UserAttributes {
  readonly userId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly allowlist: ReadonlyArray<string>;
  readonly team?: string;
}

/** The WAL line of a first assignment (`kind: "assignment"`); `event_id` makes repeats in a segment collapse. */
export function assignmentLine(r: AssignmentRecord, at: string): string {
  const e = JSON.stringify(r.experimentKey);
  const u = JSON.stringify(r.userId);
  // Same as JSON.stringify of the object, without building it (this is on the request path).
  return `{"kind":"assignment","event_id":${JSON.stringify(`${r.experimentKey}\u0000${r.userId}`)},"user_id":${u},"experiment_id":${e},"variant_id":${JSON.stringify(r.variant)},"assignment_time_utc":"${at}"${r.team === undefined ? "" : `,"team":${JSON.stringify(r.team)}`}}\n`;
}

/**
 * @param known experiment key → user ids already logged (rebuilt at start from the lake's `raw/assignments`).
 */
export function createAssignmentLog(
  log: EventLog,
  known: Map<string, Set<string>> = new Map(),
): AssignmentLog {
  // Pairs claimed by a request whose append has not been acknowledged yet: experiment → user → append.
  const inFlight = new Map<string, Map<string, Promise<void>>>();
  let inFlightCount = 0;
  const counters = { first: 0, repeat: 0 };
  const usersOf = (experimentKey: string): Set<string> => {
    let users = known.get(experimentKey);
    if (users === undefined) {
      users = new Set();
      known.set(experimentKey, users);
    }
    return users;
  };
  const settle = (claimed: ReadonlyArray<AssignmentRecord>): void => {
    for (const r of claimed) {
      const pending = inFlight.get(r.experimentKey);
      if (pending?.delete(r.userId) === true) inFlightCount--;
      if (pending?.size === 0) inFlight.delete(r.experimentKey);
    }
  };

  async function record(
    records: ReadonlyArray<AssignmentRecord>,
    attributes?: UserAttributes,
  ): Promise<boolean[]> {
    // Only what the log's reader reads back is logged (collector/wal-record.ts): checked before any pair is claimed.
    for (const r of records) {
      if (!isWellFormedUtf16(r.userId))
        throw new BadRequestError("user_id", "is not well-formed UTF-16 (lone surrogate)");
      if (!isWellFormedUtf16(r.experimentKey) || !isWellFormedUtf16(r.variant))
        throw new BadRequestError("experiment_key", "is not well-formed UTF-16 (lone surrogate)");
    }
    const out: boolean[] = [];
    let lines = "";
    let claimed: AssignmentRecord[] | undefined;
    let waits: Promise<void>[] | undefined;
    let at: string | undefined;
    for (const r of records) {
      const users = usersOf(r.experimentKey);
      if (users.has(r.userId)) {
        counters.repeat++;
        out.push(false);
        // A repeat of a pair logged long ago (the common case) waits for nothing.
        if (inFlightCount === 0) continue;
        const pending = inFlight.get(r.experimentKey)?.get(r.userId);
        if (pending === undefined) continue;
        if (waits === undefined) waits = [];
        waits.push(pending.catch(() => undefined));
        continue;
      }
      // Claimed synchronously: of concurrent requests for one pair exactly one writes it.
      users.add(r.userId);
      if (claimed === undefined) claimed = [];
      claimed.push(r);
      out.push(true);
      if (at === undefined) at = new Date().toISOString();
      lines += assignmentLine(r, r.at ?? at);
    }
    if (claimed !== undefined) {
      // Filtered only here: a repeat assignment (most traffic) never looks at the attributes.
      if (attributes !== undefined && at !== undefined)
        for (const o of observedAttributes(attributes.allowlist, attributes.attributes))
          lines += userAttributeLine(attributes.userId, o, at, attributes.team);
      const append = log.append(lines);
      for (const r of claimed) {
        let pending = inFlight.get(r.experimentKey);
        if (pending === undefined) {
          pending = new Map();
          inFlight.set(r.experimentKey, pending);
        }
        pending.set(r.userId, append);
        inFlightCount++;
      }
      try {
        await append;
        counters.first += claimed.length;
      } catch (error) {
        for (const r of claimed) known.get(r.experimentKey)?.delete(r.userId);
        throw error;
      } finally {
        settle(claimed);
      }
    }
    // A repeat answers only once the first request's line is durable.
    if (waits !== undefined) await Promise.all(waits);
    return out;
  }

  return {
    counters,
    record,
    has: (experimentKey, userId) => known.get(experimentKey)?.has(userId) ?? false,
    forgetUser(userId, experiments) {
      if (experiments === undefined) for (const users of known.values()) users.delete(userId);
      else for (const key of experiments) known.get(key)?.delete(userId);
    },
    forgetExperiment(experimentKey) {
      known.delete(experimentKey);
    },
  };
}
