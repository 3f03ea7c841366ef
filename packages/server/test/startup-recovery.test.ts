import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPgliteDatabase, migrate, startServer } from "../src/index.js";
import { failInterruptedRuns, removeStaleTemporaries } from "../src/lifecycle/startup-recovery.js";
import { useTempDirs } from "./helpers/temp-dirs.js";
import { experimentBody } from "./helpers/test-app.js";

const tempDir = useTempDirs("assay-startup-");

/** Issue 16, finding 6: stale `.tmp`/`.old` folders, runs left `running`, SIGTERM ignored while retries wait. */
describe("start-up hygiene and a bounded stop", () => {
  it("removes stale temporaries and finishes a directory swap cut between its renames", async () => {
    const lake = await tempDir();
    const part = join(lake, "gold", "fct", "dt=2026-02-01");
    await mkdir(part, { recursive: true });
    await writeFile(join(part, ".1700000000-abc.tmp"), "half a parquet file");
    await writeFile(join(part, "wal-000000001.parquet"), "kept");
    // A swap done but for the cleanup: the old copy stays behind.
    const done = join(lake, "silver");
    await mkdir(join(done, "stg_events"), { recursive: true });
    await mkdir(join(done, ".stg_events.old-1-2-3"), { recursive: true });
    // A swap cut between its renames: the target is gone, its filled temporary and its old copy remain.
    await mkdir(join(done, ".stg_exposures.tmp-4-5-6"), { recursive: true });
    await writeFile(join(done, ".stg_exposures.tmp-4-5-6", "new.parquet"), "new");
    await mkdir(join(done, ".stg_exposures.old-4-5-6"), { recursive: true });
    // A fill that never reached its swap.
    await mkdir(join(done, ".stg_assignments.tmp-7-8-9"), { recursive: true });

    const report = await removeStaleTemporaries([lake]);
    expect(report.restored).toEqual([join(done, "stg_exposures")]);
    expect(await readFile(join(done, "stg_exposures", "new.parquet"), "utf8")).toBe("new");
    expect(existsSync(join(part, ".1700000000-abc.tmp"))).toBe(false);
    expect(existsSync(join(part, "wal-000000001.parquet"))).toBe(true);
    expect(existsSync(join(done, ".stg_events.old-1-2-3"))).toBe(false);
    expect(existsSync(join(done, "stg_events"))).toBe(true);
    expect(existsSync(join(done, ".stg_exposures.old-4-5-6"))).toBe(false);
    expect(existsSync(join(done, ".stg_assignments.tmp-7-8-9"))).toBe(false);
    expect(existsSync(join(done, "stg_assignments"))).toBe(false);
  });

  it("marks decision runs a dead process left running as failed", async () => {
    const db = await createPgliteDatabase();
    await migrate(db);
    await db.query(
      `insert into decision_run (experiment_key, owner_team, schedule, attempt, started_at, status)
       values ('exp', 'growth', 'hourly', 1, now() - interval '1 hour', 'running'),
              ('exp', 'growth', 'hourly', 1, now() - interval '2 hours', 'succeeded')`,
    );
    expect(await failInterruptedRuns(db)).toBe(1);
    const { rows } = await db.query<{ status: string; error: string | null }>(
      "select status, error from decision_run order by run_id",
    );
    expect(rows.map((r) => r.status)).toEqual(["failed", "succeeded"]);
    expect(rows[0]!.error).toMatch(/interrupted/);
    await db.close();
  });

  it("stops within 10 s while a failed decision run waits out a 10-minute retry backoff", async () => {
    const home = await tempDir();
    let failures = 0;
    const server = await startServer({
      home,
      port: 0,
      print: () => undefined,
      shutdownGraceMs: 1000,
      decisions: {
        tickMs: 100,
        source: {
          refresh: async () => {
            failures++;
            throw new Error("pipeline down");
          },
          read: async () => null,
        },
      },
    });
    const call = (method: string, url: string, body?: unknown) =>
      server.app.inject({
        method: method as "POST",
        url,
        headers: { authorization: `Bearer ${server.adminKey}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
    for (const [key, event] of [
      ["conversion_7d", "purchase"],
      ["refund_rate", "refund"],
    ]) {
      const res = await call("PUT", `/api/metrics/${key}`, { type: "conversion", event, window_days: 7 });
      expect(res.statusCode, res.body).toBeLessThan(300);
    }
    const body = experimentBody("exp_stop", {
      owner_team: "demo",
      start_at: null,
      end_at: null,
    });
    const created = await call("POST", "/api/experiments", body);
    expect(created.statusCode, created.body).toBe(201);
    const config = await call("PUT", "/api/experiments/exp_stop/decision-config", {
      schedules: [{ name: "often", every_minutes: 1 }],
      retry: { attempts: 5, backoff_ms: 600_000 },
    });
    expect(config.statusCode).toBe(200);
    const reviewer = (await call("POST", "/api/keys", { name: "rev", role: "reviewer" })).json()
      .secret as string;
    for (const status of ["submitted", "approved", "running"]) {
      const res = await server.app.inject({
        method: "POST",
        url: "/api/experiments/exp_stop/status",
        headers: { authorization: `Bearer ${status === "approved" ? reviewer : server.adminKey}` },
        payload: { status },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const until = Date.now() + 20_000;
    while (failures === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(failures).toBeGreaterThan(0);
    const started = Date.now();
    await server.close();
    const took = Date.now() - started;
    expect(took).toBeLessThan(10_000);
  }, 60_000);
});
