import type { RowFilter } from "./row-filter.js";

/**
 * Whose raw rows a read sees: every team's (the collector's own bookkeeping, the platform owner), or one team's.
 * A team sees the rows written with its team and the rows no team can be told from (written before tenancy or
 * loaded without a `team` column); never a row of another team.
 * @example reader.lastEvaluations({ scope: teamScope("growth") })
 */
export type LakeScope = { readonly kind: "all" } | { readonly kind: "team"; readonly team: string };

/** Every team's rows. */
export const allTeams: LakeScope = { kind: "all" };

/** One team's rows (and the rows of no team). */
export const teamScope = (team: string): LakeScope => ({ kind: "team", team });

/** The filter a scope puts on files that do (or do not) have a `team` column; undefined: every row. */
export function scopeFilter(scope: LakeScope, hasTeamColumn: boolean): RowFilter | undefined {
  if (scope.kind === "all" || !hasTeamColumn) return undefined;
  return { kind: "in", column: "team", values: ["", scope.team], nullAs: "" };
}

/** Rows that belong to a team other than the scope's (none for `all`): what a team may never change. */
export function otherTeamFilter(scope: LakeScope): RowFilter | undefined {
  if (scope.kind === "all") return undefined;
  return { kind: "not", of: { kind: "in", column: "team", values: ["", scope.team], nullAs: "" } };
}
