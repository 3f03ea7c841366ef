import { existsSync } from "node:fs";
import { join } from "node:path";
import { createDuckDbEngine, createLakeReader, sqlString } from "@assay/pipeline";
import { chooseVariant, getBucket } from "@assay/sdk";
import type { UsersOutcome } from "./simulate-users.js";
import { SimulationError } from "./simulation-error.js";

/** How the experiment buckets identities, as the SDK payload says. */
export interface BucketingRule {
  readonly experimentKey: string;
  readonly salt: string;
  readonly seed: number;
  readonly weights: ReadonlyArray<readonly [string, number]>;
}

export interface AssignmentCheck {
  /** Users whose SDK variant differs from the spec's hash (getBucket + chooseVariant). */
  readonly sdkVsRehash: number;
  /** Users whose `POST /api/assign` variant differs from the SDK's. */
  readonly serverVsSdk: number;
  /** This run's canonical `fact_assignment` rows. */
  readonly lakeRows: number;
  /** Canonical rows whose variant differs from what the SDK decided (and the re-hash). */
  readonly lakeMismatches: number;
  /** Users the SDK put in the experiment without a canonical row. */
  readonly lakeMissing: number;
  /** Canonical rows of this run's ids the simulation never assigned. */
  readonly lakeUnexpected: number;
}

export interface EventCheck {
  readonly sent: number;
  readonly acknowledged: number;
  /** Rows of this run's events and exposures in the raw lake. */
  readonly lakeRows: number;
  /** Event ids stored more than once. */
  readonly storedMoreThanOnce: number;
  /** Acknowledged ids missing from the lake. */
  readonly acknowledgedMissing: number;
  /** Stored ids the simulation never sent. */
  readonly unknownStored: number;
  /** Stored ids that were sent but never acknowledged (the server kept them, every ack was lost). */
  readonly storedUnacknowledged: number;
  /**
   * Per variant: acknowledged purchases vs the pipeline's `orders_7d` outcome summed over this run's users; null
   * when `orders_7d` is not in the experiment's metrics (an experiment made elsewhere), so nothing to compare.
   */
  readonly ordersByVariant: Record<
    string,
    { readonly acknowledged: number; readonly pipeline: number }
  > | null;
}

export interface LakeCheck {
  readonly dt: string;
  readonly assignments: AssignmentCheck;
  readonly events: EventCheck;
}

const glob = (dir: string) => sqlString(join(dir, "*.parquet"));

/** The variant the assignment spec gives an identity. */
export function rehash(rule: BucketingRule, userId: string): string | null {
  return chooseVariant(getBucket(userId, rule.experimentKey, rule.salt, rule.seed), rule.weights) ?? null;
}

/**
 * Checks the lake against what the simulation knows: the canonical `fact_assignment` (silver) against
 * the SDK's local decisions and their recomputation with `getBucket`/`chooseVariant`, and the raw
 * events against the acknowledged ids (each stored exactly once), and the pipeline's order counts
 * against the acknowledged purchases.
 * @example const check = await verifyLake(".assay/lake", "run1", rule, outcome, "control");
 */
