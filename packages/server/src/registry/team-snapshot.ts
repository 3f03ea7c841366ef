import { createHash } from "node:crypto";
import { type AssayClient, createAssayClient } from "@assay/sdk";
import type { Database } from "../db/database.js";
import { listActiveGuards } from "../decisions/decision-store.js";
import { NotFoundError } from "../http/http-error.js";
import { listFlagsByEnvironment, listSegments, type StoredFlag } from "./definition-store.js";
import { defaultEnvironment, listEnvironments } from "./environment-store.js";
import type { Experiment } from "./experiment-schema.js";
import { listExperiments } from "./experiment-store.js";
import { buildSdkPayload, type SdkKeyKind } from "./sdk-payload.js";
import { withTeam } from "./team-scope.js";

/** One environment's SDK payload as served: the JSON text, its ETag and Last-Modified. */
export interface ServedPayload {
  readonly body: string;
  readonly etag: string;
  readonly lastModified: string;
}

/** A team's registry as read at one moment, with its SDK payloads and SDK clients over them. */
export interface TeamSnapshot {
  readonly team: string;
  readonly builtAt: Date;
  readonly experiments: ReadonlyArray<Experiment>;
  /** The team's environment keys (the three defaults first). */
  readonly environments: ReadonlyArray<string>;
  /** The flags as they stand in production. */
  readonly flags: ReadonlyArray<StoredFlag>;
  /** Every environment's flags. */
  readonly flagsByEnvironment: ReadonlyMap<string, ReadonlyArray<StoredFlag>>;
  /** Experiment key → variant keys (every status: late exposures of a completed test are valid). */
  readonly variantsByExperiment: ReadonlyMap<string, ReadonlySet<string>>;
  /** The SDK client used for server-side assignment in production (`clientFor` for another environment). */
  readonly client: AssayClient;
  /** Keys of the production experiments the client can assign into (running and paused). */
  readonly experimentKeys: ReadonlyArray<string>;
  /** Keys of the running experiments: an exposure to one logs the assignment the server has not seen. */
  readonly runningExperiments: ReadonlySet<string>;
  /** The server-side client and assignable experiment keys of one environment; 404 for one the team lacks. */
  clientFor(environment: string): { client: AssayClient; experimentKeys: ReadonlyArray<string> };
  /** The SDK payload of one environment for one kind of key (`buildSdkPayload`); 404 for one the team lacks. */
  payload(environment: string, keyKind?: SdkKeyKind): ServedPayload;
}

export interface SnapshotCache {
  get(team: string): Promise<TeamSnapshot>;
  /** Drops a team's snapshot after a write, so the next read (and SDK poll) sees the change. */
  invalidate(team: string): void;
}

/**
 * Caches each team's snapshot for `ttlMs` (other servers' writes show within that time plus one
 * rebuild; this server's own writes invalidate at once). An expired snapshot keeps serving while its
 * replacement is built, and the compiled SDK clients are reused while their payload is unchanged,
 * so assignment stays pure CPU.
 * @example const snapshot = await createSnapshotCache(db).get("growth");
 */
export function createSnapshotCache(db: Database, ttlMs = 1000): SnapshotCache {
  const cache = new Map<string, { at: number; value: Promise<TeamSnapshot>; refreshing: boolean }>();
  // team → environment → the compiled client and the payload it was compiled from.
  const clients = new Map<
    string,
    Map<string, { fingerprint: string; client: AssayClient; keys: string[] }>
  >();
  const build = async (team: string): Promise<TeamSnapshot> => {
    const { experiments, environments, flagsByEnvironment, segments, failClosed } = await withTeam(
      db,
      team,
      async (tx) => {
        const environments = (await listEnvironments(tx)).map((e) => e.key);
        return {
          experiments: await listExperiments(tx),
          environments,
          flagsByEnvironment: await listFlagsByEnvironment(tx, environments),
          segments: await listSegments(tx),
          failClosed: await listActiveGuards(tx),
        };
      },
    );
    const builtAt = new Date();
    const known = new Set(environments);
    // Per environment: a change in production does not make every staging stream and poller fetch again.
    const generatedAtOf = (environment: string): Date => {
      const flags = flagsByEnvironment.get(environment) ?? [];
      const linked = new Set(flags.map((f) => f.experiment_key));
      const lastChange = Math.max(
        0,
        ...experiments
          .filter((e) => e.environment === environment || linked.has(e.key))
          .map((e) => Date.parse(e.updated_at)),
        ...flags.map((f) => Date.parse(f.updated_at)),
      );
      return new Date(lastChange || 0);
    };
    const registryOf = (environment: string) => {
      if (!known.has(environment)) throw new NotFoundError(`environment '${environment}'`, "environment");
      return { experiments, flags: flagsByEnvironment.get(environment) ?? [], segments, failClosed };
    };
    const payloads = new Map<string, ServedPayload>();
    const payload = (environment: string, keyKind: SdkKeyKind = "server"): ServedPayload => {
      const id = `${keyKind}:${environment}`;
      let found = payloads.get(id);
      if (found === undefined) {
        // The ETag covers the content only, so an unchanged registry keeps answering 304.
        const generatedAt = generatedAtOf(environment);
        const content = buildSdkPayload(registryOf(environment), environment, keyKind, generatedAt);
        const body = JSON.stringify(content);
        // Over the content without its timestamp: a shared field touched elsewhere does not re-send an equal payload.
        const { generatedAt: _stamp, ...state } = content;
        const digest = createHash("sha256").update(JSON.stringify(state)).digest("base64url");
        const etag = `"${digest.slice(0, 27)}"`;
        found = { body, etag, lastModified: generatedAt.toUTCString() };
        payloads.set(id, found);
      }
      return found;
    };
    let teamClients = clients.get(team);
    if (teamClients === undefined) {
      teamClients = new Map();
      clients.set(team, teamClients);
    }
    const compiledClients = teamClients;
    // Per snapshot: the hot path (POST /api/assign) looks its environment's client up once per request.
    const resolved = new Map<string, { client: AssayClient; experimentKeys: ReadonlyArray<string> }>();
    const clientFor = (environment: string) => {
      const hit = resolved.get(environment);
      if (hit !== undefined) return hit;
      const serverPayload = buildSdkPayload(registryOf(environment), environment, "server", new Date(0));
      const fingerprint = JSON.stringify(serverPayload);
      let compiled = compiledClients.get(environment);
      if (compiled === undefined || compiled.fingerprint !== fingerprint) {
        compiled = {
          fingerprint,
          client: createAssayClient({ payload: serverPayload, onError: () => undefined }),
          keys: serverPayload.experiments.map((e) => e.key),
        };
        compiledClients.set(environment, compiled);
      }
      const answer = { client: compiled.client, experimentKeys: compiled.keys };
      resolved.set(environment, answer);
      return answer;
    };
    const production = clientFor(defaultEnvironment);
    return {
      team,
      builtAt,
      experiments,
      environments,
      flags: flagsByEnvironment.get(defaultEnvironment) ?? [],
      flagsByEnvironment,
      variantsByExperiment: new Map(experiments.map((e) => [e.key, new Set(e.variants.map((v) => v.key))])),
      client: production.client,
      experimentKeys: production.experimentKeys,
      runningExperiments: new Set(experiments.filter((e) => e.status === "running").map((e) => e.key)),
      clientFor,
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
