import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isReadableWalLine } from "../src/collector/wal-record.js";
import {
  createPgliteDatabase,
  createServerContext,
  defaultTrackingPlan,
  listFiles,
  openEventLog,
  type ServerContext,
} from "../src/index.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("assay-wal-poison-");
const plan = { version: 1, plan: defaultTrackingPlan };

async function openContext(dir: string): Promise<ServerContext> {
  return createServerContext({
    db: await createPgliteDatabase(),
    walDir: join(dir, "wal"),
    lakeDir: join(dir, "lake"),
  });
}

/** Issue 16, finding 1: one lone UTF-16 surrogate poisoned the write-ahead log. */
describe("the write-ahead log is unpoisonable", () => {
  it("refuses an append its reader could not read back", async () => {
    const log = await openEventLog({ dir: await tempDir() });
    await expect(log.append(`${JSON.stringify({ kind: "event", user_id: "\udc00" })}\n`)).rejects.toThrow(
      /cannot be read back/,
    );
    await log.append(`${JSON.stringify({ kind: "event", user_id: "😀 a\\\\ud800" })}\n`);
    await log.close();
  });

  it("property: whatever strings an event holds, it is accepted or rejected, and compaction reads back what was accepted", async () => {
    const dir = await tempDir();
    const context = await openContext(dir);
    let n = 0;
    const text = fc.string({ unit: "binary", minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ user: text, prop: text, key: fc.string({ unit: "binary", maxLength: 6 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (rows) => {
          const events = rows.map((r) => ({
            type: "event",
            event_id: `p-${n++}`,
            user_id: r.user,
            event_name: "page_view",
            timestamp: new Date().toISOString(),
            properties: { [r.key === "" ? "k" : r.key]: r.prop },
          }));
          const result = await context.collector.ingest(events, plan, new Map());
          expect(result.accepted + result.rejected.length + result.duplicates).toBe(events.length);
          const compacted = await context.compact();
          expect(compacted.events).toBe(result.accepted);
          for (const r of result.rejected) expect(r.reason).toMatch(/UTF-16|required/);
        },
      ),
      { numRuns: 20, seed: 16 },
    );
    // Every accepted user id reads back unchanged from the lake.
    const events = await listFiles(join(dir, "lake", "raw", "events"), ".parquet");
    expect(await context.lake.reader.countRows(events)).toBeGreaterThan(0);
    await context.close();
  });

  it("an assignment for a lone-surrogate user is refused before anything is claimed or written", async () => {
    const context = await openContext(await tempDir());
    await expect(
      context.assignments.record([{ experimentKey: "exp", userId: "\ud800x", variant: "control" }]),
    ).rejects.toThrow(/UTF-16/);
    expect(context.assignments.has("exp", "\ud800x")).toBe(false);
    expect(await context.compact()).toMatchObject({ assignments: 0 });
    await context.close();
  });

  it("a corrupted WAL segment at start is quarantined, the rest compacted, and the server comes up", async () => {
    const dir = await tempDir();
    const wal = join(dir, "wal");
    await mkdir(wal, { recursive: true });
    const good = JSON.stringify({
      kind: "event",
      event_id: "good-1",
      user_id: "u1",
      event_name: "page_view",
      event_time_utc: "2026-02-01T10:00:00.000Z",
      value: null,
      properties: "{}",
    });
    const poisoned = good.replace('"u1"', '"\\udc00"').replace("good-1", "bad-1");
    const garbage = '{"kind":"event","event_id":';
    await writeFile(join(wal, "wal-000000001.ndjson"), `${good}\n${poisoned}\n${garbage}x\n`);
    expect(isReadableWalLine(poisoned, true)).toBe(false);
    const context = await openContext(dir);
    const quarantined = await readFile(join(wal, "quarantine", "wal-000000001.ndjson"), "utf8");
    expect(quarantined.split("\n").filter((l) => l !== "")).toEqual([poisoned, `${garbage}x`]);
    const events = await listFiles(join(dir, "lake", "raw", "events"), ".parquet");
    expect(
      await context.lake.reader.countRows(events, { kind: "equals", column: "event_id", value: "good-1" }),
    ).toBe(1);
    // Later events still reach the lake, and a restart comes up again.
    const result = await context.collector.ingest(
      [
        {
          type: "event",
          event_id: "later",
          user_id: "u2",
          event_name: "page_view",
          timestamp: new Date().toISOString(),
        },
      ],
      plan,
      new Map(),
    );
    expect(result.accepted).toBe(1);
    expect((await context.compact()).events).toBe(1);
    await context.close();
    const again = await openContext(dir);
    await again.close();
  });
});
