import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPgliteDatabase, listFiles, openLake } from "../src/index.js";
import { spawnServer } from "./helpers/server-process.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("assay-chaos-");

async function post(url: string, key: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, number> };
}

/** Stale temporaries: `*.tmp` files and `.<name>.tmp-…`/`.old-…` folders anywhere under `dir`. */
async function staleEntries(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.name.endsWith(".tmp") || /\.(tmp|old)-\d/.test(e.name)) out.push(p);
      else if (e.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

/** Issue 16 chaos test: `kill -9` during compaction, then restart: no data lost, no stale folders, no run stuck. */
describe("chaos: SIGKILL during compaction", () => {
  it("loses no acknowledged event and leaves no stale temporaries over three kills mid-compaction", async () => {
    const home = await tempDir();
    const acked: string[] = [];
    for (let round = 0; round < 3; round++) {
      const server = await spawnServer(home);
      // Events over several days, so a compaction writes several partitions (several renames to cut).
      for (let b = 0; b < 8; b++) {
        const events = Array.from({ length: 200 }, (_, i) => ({
          event_id: `r${round}-b${b}-e${i}`,
          user_id: `u-${i % 50}`,
          event_name: "page_view",
          timestamp: new Date(Date.UTC(2026, 1, 1 + (i % 5), 12)).toISOString(),
        }));
        const res = await post(server.url, server.key, "/api/events", { events });
        expect(res.status).toBe(200);
        if ((res.json.accepted ?? 0) + (res.json.duplicates ?? 0) === events.length)
          acked.push(...events.map((e) => e.event_id));
      }
      // Start a compaction and kill the process while it runs.
      void post(server.url, server.key, "/api/admin/compact").catch(() => undefined);
      await new Promise((r) => setTimeout(r, 15 + round * 25));
      server.child.kill("SIGKILL");
      await new Promise((r) => server.child.once("exit", r));
    }
    // A decision run the killed process left `running` (as a kill during a run leaves it).
    const registry = await createPgliteDatabase(join(home, "registry"));
    await registry.query(
      `insert into decision_run (experiment_key, owner_team, schedule, attempt, started_at, status)
       values ('exp_killed', 'demo', 'hourly', 1, now(), 'running')`,
    );
    await registry.close();
    // Restart: start-up recovery and the compaction at start; then stop cleanly (SIGTERM compacts again).
    const last = await spawnServer(home);
    expect((await fetch(`${last.url}/health`)).status).toBe(200);
    last.child.kill("SIGTERM");
    await new Promise((r) => last.child.once("exit", r));
    const after = await createPgliteDatabase(join(home, "registry"));
    const { rows: runs } = await after.query<{ status: string }>("select status from decision_run");
    await after.close();
    expect(runs.map((r) => r.status)).toEqual(["failed"]);
    expect(await staleEntries(join(home, "lake"))).toEqual([]);
    expect(await staleEntries(join(home, "wal"))).toEqual([]);
    const lake = await openLake(join(home, "lake"));
    const files = await listFiles(join(home, "lake", "raw", "events"), ".parquet");
    const ids = await lake.reader.fileRows(files, { columns: ["event_id"] });
    await lake.close();
    const stored = new Map<string, number>();
    for (const { event_id } of ids) stored.set(String(event_id), (stored.get(String(event_id)) ?? 0) + 1);
    const rows = [...stored].map(([event_id, n]) => ({ event_id, n }));
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    expect(rows.filter((r) => r.n > 1)).toEqual([]);
    expect(acked.length).toBe(3 * 8 * 200);
  }, 180_000);
});
