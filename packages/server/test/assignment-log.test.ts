import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import {
  createApiKey,
  createPgliteDatabase,
  createServerContext,
  listFiles,
  openEventLog,
} from "../src/index.js";
import { createAssignmentLog } from "../src/registry/assignment-log.js";
import { useTempDirs } from "./helpers/temp-dirs.js";
import { experimentBody, metricDefinitions } from "./helpers/test-app.js";

const tempDir = useTempDirs("assay-asg-");

describe("assignment log", () => {
  it("writes each (experiment, user) pair to the write-ahead log exactly once under concurrency", async () => {
    const dir = await tempDir();
    const log = await openEventLog({ dir });
    const assignments = createAssignmentLog(log);
    const calls = Array.from({ length: 400 }, (_, i) =>
      assignments.record([
        { experimentKey: `exp-${i % 2}`, userId: `u${i % 25}`, variant: "control" },
        { experimentKey: "exp-shared", userId: `u${i % 25}`, variant: "treatment" },
      ]),
    );
    const results = await Promise.all(calls);
    const firsts = results.flat().filter(Boolean).length;
    // exp-0 / exp-1 each see 25 users (i%2 and i%25 cover all pairs), exp-shared 25.
    expect(firsts).toBe(75);
    expect(assignments.counters).toMatchObject({ first: 75, repeat: 800 - 75 });
    await log.seal();
    const [segment] = await log.sealedSegments();
    const lines = (await log.readSegment(segment!)).map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines).toHaveLength(75);
    expect(new Set(lines.map((l) => `${l.experiment_id}/${l.user_id}`)).size).toBe(75);
    expect(lines[0]).toMatchObject({ kind: "assignment", variant_id: expect.any(String) });
    await log.close();
  });

  it("keeps a pair logged once across a restart before compaction, and rebuilds the logged pairs from the lake", async () => {
    const dir = await tempDir();
    const db = await createPgliteDatabase();
    const paths = { db, walDir: join(dir, "wal"), lakeDir: join(dir, "lake") };
    const open = async () => {
      const context = await createServerContext(paths);
      const app = await createApp({ context });
      return { context, app };
    };
    const first = await open();
    const { secret } = await createApiKey(db, { team: "growth", role: "admin", name: "ada" });
    const { secret: reviewer } = await createApiKey(db, { team: "growth", role: "reviewer", name: "rui" });
    const call = async (
      target: Awaited<ReturnType<typeof open>>,
      url: string,
      payload: object,
      key = secret,
      method: "POST" | "PUT" = "POST",
    ) => {
      const res = await target.app.inject({
        method,
        url,
        payload,
        headers: { authorization: `Bearer ${key}` },
      });
      return res.json();
    };
    for (const m of metricDefinitions) await call(first, `/api/metrics/${m.key}`, m, secret, "PUT");
    await call(first, "/api/experiments", experimentBody("restart_exp"));
    await call(first, "/api/experiments/restart_exp/status", { status: "submitted" });
    await call(first, "/api/experiments/restart_exp/status", { status: "approved" }, reviewer);
    await call(first, "/api/experiments/restart_exp/status", { status: "running" });
    const a = await call(first, "/api/assign", { user_id: "u1", experiments: ["restart_exp"] });
    expect(a.assignments[0].first_assignment).toBe(true);
    // Not compacted: the pair is only in the log when the server stops.
    expect(await listFiles(join(paths.lakeDir, "raw", "assignments"), ".parquet")).toEqual([]);
    await first.app.close();
    await first.context.close();
    const wal = await listFiles(paths.walDir, ".ndjson");
    expect((await Promise.all(wal.map((f) => readFile(f, "utf8")))).join("")).toContain(
      '"kind":"assignment"',
    );

    const second = await open();
    const b = await call(second, "/api/assign", { user_id: "u1", experiments: ["restart_exp"] });
    expect(b.assignments[0]).toMatchObject({ first_assignment: false, variant: a.assignments[0].variant });
    const c = await call(second, "/api/assign", { user_id: "u2", experiments: ["restart_exp"] });
    expect(c.assignments[0].first_assignment).toBe(true);
    await second.context.compact();
    const files = await listFiles(join(paths.lakeDir, "raw", "assignments"), ".parquet");
    const lake = await second.context.lake.reader.fileRows(files, {
      columns: ["user_id", "variant_id"],
      orderBy: ["user_id"],
    });
    expect(lake.map((r) => r.user_id)).toEqual(["u1", "u2"]);
    expect(lake[0]!.variant_id).toBe(a.assignments[0].variant);
    expect(second.context.assignments.has("restart_exp", "u2")).toBe(true);
    await second.app.close();
    await second.context.close();

    // An ended experiment assigns no one: its pairs are not held in memory after a restart.
    await db.query(
      "update experiment_registry set status = 'completed' where experiment_key = 'restart_exp'",
    );
    const third = await open();
    expect(third.context.assignments.has("restart_exp", "u1")).toBe(false);
    await third.app.close();
    await third.context.close();
    await db.close();
  });
});
