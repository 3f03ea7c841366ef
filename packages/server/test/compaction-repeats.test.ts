import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { productEventLine } from "../src/collector/collector.js";
import { openEventLog } from "../src/collector/event-log.js";
import { openLake } from "../src/collector/lake.js";
import { listFiles } from "../src/index.js";

const homes: string[] = [];
afterEach(async () => {
  for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
});

const line = (eventId: string, team: string, user = "u1") =>
  `${productEventLine({ event_id: eventId, user_id: user, event_name: "purchase", value: 1, properties: {} }, "2026-03-01T10:00:00.000Z", team)}\n`;

async function compactLines(lines: string[]) {
  const home = await mkdtemp(join(tmpdir(), "assay-repeats-"));
  homes.push(home);
  const log = await openEventLog({ dir: join(home, "wal") });
  const lake = await openLake(join(home, "lake"));
  try {
    for (const l of lines) await log.append(l);
    await log.seal();
    let events = 0;
    for (const segment of await log.sealedSegments())
      events += (await lake.compactSegment(log, segment)).events;
    const files = await listFiles(join(home, "lake", "raw", "events"), ".parquet");
    const rows = (await lake.reader.fileRows(files, {
      columns: ["team", "event_id", "user_id"],
      orderBy: ["team", "event_id", "user_id"],
    })) as Array<{ team: string; event_id: string; user_id: string }>;
    return { events, rows, sealed: await log.sealedSegments() };
  } finally {
    await lake.close();
    await log.close();
  }
}

describe("compaction of a segment", () => {
  it("keeps one row of a line written twice (a batch retried after a failed append), per team", async () => {
    const { events, rows, sealed } = await compactLines([
      line("e1", "a"),
      line("e2", "a"),
      line("e1", "a", "u2"),
      line("e1", "b"),
    ]);
    expect(events).toBe(3);
    expect(rows.map((r) => `${r.team}/${r.event_id}`)).toEqual(["a/e1", "a/e2", "b/e1"]);
    expect(rows.filter((r) => r.event_id === "e1" && r.team === "a")).toHaveLength(1);
    expect(sealed).toEqual([]);
  });

  it("moves every line of a segment without repeats", async () => {
    const lines = Array.from({ length: 500 }, (_, i) => line(`e${i}`, i % 2 === 0 ? "a" : "b", `u${i}`));
    const { events, rows } = await compactLines(lines);
    expect(events).toBe(500);
    expect(new Set(rows.map((r) => `${r.team}/${r.event_id}`)).size).toBe(500);
  });
});

describe("the lake's DuckDB spill folders", () => {
  it("removes spill files a killed process left behind, at open and at the next compaction", async () => {
    const home = await mkdtemp(join(tmpdir(), "assay-spill-"));
    homes.push(home);
    const lakeDir = join(home, "lake");
    const stale = (folder: string) => join(lakeDir, folder, "duckdb_temp_storage_DEFAULT-0.tmp");
    for (const folder of [".duckdb-tmp", ".duckdb-tmp-compaction"]) {
      await mkdir(join(lakeDir, folder), { recursive: true });
      await writeFile(stale(folder), "spilled by a process killed mid-compaction");
    }
    const log = await openEventLog({ dir: join(home, "wal") });
    const lake = await openLake(lakeDir);
    try {
      expect(existsSync(stale(".duckdb-tmp"))).toBe(false);
      await log.append(line("e1", "growth"));
      await log.seal();
      for (const segment of await log.sealedSegments()) await lake.compactSegment(log, segment);
      expect(existsSync(stale(".duckdb-tmp-compaction"))).toBe(false);
    } finally {
      await lake.close();
      await log.close();
    }
  });
});
