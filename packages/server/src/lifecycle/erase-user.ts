import { readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { sqlString } from "@assay/pipeline";
import { type Lake, listFiles } from "../collector/lake.js";

/** Columns that name a person in lake files (the unit, and both sides of an identity link). */
const personColumns = ["user_id", "anon_id", "identity_id"];

export interface LakeErasure {
  /** Parquet rows removed, by lake area (`raw`, `silver`, `gold`, `derived`). */
  readonly rows: Record<string, number>;
  readonly filesRewritten: number;
  /** JSON reports (quality reports, data test examples) from which the user's entries were removed. */
  readonly reportsScrubbed: number;
}

/**
 * Removes a user from every file of the lake: each Parquet file (raw, silver, gold, derived) holding a row whose
 * `user_id`, `anon_id` or `identity_id` is the user is rewritten without those rows (written beside it and
 * renamed over it, so readers see the old or the new partition, never half of one); JSON reports lose every
 * entry that names the user.
 * @example const erasure = await eraseUserFromLake(context.lake, "u-42");
 */
export async function eraseUserFromLake(lake: Lake, userId: string): Promise<LakeErasure> {
  const rows: Record<string, number> = {};
  let filesRewritten = 0;
  const id = sqlString(userId);
  for (const area of ["raw", "silver", "gold", "derived"]) {
    rows[area] = 0;
    for (const file of await listFiles(join(lake.dir, area), ".parquet")) {
      const columns = (
        await lake.query<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)
      )
        .map((c) => c.column_name)
        .filter((c) => personColumns.includes(c));
      if (columns.length === 0) continue;
      const hit = columns.map((c) => `coalesce(${c} = ${id}, false)`).join(" OR ");
      const [count] = await lake.query<{ n: number }>(
        `SELECT count(*) AS n FROM read_parquet(${sqlString(file)}, hive_partitioning = false) WHERE ${hit}`,
      );
      if (!count || count.n === 0) continue;
      const tmp = join(dirname(file), `.erase-${process.pid}-${Date.now()}.tmp`);
      await lake.query(
        `COPY (SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false) WHERE NOT (${hit}))
         TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      await rename(tmp, file);
      rows[area] += count.n;
      filesRewritten++;
    }
  }
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
  return { rows, filesRewritten, reportsScrubbed };
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
