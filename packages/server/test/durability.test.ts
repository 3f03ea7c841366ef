import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listFiles, openEventLog, openLake } from "../src/index.js";
import { spawnServer } from "./helpers/server-process.js";

const batchSize = 50;

function batch(stream: number, n: number) {
  return Array.from({ length: batchSize }, (_, i) => ({
    event_id: `s${stream}-b${n}-e${i}`,
    user_id: `user-${(n * batchSize + i) % 997}`,
    event_name: "page_view",
    timestamp: new Date(Date.UTC(2026, 1, 1 + (i % 3), 12)).toISOString(),
    properties: { path: "/checkout" },
  }));
}

async function post(url: string, key: string, events: unknown[]) {
  const res = await fetch(`${url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ events }),
  });
  return { status: res.status, body: (await res.json()) as { accepted: number; duplicates: number } };
}

describe("durability", () => {
  let home: string | undefined;
  afterAll(async () => {
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it("loses no acknowledged event when the server is killed with SIGKILL mid-stream, and stores each once", async () => {
    home = await mkdtemp(join(tmpdir(), "assay-durability-"));
    const first = await spawnServer(home);
    const acked: string[][] = [];
    let killed = false;
    const streams = Array.from({ length: 6 }, async (_, stream) => {
      for (let n = 0; !killed; n++) {
        const events = batch(stream, n);
        try {
          const res = await post(first.url, first.key, events);
          if (res.status === 200 && res.body.accepted + res.body.duplicates === batchSize) {
            acked.push(events.map((e) => e.event_id));
          }
        } catch {
          return; // the connection died with the server: this batch was never acknowledged
        }
      }
    });
    // Kill once a good number of batches are acknowledged, while the streams keep writing.
    while (acked.length < 60) await new Promise((r) => setTimeout(r, 20));
    killed = true;
    first.child.kill("SIGKILL");
    await Promise.all(streams);
    if (first.child.exitCode === null && first.child.signalCode === null) {
      await new Promise((r) => first.child.once("exit", r));
    }

    // Restart: recovery compacts the log into the lake; re-sent batches are duplicates.
    const second = await spawnServer(home);
    const resent = await post(second.url, second.key, batch(0, 0));
    expect(resent.body).toMatchObject({ accepted: 0, duplicates: batchSize });
    const fresh = await post(second.url, second.key, batch(99, 0));
    expect(fresh.body.accepted).toBe(batchSize);
    acked.push(batch(99, 0).map((e) => e.event_id));
    second.child.kill("SIGKILL");
    await new Promise((r) => second.child.once("exit", r));

    // The second crash left acknowledged events only in the log: recover it with the server's own
    // recovery steps (open the log, which seals what it finds and cuts a torn line, then compact every
    // sealed segment) without a third start of the embedded database, then read the lake directly.
    const lakeDir = join(home, "lake");
    const log = await openEventLog({ dir: join(home, "wal") });
    const lake = await openLake(lakeDir);
    const sealed = await log.sealedSegments();
    expect(sealed.length).toBeGreaterThan(0);
    for (const segment of sealed) await lake.compactSegment(log, segment);
    await log.close();
    const files = await listFiles(join(lakeDir, "raw", "events"), ".parquet");
    expect(files.length).toBeGreaterThan(0);
    const ids = await lake.reader.fileRows(files, { columns: ["event_id"] });
    await lake.close();
    const counts = new Map<string, number>();
    for (const { event_id } of ids) counts.set(String(event_id), (counts.get(String(event_id)) ?? 0) + 1);
    const ackedIds = acked.flat();
    expect(ackedIds.length).toBeGreaterThanOrEqual(61 * batchSize);
    const missing = ackedIds.filter((id) => !counts.has(id));
    expect(missing).toEqual([]);
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
  });
});
