import type { IngestResult } from "../collector/collector.js";
import { teamEventKey } from "../collector/event-id-window.js";
import type { ServerContext } from "../server-context.js";
import { type ErasureScope, eraseUserFromLake, type LakeErasure } from "./erase-user.js";
import { mergeIngestResult, screenEvents } from "./event-screen.js";
import { writeIdentifies } from "./identify-sink.js";
import { allTeams, loadTombstones, type TombstoneStore } from "./tombstones.js";

/** Consent, identify events and tombstones around the collector; the lake side of DSAR. */
export interface PrivacyGuard {
  readonly tombstones: TombstoneStore;
  /** Screens a batch (consent, erased users, identify events), hands the rest to `ingest`, merges the answers. */
  ingest(
    events: ReadonlyArray<unknown>,
    ingest: (events: ReadonlyArray<unknown>) => Promise<IngestResult>,
    team?: string,
  ): Promise<IngestResult & { erased_user_events: number }>;
  /**
   * Tombstones the user first (nothing more is accepted for them in the scope), then compacts and erases them from
   * the lake within the scope (default: all teams).
   */
  erase(userId: string, actor: string, scope?: ErasureScope): Promise<LakeErasure>;
}

/**
 * @example
 * const privacy = await createPrivacyGuard(context);
 * const answer = await privacy.ingest(body.events, (kept) => collector.ingest(kept, plan, experiments));
 */
export async function createPrivacyGuard(context: ServerContext): Promise<PrivacyGuard> {
  const tombstones = await loadTombstones(context.db);
  const { seen } = context.collector;
  return {
    tombstones,
    async ingest(events, ingest, team = "") {
      const screened = screenEvents(events, (id) => tombstones.has(team, id));
      const fresh = screened.identifies.filter((r) => !seen.has(teamEventKey(team, r.event_id)));
      const duplicates = screened.identifies.length - fresh.length;
      await writeIdentifies(context.lake, fresh);
      for (const r of fresh) seen.add(teamEventKey(team, r.event_id));
      const result = await ingest(screened.events);
      return mergeIngestResult(screened, result, { accepted: fresh.length, duplicates });
    },
    async erase(userId, actor, scope = { kind: "all" }) {
      await tombstones.add(userId, actor, scope.kind === "all" ? allTeams : scope.team);
      await context.compact();
      return eraseUserFromLake(context.lake, userId, scope);
    },
  };
}