export async function verifyLake(
  lakeDir: string,
  runId: string,
  rule: BucketingRule,
  outcome: UsersOutcome,
): Promise<LakeCheck> {
  const dt = createLakeReader(lakeDir).latestResultsDt();
  if (dt === null) throw new SimulationError(`no results partition in ${lakeDir}: the pipeline has not run`);
  const prefix = sqlString(`${runId}-u%`);
  const engine = await createDuckDbEngine();
  try {
    const userIndex = new Map(outcome.users.map((u, i) => [u.userId, i]));
    let sdkVsRehash = 0;
    let serverVsSdk = 0;
    for (const u of outcome.users) {
      if (u.sdkVariant !== rehash(rule, u.userId)) sdkVsRehash++;
      if (u.serverVariant !== u.sdkVariant) serverVsSdk++;
    }
    const factDir = join(lakeDir, "silver", "fact_assignment", `dt=${dt}`);
    const rows = await engine.query(
      `SELECT user_id, variant_id FROM read_parquet(${glob(factDir)}, hive_partitioning = false, union_by_name = true)
       WHERE experiment_id = ${sqlString(rule.experimentKey)} AND user_id LIKE ${prefix}`,
    );
    let lakeMismatches = 0;
    let lakeUnexpected = 0;
    const inLake = new Set<string>();
    for (const r of rows) {
      const userId = String(r.user_id);
      inLake.add(userId);
      const i = userIndex.get(userId);
      if (i === undefined) {
        lakeUnexpected++;
        continue;
      }
      const user = outcome.users[i]!;
      if (String(r.variant_id) !== user.sdkVariant || String(r.variant_id) !== rehash(rule, userId)) {
        lakeMismatches++;
      }
    }
    const lakeMissing = outcome.users.filter((u) => u.sdkVariant !== null && !inLake.has(u.userId)).length;

    const runIds = sqlString(`${runId}.%`);
    const parts: string[] = [];
    for (const area of ["events", "exposures"]) {
      const dir = join(lakeDir, "raw", area);
      if (existsSync(dir)) {
        parts.push(
          `SELECT event_id FROM read_parquet(${sqlString(join(dir, "dt=*", "*.parquet"))}, hive_partitioning = false, union_by_name = true) WHERE event_id LIKE ${runIds}`,
        );
      }
    }
    const stored =
      parts.length === 0
        ? []
        : await engine.query(
            `SELECT event_id, count(*) AS n FROM (${parts.join(" UNION ALL ")}) GROUP BY event_id`,
          );
    let lakeRows = 0;
    let storedMoreThanOnce = 0;
    let unknownStored = 0;
    let storedUnacknowledged = 0;
    const storedIds = new Set<string>();
    for (const r of stored) {
      const id = String(r.event_id);
      const n = Number(r.n);
      lakeRows += n;
      storedIds.add(id);
      if (n > 1) storedMoreThanOnce++;
      if (!outcome.sent.has(id)) unknownStored++;
      else if (!outcome.acknowledged.has(id)) storedUnacknowledged++;
    }
    let acknowledgedMissing = 0;
    for (const id of outcome.acknowledged) if (!storedIds.has(id)) acknowledgedMissing++;

    const ordersByVariant: Record<string, { acknowledged: number; pipeline: number }> = {};
    for (const [variant] of rule.weights) ordersByVariant[variant] = { acknowledged: 0, pipeline: 0 };
    for (const id of outcome.acknowledged) {
      const e = outcome.sent.get(id);
      if (e?.kind !== "purchase") continue;
      const variant = outcome.users[e.user]?.sdkVariant;
      if (variant != null && ordersByVariant[variant] !== undefined) ordersByVariant[variant].acknowledged++;
    }
    const outcomesDir = join(lakeDir, "gold", "fct_experiment_unit_outcomes", `dt=${dt}`);
    const orders = await engine.query(
      `SELECT variant_id, sum(value) AS orders FROM read_parquet(${glob(outcomesDir)}, hive_partitioning = false, union_by_name = true)
       WHERE experiment_id = ${sqlString(rule.experimentKey)} AND metric_id = 'orders_7d' AND user_id LIKE ${prefix}
       GROUP BY variant_id`,
    );
    for (const r of orders) {
      const entry = ordersByVariant[String(r.variant_id)];
      if (entry !== undefined) entry.pipeline = Number(r.orders);
    }
    // The pipeline writes an orders_7d row for every unit of an experiment that has the metric (0 without orders):
    // no row at all means the experiment does not measure it.
    const ordersMeasured = orders.length > 0;
    return {
      dt,
      assignments: {
        sdkVsRehash,
        serverVsSdk,
        lakeRows: rows.length,
        lakeMismatches,
        lakeMissing,
        lakeUnexpected,
      },
      events: {
        sent: outcome.sent.size,
        acknowledged: outcome.acknowledged.size,
        lakeRows,
        storedMoreThanOnce,
        acknowledgedMissing,
        unknownStored,
        storedUnacknowledged,
        ordersByVariant: ordersMeasured ? ordersByVariant : null,
      },
    };
  } finally {
    await engine.close();
  }
}
