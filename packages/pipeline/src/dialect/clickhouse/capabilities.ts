import type { Capabilities } from "../dialect.js";

/**
 * ClickHouse as of Debian's 18.16 (the oldest release Assay supports): no window functions, no FILTER, no CTE
 * subqueries, one JOIN per SELECT. LEFT JOIN yields NULL only with `join_use_nulls = 1`, which the engine sets.
 */
export const clickhouseCapabilities: Capabilities = {
  windowFunctions: false,
  filterClause: false,
  fullOuterJoin: true,
  leftJoinNulls: true,
  parquet: false,
};
