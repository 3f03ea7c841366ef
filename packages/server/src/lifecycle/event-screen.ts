import { z } from "zod";
import type { IngestResult, RejectedEvent } from "../collector/collector.js";
import { formatFieldPath } from "../http/parse-input.js";

/** An identify event: the anonymous id a visitor had, and the identity they logged in as. */
export interface IdentifyRecord {
  readonly event_id: string;
  readonly anon_id: string;
  readonly identity_id: string;
  readonly identify_time_utc: string;
}

const identifySchema = z
  .object({
    type: z.literal("identify"),
    event_id: z.string().min(1, "is required").max(128),
    user_id: z.string().min(1, "is required").max(256),
    anon_id: z.string().min(1, "is required").max(256),
    timestamp: z.iso.datetime({ offset: true }).optional(),
    event_time_utc: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((e) => e.timestamp !== undefined || e.event_time_utc !== undefined, {
    path: ["timestamp"],
    message: "is required",
  });

/** A batch after the privacy checks that come before the collector's own validation. */
export interface ScreenedBatch {
  /** Events for the collector (without the consent flag), in order. */
  readonly events: unknown[];
  /** The batch index of each of `events`. */
  readonly indexOf: number[];
  readonly identifies: IdentifyRecord[];
  readonly rejected: RejectedEvent[];
  /** Events dropped because their user was erased (counted in `rejected` too). */
  readonly erased: number;
}

const field = (raw: object, key: string): unknown => (raw as Record<string, unknown>)[key];
const idOf = (raw: unknown): string | null =>
  raw !== null && typeof raw === "object" && typeof field(raw, "event_id") === "string"
    ? (field(raw, "event_id") as string)
    : null;

/**
 * Applies consent and tombstones to a batch and takes out identify events: an event flagged
 * `analytics_consent: false` is rejected; an event of an erased user (its `user_id`, or an identify's
 * `anon_id`) is rejected and counted as erased; identify events are validated and returned separately.
 * @example const screened = screenEvents(body.events, (id) => tombstones.has(id));
 */
export function screenEvents(
  batch: ReadonlyArray<unknown>,
  isErased: (userId: string) => boolean,
): ScreenedBatch {
  const events: unknown[] = [];
  const indexOf: number[] = [];
  const identifies: IdentifyRecord[] = [];
  const rejected: RejectedEvent[] = [];
  let erased = 0;
  batch.forEach((raw, index) => {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      events.push(raw);
      indexOf.push(index);
      return;
    }
    const consent = field(raw, "analytics_consent");
    if (consent === false) {
      rejected.push({
        index,
        event_id: idOf(raw),
        field: "analytics_consent",
        reason: "the user has not consented to analytics; the event is not stored",
      });
      return;
    }
    const userId = field(raw, "user_id");
    const anonId = field(raw, "anon_id");
    if (
      (typeof userId === "string" && isErased(userId)) ||
      (field(raw, "type") === "identify" && typeof anonId === "string" && isErased(anonId))
    ) {
      erased++;
      rejected.push({
        index,
        event_id: idOf(raw),
        field: "user_id",
        reason: "the user was erased (DSAR); events arriving for them are dropped",
      });
      return;
    }
    if (field(raw, "type") === "identify") {
      const parsed = identifySchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        rejected.push({
          index,
          event_id: idOf(raw),
          field: formatFieldPath(issue.path),
          reason: issue.message,
        });
        return;
      }
      const e = parsed.data;
      identifies.push({
        event_id: e.event_id,
        anon_id: e.anon_id,
        identity_id: e.user_id,
        identify_time_utc: new Date((e.timestamp ?? e.event_time_utc)!).toISOString(),
      });
      return;
    }
    if (consent !== undefined) {
      const { analytics_consent: _, ...rest } = raw as Record<string, unknown>;
      events.push(rest);
    } else {
      events.push(raw);
    }
    indexOf.push(index);
  });
  return { events, indexOf, identifies, rejected, erased };
}

/** The collector's answer for the whole batch: its indexes mapped back, screening rejections and identifies added. */
export function mergeIngestResult(
  screened: ScreenedBatch,
  result: IngestResult,
  identified: { accepted: number; duplicates: number },
): IngestResult & { erased_user_events: number } {
  const rejected = [
    ...screened.rejected,
    ...result.rejected.map((r) => ({ ...r, index: screened.indexOf[r.index] ?? r.index })),
  ].sort((a, b) => a.index - b.index);
  return {
    ...result,
    accepted: result.accepted + identified.accepted,
    duplicates: result.duplicates + identified.duplicates,
    rejected,
    erased_user_events: screened.erased,
  };
}
