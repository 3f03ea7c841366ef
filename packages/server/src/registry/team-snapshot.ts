import { createHash } from "node:crypto";
import { type AssayClient, createAssayClient } from "@assay/sdk";
import type { Database } from "../db/database.js";
import { listActiveGuards } from "../decisions/decision-store.js";
import { listFlags, listSegments, type StoredFlag } from "./definition-store.js";
import type { Experiment } from "./experiment-schema.js";
import { listExperiments } from "./experiment-store.js";
import { buildSdkPayload } from "./sdk-payload.js";
import { withTeam } from "./team-scope.js";

/** A team's registry as read at one moment, with its SDK payloads and an SDK client over them. */
export interface TeamSnapshot {
  readonly team: string;
  readonly builtAt: Date;
  readonly experiments: ReadonlyArray<Experiment>;
  readonly flags: ReadonlyArray<StoredFlag>;
  /** Experiment key → variant keys (every status: late exposures of a completed test are valid). */
  readonly variantsByExperiment: ReadonlyMap<string, ReadonlySet<string>>;
  /** The SDK client used for server-side assignment, over the payload of the default environment. */
  readonly client: AssayClient;
  /** Keys of the experiments the client can assign into (running and paused). */
  readonly experimentKeys: ReadonlyArray<string>;
  /** Keys of the running experiments: an exposure to one logs the assignment the server has not seen. */
  readonly runningExperiments: ReadonlySet<string>;
  payload(environment: string): { body: string; etag: string; lastModified: string };
}

export interface SnapshotCache {
  get(team: string): Promise<TeamSnapshot>;
  /** Drops a team's snapshot after a write, so the next read (and SDK poll) sees the change. */
  invalidate(team: string): void;
}

/**
 * Caches each team's snapshot for `ttlMs` (other servers' writes show within that time plus one
 * rebuild; this server's own writes invalidate at once). An expired snapshot keeps serving while its
 * replacement is built, and the compiled SDK client is reused while the registry content is unchanged,
 * so assignment stays pure CPU.
 * @example const snapshot = await createSnapshotCache(db).get("growth");
 */
export function createSnapshotCache(db: Database, ttlMs = 1000): SnapshotCache {
  const cache = new Map<string, { at: number; value: Promise<TeamSnapshot>; refreshing: boolean }>();
  const clients = new Map<string, { fingerprint: string; client: AssayClient }>();
  const build = async (team: string): Promise<TeamSnapshot> => {
    const { experiments, flags, segments, failClosed } = await withTeam(db, team, async (tx) => ({
      experiments: await listExperiments(tx),
      flags: await listFlags(tx),
      segments: await listSegments(tx),
      failClosed: await listActiveGuards(tx),
    }));
    const builtAt = new Date();
    const registry = { experiments, flags, segments, failClosed };
    const payloads = new Map<string, { body: string; etag: string; lastModified: string }>();
    const lastChange = Math.max(
      0,
      ...experiments.map((e) => Date.parse(e.updated_at)),
      ...flags.map((f) => Date.parse(f.updated_at)),
    );
    const payload = (environment: string) => {
      let found = payloads.get(environment);
      if (found === undefined) {
        // The ETag covers the content only, so an unchanged registry keeps answering 304.
        const content = buildSdkPayload(registry, environment, new Date(lastChange || 0));
        const body = JSON.stringify(content);
        const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
        found = { body, etag, lastModified: new Date(lastChange || 0).toUTCString() };
        payloads.set(environment, found);
      }
      return found;
    };
    const serverPayload = buildSdkPayload(registry, "server", new Date(lastChange || 0));
    const fingerprint = JSON.stringify(serverPayload);
    let compiled = clients.get(team);
    if (compiled === undefined || compiled.fingerprint !== fingerprint) {
      compiled = {
        fingerprint,
        client: createAssayClient({ payload: serverPayload, onError: () => undefined }),
      };
      clients.set(team, compiled);
    }
    const client = compiled.client;
    return {
      team,
      builtAt,
      experiments,
      flags,
      variantsByExperiment: new Map(experiments.map((e) => [e.key, new Set(e.variants.map((v) => v.key))])),
      client,
      experimentKeys: serverPayload.experiments.map((e) => e.key),
      runningExperiments: new Set(experiments.filter((e) => e.status === "running").map((e) => e.key)),
      payload,
    };
  };
  return {
    get(team) {
      const hit = cache.get(team);
      if (hit !== undefined && (Date.now() - hit.at < ttlMs || hit.refreshing)) return hit.value;
      const value = build(team);
      if (hit === undefined) {
        const entry = { at: Date.now(), value, refreshing: false };
        cache.set(team, entry);
        value.catch(() => {
          if (cache.get(team) === entry) cache.delete(team);
        });
        return value;
      }
      // Stale: keep answering from the old snapshot until the new one is ready.
      hit.refreshing = true;
      value.then(
        () => {
          if (cache.get(team) === hit) cache.set(team, { at: Date.now(), value, refreshing: false });
        },
        () => {
          hit.refreshing = false;
          hit.at = Date.now();
        },
      );
      return hit.value;
    },
    invalidate(team) {
      cache.delete(team);
    },
  };
}
