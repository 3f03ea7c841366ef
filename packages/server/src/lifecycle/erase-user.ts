import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { otherTeamFilter, type RowFilter, teamScope } from "@assay/pipeline";
import { type Lake, listFiles } from "../collector/lake.js";

/** Columns that name a person in lake files (the unit, and both sides of an identity link). */
const personColumns = ["user_id", "anon_id", "identity_id"];

export interface LakeErasure {
  /** Parquet rows removed, by lake area (`raw`, `silver`, `gold`, `derived`). */
  readonly rows: Record<string, number>;
  readonly filesRewritten: number;
  /** JSON reports (quality reports, data test examples) from which the user's entries were removed. */
  readonly reportsScrubbed: number;
  /**
   * Whether the erasure could reach the rows no team can be told from: always across all teams; for one team, when
   * the user has no row of another team (then warehouses and the results store are erased too).
   */
  readonly exclusive: boolean;
}

/**
 * Whose data an erasure removes: every team's (the platform owner), or one team's. A team erasure never touches a row
 * that names another team — a raw row whose `team` is another's, a row of another team's experiment
 * (`experiment_id`) — and touches rows no team can be told from (shared derived tables, identity links, reports,
 * data loaded without a team) only when the user has no row of another team at all.
 */
export type ErasureScope =
  | { readonly kind: "all" }
  | {
      readonly kind: "team";
      readonly team: string;
      /** The experiments of every other team. */
      readonly otherExperiments: ReadonlyArray<string>;
    };

/**
 * Removes a user from the lake within `scope` (default all teams): each Parquet file (raw, silver, gold, derived)
 * holding a row whose `user_id`, `anon_id` or `identity_id` is the user (and that is in scope) is rewritten without
 * those rows (written beside it and renamed over it, so readers see the old or the new partition, never half of
 * one); JSON reports lose every entry that names the user.
 * @example const erasure = await eraseUserFromLake(context.lake, "u-42", { kind: "team", team: "growth", experiments: ["checkout"] });
 */
export async function eraseUserFromLake(
  lake: Lake,
  userId: string,
  scope: ErasureScope = { kind: "all" },
): Promise<LakeErasure> {
  const rows: Record<string, number> = {};
  let filesRewritten = 0;
  const { reader } = lake;
  const files: Array<{ area: string; file: string; columns: string[]; person: string[] }> = [];
  for (const area of ["raw", "silver", "gold", "derived"]) {
    rows[area] = 0;
    for (const file of await listFiles(join(lake.dir, area), ".parquet")) {
      const columns = await reader.fileColumns(file);
      const person = columns.filter((c) => personColumns.includes(c));
      if (person.length > 0) files.push({ area, file, columns, person });
    }
  }
  const personHit = (person: string[]): RowFilter => ({
    kind: "any",
    of: person.map((column) => ({ kind: "equals", column, value: userId })),
  });
  // Rows that belong to another team (by their team column, or by their experiment).
  const theirs =
    scope.kind === "all"
      ? undefined
      : {
          team: otherTeamFilter(teamScope(scope.team)),
          experiment: { kind: "in", column: "experiment_id", values: scope.otherExperiments } as const,
        };
  const otherTeamOf = (columns: string[]): RowFilter | undefined =>
    theirs === undefined
      ? undefined
      : columns.includes("team")
        ? theirs.team
        : columns.includes("experiment_id")
          ? theirs.experiment
          : undefined;
  // While the user has a row of another team, the rows no team can be told from are not this team's to erase.
  let exclusive = true;
  if (theirs !== undefined) {
    for (const f of files) {
      const other = otherTeamOf(f.columns);
      if (other === undefined) continue;
      if ((await reader.countRows([f.file], { kind: "all", of: [personHit(f.person), other] })) > 0) {
        exclusive = false;
        break;
      }
    }
  }
  for (const { area, file, columns, person } of files) {
    const other = otherTeamOf(columns);
    if (other === undefined && theirs !== undefined && !exclusive) continue;
    const hit: RowFilter =
      other === undefined
        ? personHit(person)
        : { kind: "all", of: [personHit(person), { kind: "not", of: other }] };
    const { removed } = await reader.rewriteWithout(file, hit);
    if (removed === 0) continue;
    rows[area] = (rows[area] ?? 0) + removed;
    filesRewritten++;
  }
  if (!exclusive) return { rows, filesRewritten, reportsScrubbed: 0, exclusive };
  let reportsScrubbed = 0;
  for (const area of ["silver", "gold"]) {
    for (const file of await listFiles(join(lake.dir, area), ".json")) {
      const text = await readFile(file, "utf8");
      if (!text.includes(JSON.stringify(userId))) continue;
      const tmp = `${file}.erase.tmp`;
      await writeFile(tmp, `${JSON.stringify(scrub(JSON.parse(text), userId), null, 2)}\n`);
      await rename(tmp, file);
      reportsScrubbed++;
    }
  }
  return { rows, filesRewritten, reportsScrubbed, exclusive };
}

const names = (value: unknown, userId: string): boolean =>
  value === userId ||
  (value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.values(value).some((v) => v === userId));

/** Drops array entries that are, or directly hold, the user id; object fields equal to it become null. */
function scrub(value: unknown, userId: string): unknown {
  if (Array.isArray(value)) return value.filter((v) => !names(v, userId)).map((v) => scrub(v, userId));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, v === userId ? null : scrub(v, userId)]),
    );
  }
  return value;
}
