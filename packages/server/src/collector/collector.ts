import { HttpError } from "../http/http-error.js";
import { formatFieldPath } from "../http/parse-input.js";
import type { AssignmentLog, AssignmentRecord } from "../registry/assignment-log.js";
import { type EventIdWindow, teamEventKey } from "./event-id-window.js";
import type { EventLog } from "./event-log.js";
import { type CollectedEvent, collectedEventSchema, parseEventFast } from "./event-schema.js";
import { checkAgainstPlan, type VersionedTrackingPlan } from "./tracking-plan.js";
import { isReadableWalLine } from "./wal-record.js";

const unreadable = "cannot be stored: not well-formed UTF-16 (lone surrogate)";
/** The first field of an event whose text the log could not read back. */
function unreadableField(e: CollectedEvent): string {
  for (const f of ["event_id", "user_id", "event_name", "experiment_id", "variant_id"] as const) {
    const v = (e as Record<string, unknown>)[f];
    if (typeof v === "string" && !isReadableWalLine(JSON.stringify({ v }))) return f;
  }
  return "properties";
}

/** Why one event of a batch was refused. */
export interface RejectedEvent {
  readonly index: number;
  readonly event_id: string | null;
  readonly field: string;
  readonly reason: string;
}

export interface IngestResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: RejectedEvent[];
  readonly tracking_plan_version: number;
}

/**
 * The WAL line of a product event: the same text as `JSON.stringify` of the object
 * `{kind: "event", event_id, user_id, event_name, event_time_utc, value, properties: JSON.stringify(properties)}`,
 * built without the object (this runs for every event).
 */
export function productEventLine(
  e: { event_id: string; user_id: string; event_name: string; value: number | null; properties: object },
  time: string,
  team?: string,
): string {
  const value = e.value === null ? "null" : JSON.stringify(e.value);
  const owner = team === undefined ? "" : `,"team":${JSON.stringify(team)}`;
  return `{"kind":"event","event_id":${JSON.stringify(e.event_id)},"user_id":${JSON.stringify(e.user_id)},"event_name":${JSON.stringify(e.event_name)},"event_time_utc":${JSON.stringify(time)},"value":${value},"properties":${JSON.stringify(JSON.stringify(e.properties))}${owner}}`;
}

/** Experiments an exposure may name: key → its variant keys. */
export type KnownExperiments = ReadonlyMap<string, ReadonlySet<string>>;

export interface Collector {
  /**
   * Validates a batch, keeps the valid events and resolves once they are durable. Each event_id is
   * written once: repeats (in the batch, or of anything already logged) count as duplicates. A valid
   * exposure to a `running` experiment whose (experiment, user) pair has no logged assignment logs one,
   * at the exposure's time and with its variant (the SDK assigned locally), in the same group commit.
   */
  ingest(
    events: ReadonlyArray<unknown>,
    plan: VersionedTrackingPlan,
    experiments: KnownExperiments,
    running?: ReadonlySet<string>,
    /** The sending key's team: written on every row, and the namespace of its event ids (default ""). */
    team?: string,
  ): Promise<IngestResult>;
  readonly seen: EventIdWindow;
  readonly counters: { accepted: number; duplicates: number; rejected: number };
}

/**
 * The collector's front half: validation, de-duplication and the durable append.
 * @example
 * const collector = createCollector(log, seenIds, assignmentLog);
 * const result = await collector.ingest(body.events, plan, experiments);
 */
