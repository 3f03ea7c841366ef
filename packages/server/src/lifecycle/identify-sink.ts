import { createHash } from "node:crypto";
import { mkdir, open, rename } from "node:fs/promises";
import { join } from "node:path";
import { sqlString } from "@assay/pipeline";
import type { Lake } from "../collector/lake.js";
import type { IdentifyRecord } from "./event-screen.js";

/**
 * Writes identify events straight into `<lake>/raw/identifies/dt=YYYY-MM-DD/` (the pipeline's optional
 * identify input, `confidence` empty = deterministic), synced before the batch is acknowledged. The file name
 * is a hash of the event ids, so a retried batch rewrites its file instead of adding a copy.
 * @example await writeIdentifies(context.lake, screened.identifies);
 */
export async function writeIdentifies(
  lake: Lake,
  identifies: ReadonlyArray<IdentifyRecord>,
): Promise<number> {
  const byDay = new Map<string, IdentifyRecord[]>();
  for (const r of identifies) {
    const day = r.identify_time_utc.slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), r]);
  }
  for (const [day, rows] of byDay) {
    const dir = join(lake.dir, "raw", "identifies", `dt=${day}`);
    await mkdir(dir, { recursive: true });
    const digest = createHash("sha256")
      .update(
        rows
          .map((r) => r.event_id)
          .sort()
          .join("\n"),
      )
      .digest("hex")
      .slice(0, 24);
    const target = join(dir, `identify-${digest}.parquet`);
    const tmp = join(dir, `.identify-${digest}.tmp`);
    const values = rows
      .map(
        (r) =>
          `(${sqlString(r.event_id)}, ${sqlString(r.anon_id)}, ${sqlString(r.identity_id)}, ${sqlString(r.identify_time_utc)})`,
      )
      .join(", ");
    await lake.query(
      `COPY (SELECT event_id, anon_id, identity_id, CAST(t AS TIMESTAMPTZ) AS identify_time_utc,
         CAST(NULL AS DOUBLE) AS confidence
       FROM (VALUES ${values}) v(event_id, anon_id, identity_id, t)) TO ${sqlString(tmp)} (FORMAT parquet)`,
    );
    const handle = await open(tmp, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
  }
  return identifies.length;
}
