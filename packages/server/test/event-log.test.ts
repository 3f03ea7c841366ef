import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openEventLog } from "../src/index.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("assay-wal-");

describe("event log (write-ahead log with group commit)", () => {
  it("gives appends made in one event-loop turn one write and one fdatasync, each resolved once on disk", async () => {
    const dir = await tempDir();
    const log = await openEventLog({ dir });
    const lines = Array.from({ length: 200 }, (_, i) => `{"event_id":"e${i}"}\n`);
    await Promise.all(lines.map((line) => log.append(line)));
    expect(log.stats).toMatchObject({ flushes: 1, appends: 200 });
    expect(await readFile(join(dir, "wal-000000001.ndjson"), "utf8")).toBe(lines.join(""));

    // Requests parsed one after another in one turn (separate callbacks, each with its own microtasks) share it too.
    const spread: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      spread.push(log.append(`{"event_id":"s${i}"}\n`));
      await Promise.resolve();
    }
    await Promise.all(spread);
    expect(log.stats.flushes).toBe(2);

    // Appends made while a group commit is under way share the next one.
    const first = log.append('{"event_id":"a"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 50 }, (_, i) => log.append(`{"event_id":"b${i}"}\n`));
    await Promise.all([first, ...later]);
    expect(log.stats.flushes).toBe(4);
    await log.close();
  });

  it("cuts a torn last line on reopen, seals every segment found and appends to a fresh one", async () => {
    const dir = await tempDir();
    const log = await openEventLog({ dir });
    await log.append('{"event_id":"kept"}\n');
    await log.close();
    await appendFile(join(dir, "wal-000000001.ndjson"), '{"event_id":"torn"');

    const reopened = await openEventLog({ dir });
    const sealed = await reopened.sealedSegments();
    expect(sealed.map((s) => s.number)).toEqual([1]);
    expect(await reopened.readSegment(sealed[0]!)).toEqual(['{"event_id":"kept"}']);
    await reopened.append('{"event_id":"next"}\n');
    expect(await readFile(join(dir, "wal-000000002.ndjson"), "utf8")).toBe('{"event_id":"next"}\n');
    await reopened.seal();
    expect((await reopened.sealedSegments()).map((s) => s.number)).toEqual([1, 2]);
    await reopened.removeSegment(sealed[0]!);
    expect((await reopened.sealedSegments()).map((s) => s.number)).toEqual([2]);
    await reopened.close();
  });
});
