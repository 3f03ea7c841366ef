import { Readable } from "node:stream";
import { sufficientStatistics } from "../../models/metric-aggregate-sql.js";
import {
  aggExperimentMetricMoments,
  aggExperimentMetricMomentsBySegment,
} from "../../models/metric-type-models.js";
import type { ClickHouseSession } from "./connection.js";
import { clickhouseFunctions as f } from "./sql-compiler.js";

/**
 * Where a table lives on a cluster: `sharded` (a MergeTree part per shard, one row per unit or raw row, plus a
 * Distributed table), `rollup` (built per shard, then summed across shards into one small table), `everywhere`
 * (small config tables copied to every shard), `coordinator` (small tables built on the coordinator, over the
 * Distributed tables: results, and summaries that need every unit at once such as quantiles) or `pooled` (built
 * on the coordinator like `coordinator`, then copied to every shard for shard-local models to join: the caps).
 */
export type ClusterPlacement =
  | { readonly kind: "sharded" }
  | { readonly kind: "everywhere" }
  | { readonly kind: "coordinator" }
  | { readonly kind: "pooled" }
  | { readonly kind: "rollup"; readonly sql: (source: string) => string };

// Partials are read through a renaming subquery: on 18.16 an alias equal to a source column breaks the
// query a Distributed table sends to its shards. The partials are a handful of rows per shard.
const sumAll =
  (
    keys: ReadonlyArray<string>,
    int: ReadonlyArray<string>,
    float: ReadonlyArray<string>,
    anyOf: ReadonlyArray<string> = [],
  ) =>
  (source: string) => {
    const columns = [
      ...keys,
      ...anyOf.map((c) => `any(p_${c}) AS ${c}`),
      ...int.map((c) => `CAST(sum(p_${c}) AS Int64) AS ${c}`),
      ...float.map((c) => `sumKahan(p_${c}) AS ${c}`),
    ];
    const inner = [...keys, ...[...anyOf, ...int, ...float].map((c) => `${c} AS p_${c}`)];
    return `SELECT ${columns.join(", ")} FROM (SELECT ${inner.join(", ")} FROM ${source})${keys.length > 0 ? ` GROUP BY ${keys.join(", ")}` : ""}`;
  };

const dailyCounts = [
  "assigned_units",
  "exposed_units",
  "exposure_rows",
  "valid_exposure_rows",
  "orphan_exposure_rows",
  "pre_assignment_exposure_units",
  "variant_mismatch_units",
  "multi_variation_exposure_units",
  "exposure_outside_window_units",
];

const rollups: Record<string, (source: string) => string> = {
  fct_experiment_assignment_quality: sumAll(
    ["experiment_id"],
    [
      "raw_assignment_rows",
      "unknown_variant_assignment_rows",
      "assignment_rows_outside_window",
      "canonical_units",
      "assignment_conflict_units",
    ],
    [],
  ),
  fct_experiment_exposure_quality_daily: (source) =>
    `SELECT experiment_id, date_day, assigned_units, exposed_units,
  CASE WHEN assigned_units > 0 THEN CAST(exposed_units AS Float64) / assigned_units END AS exposure_rate,
  ${dailyCounts.slice(2).join(", ")}
FROM (${sumAll(["experiment_id", "date_day"], dailyCounts, [])(source)})`,
  fct_event_quality: sumAll([], ["raw_event_rows", "distinct_events", "duplicate_event_rows"], []),
  agg_experiment_metric_by_variant: sumAll(
    ["experiment_id", "metric_id", "analysis_mode", "variation_id"],
    ["n", "excluded_units"],
    [...sufficientStatistics, "sum_den_cov"],
    ["is_control", "cap_value", "covariate_cap_value"],
  ),
  agg_experiment_metric_by_segment: sumAll(
    ["experiment_id", "metric_id", "analysis_mode", "segment_attribute", "segment_value", "variation_id"],
    ["n", "excluded_units"],
    [...sufficientStatistics, "sum_den_cov"],
    ["is_control", "cap_value", "covariate_cap_value"],
  ),
  // The moments are sums over their whole grain.
  agg_experiment_metric_moments: sumAll(aggExperimentMetricMoments.grain, [], ["value"]),
  agg_experiment_metric_moments_by_segment: sumAll(aggExperimentMetricMomentsBySegment.grain, [], ["value"]),
};

