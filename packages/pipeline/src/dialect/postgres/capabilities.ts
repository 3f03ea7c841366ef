import type { Capabilities } from "../dialect.js";

export const postgresCapabilities: Capabilities = {
  windowFunctions: true,
  filterClause: true,
  fullOuterJoin: true,
  leftJoinNulls: true,
  parquet: false,
};
