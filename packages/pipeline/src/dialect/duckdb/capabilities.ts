import type { Capabilities } from "../dialect.js";

export const duckdbCapabilities: Capabilities = {
  windowFunctions: true,
  filterClause: true,
  fullOuterJoin: true,
  leftJoinNulls: true,
  parquet: true,
};