/**
 * Tables computed from every unit of an experiment at once (docs/metrics.md): a percentile cap or a quantile is
 * not a sum of per-shard parts, so they read the Distributed tables on the coordinator.
 */
const pooled: Record<string, "coordinator" | "pooled"> = {
  agg_experiment_metric_caps: "pooled",
  int_data_horizon: "pooled",
  agg_experiment_metric_quantiles: "coordinator",
  agg_experiment_metric_quantiles_by_segment: "coordinator",
};

/** How a table is placed on a ClickHouse cluster. */
export function clusterPlacement(table: string): ClusterPlacement {
  const rollup = rollups[table];
  if (rollup) return { kind: "rollup", sql: rollup };
  const whole = pooled[table];
  if (whole) return { kind: whole };
  if (table.startsWith("cfg_")) return { kind: "everywhere" };
  if (table === "fct_experiment_results" || table === "fct_experiment_results_by_segment") {
    return { kind: "coordinator" };
  }
  return { kind: "sharded" };
}

/**
 * Runs a marked `CREATE TABLE … AS` where the table belongs: on a single node as is; on a cluster on every shard
 * (sharded tables get a Distributed table over the parts, roll-ups are summed into one table on the coordinator,
 * config tables are also copied to the coordinator, results live on the coordinator only).
 */
export async function placeTable(session: ClickHouseSession, name: string, statement: string): Promise<void> {
  const { post, onShards, distributedOver, coordinator, database, localDb, cluster } = session;
  const drop = `DROP TABLE IF EXISTS ${f.ident(name)}`;
  if (!cluster) {
    await post(coordinator, drop, database);
    await post(coordinator, statement, database);
    return;
  }
  const placement = clusterPlacement(name);
  if (placement.kind === "coordinator" || placement.kind === "pooled") {
    await post(coordinator, drop, database);
    await post(coordinator, statement, database);
    if (placement.kind === "pooled") await copyToShards(session, name);
    return;
  }
  await onShards(drop, localDb);
  await onShards(statement, localDb);
  if (placement.kind === "everywhere") {
    await post(coordinator, drop, database);
    await post(coordinator, statement, database);
  } else if (placement.kind === "sharded") {
    await distributedOver(name, name, null);
  } else {
    const parts = `${name}__shards`;
    await distributedOver(name, parts, null);
    await post(coordinator, drop, database);
    await post(
      coordinator,
      `CREATE TABLE ${f.ident(name)} ENGINE = MergeTree ORDER BY tuple() AS ${placement.sql(f.ident(parts))}`,
      database,
    );
  }
}

/** Copies a small coordinator table to every shard's local database (same columns, rows through Node as TSV). */
async function copyToShards(session: ClickHouseSession, name: string): Promise<void> {
  const { post, onShards, coordinator, database, localDb, urls } = session;
  const described = await post(coordinator, `DESCRIBE TABLE ${f.ident(name)} FORMAT TabSeparated`, database);
  const columns = described
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [column = "", type = ""] = line.split("\t");
      return `${f.ident(column)} ${type}`;
    });
  const rows = await post(coordinator, `SELECT * FROM ${f.ident(name)} FORMAT TabSeparated`, database);
  await onShards(`DROP TABLE IF EXISTS ${f.ident(name)}`, localDb);
  await onShards(
    `CREATE TABLE ${f.ident(name)} (${columns.join(", ")}) ENGINE = MergeTree ORDER BY tuple()`,
    localDb,
  );
  if (rows === "") return;
  await Promise.all(
    urls.map((url) =>
      post(url, `INSERT INTO ${f.ident(name)} FORMAT TabSeparated`, localDb, Readable.from([rows])),
    ),
  );
}
