import { type AssayPayload, validatePayload } from "@assay/sdk";
import type { Queryable } from "../db/database.js";
import { BadRequestError } from "../http/http-error.js";
import { listFlags, listSegments } from "./definition-store.js";
import { listEnvironments } from "./environment-store.js";
import { listExperiments } from "./experiment-store.js";
import { buildSdkPayload } from "./sdk-payload.js";

/**
 * Checks, inside the write's team transaction and before it commits, that the team's whole SDK payload (its
 * delivered experiments, flags and segments as they now stand, in every environment) passes the SDK's own `validatePayload`: a write the
 * SDK would refuse (a JSON value nested deeper than it reads, a prerequisite cycle, a condition too deep) is a 400
 * and rolls back, instead of making every assignment of the team answer `ERROR`.
 * @example await withTeam(db, team, async (tx) => { await putFlag(tx, p, flag); await checkTeamPayload(tx); });
 */
export async function checkTeamPayload(tx: Queryable): Promise<void> {
  const experiments = await listExperiments(tx);
  const segments = await listSegments(tx);
  for (const { key: environment } of await listEnvironments(tx)) {
    const registry = { experiments, flags: await listFlags(tx, environment), segments };
    checkPayload(buildSdkPayload(registry, environment, "server", new Date()), environment);
  }
}

function checkPayload(payload: AssayPayload, environment: string): void {
  // A round trip through JSON, as the SDK receives it (undefined fields dropped).
  const result = validatePayload(JSON.parse(JSON.stringify(payload)));
  if (result.ok) return;
  const { path, message } = result.problem;
  const field = path.replace(/^\$\.?/, "") || "body";
  const entity = /^\$\.(flags|experiments|segments)\[(\d+)\]/.exec(path);
  const list =
    entity === null ? undefined : (payload[entity[1] as "flags"] as ReadonlyArray<{ key: string }>);
  const key = entity === null ? undefined : list?.[Number(entity[2])]?.key;
  const what = key === undefined ? "" : ` (${entity![1]!.slice(0, -1)} '${key}')`;
  throw new BadRequestError(
    field,
    `the SDK would refuse the team's configuration in ${environment}${what}: ${message}`,
  );
}