export function createCollector(log: EventLog, seen: EventIdWindow, assignments?: AssignmentLog): Collector {
  const counters = { accepted: 0, duplicates: 0, rejected: 0 };
  // Event keys whose append is in flight → that append (only as many as the appends not yet durable).
  const pending = new Map<string, Promise<void>>();
  // Events of a batch mostly share few timestamps: the last conversion is reused.
  let lastTimestamp = "";
  let lastTime = "";
  const utc = (timestamp: string): string => {
    if (timestamp !== lastTimestamp) {
      lastTime = new Date(timestamp).toISOString();
      lastTimestamp = timestamp;
    }
    return lastTime;
  };
  return {
    seen,
    counters,
    async ingest(events, plan, experiments, running, team = "") {
      const rejected: RejectedEvent[] = [];
      const ids: string[] = [];
      // (experiment, user) → the assignment an exposure logs: the pair's earliest exposure in the batch.
      let firstAssignments: Map<string, AssignmentRecord> | undefined;
      let lines = "";
      let duplicates = 0;
      let waits: Promise<void>[] | undefined;
      events.forEach((raw, index) => {
        const eventId =
          raw !== null &&
          typeof raw === "object" &&
          typeof (raw as { event_id?: unknown }).event_id === "string"
            ? (raw as { event_id: string }).event_id
            : null;
        let e: CollectedEvent | undefined = parseEventFast(raw);
        if (e === undefined) {
          const parsed = collectedEventSchema.safeParse(raw);
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            rejected.push({
              index,
              event_id: eventId,
              field: formatFieldPath(issue.path),
              reason: issue.message,
            });
            return;
          }
          e = parsed.data;
        }
        const time = utc(e.timestamp);
        let line: string;
        if (e.type === "event") {
          const problem = checkAgainstPlan(plan.plan, e.event_name, e.value, e.properties);
          if (problem !== undefined) {
            rejected.push({ index, event_id: e.event_id, ...problem });
            return;
          }
          line = productEventLine(e, time, team);
          if (!isReadableWalLine(line)) {
            rejected.push({ index, event_id: e.event_id, field: unreadableField(e), reason: unreadable });
            return;
          }
        } else {
          const variants = experiments.get(e.experiment_id);
          if (variants === undefined) {
            rejected.push({
              index,
              event_id: e.event_id,
              field: "experiment_id",
              reason: `unknown experiment '${e.experiment_id}'`,
            });
            return;
          }
          if (!variants.has(e.variant_id)) {
            rejected.push({
              index,
              event_id: e.event_id,
              field: "variant_id",
              reason: `'${e.variant_id}' is not a variant of ${e.experiment_id}`,
            });
            return;
          }
          line = JSON.stringify({
            kind: "exposure",
            event_id: e.event_id,
            user_id: e.user_id,
            experiment_id: e.experiment_id,
            variant_id: e.variant_id,
            exposure_time_utc: time,
            team,
          });
          if (!isReadableWalLine(line)) {
            rejected.push({ index, event_id: e.event_id, field: unreadableField(e), reason: unreadable });
            return;
          }
          // Also for a duplicate exposure: a batch retried after a failed assignment append logs it then.
          if (
            assignments !== undefined &&
            running?.has(e.experiment_id) === true &&
            !assignments.has(e.experiment_id, e.user_id)
          ) {
            if (firstAssignments === undefined) firstAssignments = new Map();
            const pair = `${e.experiment_id}\u0000${e.user_id}`;
            const earlier = firstAssignments.get(pair);
            if (earlier === undefined || time < earlier.at!)
              firstAssignments.set(pair, {
                experimentKey: e.experiment_id,
                userId: e.user_id,
                variant: e.variant_id,
                at: time,
                team,
              });
          }
        }
        // Checked and claimed synchronously, so concurrent batches cannot both write one id.
        // Event ids are a team's own: another team's id is never a duplicate of this one.
        const id = teamEventKey(team, e.event_id);
        if (seen.has(id)) {
          duplicates++;
          // A duplicate of an event whose append is still in flight is acknowledged only once that is durable.
          const original = pending.get(id);
          if (original !== undefined) {
            if (waits === undefined) waits = [];
            waits.push(original);
          }
          return;
        }
        seen.add(id);
        ids.push(id);
        lines += `${line}\n`;
      });
      if (ids.length > 0 || firstAssignments !== undefined) {
        // Issued in the same turn, so the events and the assignments share one group commit.
        const appended =
          ids.length === 0
            ? Promise.resolve()
            : log.append(lines).catch((error: unknown) => {
                for (const id of ids) seen.delete(id);
                throw error;
              });
        if (ids.length > 0) {
          for (const id of ids) pending.set(id, appended);
          void appended
            .catch(() => undefined)
            .finally(() => {
              for (const id of ids) if (pending.get(id) === appended) pending.delete(id);
            });
        }
        const logged =
          firstAssignments === undefined ? undefined : assignments!.record([...firstAssignments.values()]);
        try {
          await Promise.all([appended, logged]);
        } catch (error) {
          await Promise.allSettled([appended, logged]);
          throw new HttpError("internal", "the event log could not be written; retry the batch", {
            cause: error,
          });
        }
      }
      if (waits !== undefined) {
        try {
          await Promise.all(waits);
        } catch (error) {
          // The original was not stored: neither is this copy acknowledged (the client retries, and is taken then).
          throw new HttpError("internal", "the event log could not be written; retry the batch", {
            cause: error,
          });
        }
      }
      counters.accepted += ids.length;
      counters.duplicates += duplicates;
      counters.rejected += rejected.length;
      return { accepted: ids.length, duplicates, rejected, tracking_plan_version: plan.version };
    },
  };
}
