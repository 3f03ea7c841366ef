import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteDatabase, listFiles } from "../src/index.js";
import { defaultRetentionPolicy, runRetention } from "../src/lifecycle/retention.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

describe("retention job (seed 003)", () => {
  let t: TestApp;
  const now = new Date("2026-03-01T00:00:00Z");

  async function experiment(key: string, start: string, end: string, finalStatus: "running" | "completed") {
    const body = experimentBody(key, { start_at: start, end_at: end });
    expect((await t.request("ana", "POST", "/api/experiments", body)).status).toBe(201);
    const steps: Array<["ana" | "rui", string]> = [
      ["ana", "submitted"],
      ["rui", "approved"],
      ["ana", "running"],
    ];
    if (finalStatus === "completed") steps.push(["ana", "completed"]);
    for (const [who, status] of steps) {
      const res = await t.request(who, "POST", `/api/experiments/${key}/status`, { status });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
    }
  }

  async function partition(path: string, select: string) {
    const dir = join(t.context.lake.dir, path);
    await mkdir(dir, { recursive: true });
    await t.context.lake.query(`COPY (${select}) TO '${join(dir, "part-0.parquet")}' (FORMAT parquet)`);
  }
  const assignmentRows = (rows: Array<[string, string]>) =>
    rows
      .map(
        ([exp, user]) =>
          `SELECT '${exp}' AS experiment_id, '${user}' AS user_id, 'control' AS variant_id, TIMESTAMPTZ '2025-01-01 00:00:00+00' AS assignment_time_utc`,
      )
      .join(" UNION ALL ");

  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase());
    await experiment("exp_old", "2024-11-01T00:00:00Z", "2025-01-01T00:00:00Z", "completed");
    await experiment("exp_recent", "2025-10-01T00:00:00Z", "2025-12-01T00:00:00Z", "completed");
    await experiment("exp_long", "2025-06-01T00:00:00Z", "2026-06-01T00:00:00Z", "running");

    await partition("raw/assignments/dt=2024-11-05", assignmentRows([["exp_old", "u1"]]));
    await partition(
      "raw/assignments/dt=2025-10-05",
      assignmentRows([
        ["exp_old", "u9"],
        ["exp_recent", "u2"],
        ["exp_long", "u3"],
      ]),
    );
    await partition(
      "raw/exposures/dt=2024-11-06",
      `SELECT 'exp_old' AS experiment_id, 'u1' AS user_id, 'control' AS variant_id, 'e1' AS event_id`,
    );
    for (const day of ["2024-11-10", "2025-05-01", "2025-05-10", "2026-02-01"]) {
      await partition(
        `raw/events/dt=${day}`,
        `SELECT 'ev-${day}' AS event_id, 'u1' AS user_id, 'purchase' AS event_name, 1.0 AS value`,
      );
    }
    await partition("raw/identifies/dt=2024-11-10", `SELECT 'a1' AS anon_id, 'u1' AS identity_id`);
    for (const day of ["2024-11-10", "2026-02-01"]) {
      await partition(
        `raw/user_attributes/dt=${day}`,
        `SELECT 'u1' AS user_id, 'platform' AS attribute, 'ios' AS value, TIMESTAMPTZ '${day} 10:00:00+00' AS observed_time_utc`,
      );
    }
    for (const table of ["fct_experiment_results_by_segment", "agg_experiment_metric_by_segment"]) {
      await partition(
        `gold/${table}/dt=2025-01-01`,
        `SELECT * FROM (VALUES ('exp_old', 'platform', 'ios', 40), ('exp_long', 'platform', 'web', 60))
           AS t(experiment_id, segment_attribute, segment_value, n)`,
      );
    }
    await partition("silver/fact_assignment/dt=2025-01-01", assignmentRows([["exp_old", "u1"]]));
    await partition(
      "silver/fact_assignment/dt=2026-02-01",
      assignmentRows([
        ["exp_old", "u1"],
        ["exp_long", "u3"],
      ]),
    );
    await partition(
      "gold/fct_experiment_results/dt=2025-01-01",
      `SELECT 'exp_old' AS experiment_id, 'conversion_7d' AS metric_id, 100 AS n_users`,
    );
  });
  afterAll(async () => t?.close());

  it("removes exactly the expired partitions and rows, keeps results and experiments, and records the run", async () => {
    const report = await runRetention({
      db: t.context.db,
      lake: t.context.lake,
      policy: defaultRetentionPolicy,
      now,
    });
    expect(report.expired_experiments).toEqual(["exp_old"]);
    expect(report.partitions_removed).toEqual([
      "raw/assignments/dt=2024-11-05",
      "raw/events/dt=2024-11-10",
      "raw/events/dt=2025-05-01",
      "raw/exposures/dt=2024-11-06",
      "raw/identifies/dt=2024-11-10",
      "raw/user_attributes/dt=2024-11-10",
      "silver/fact_assignment/dt=2025-01-01",
    ]);
    expect(report.rows_removed).toEqual({
      "raw/events": 2,
      "raw/identifies": 1,
      "raw/user_attributes": 1,
      "raw/assignments": 2,
      "raw/exposures": 1,
      "silver/fact_assignment": 2,
    });

    const left = (await listFiles(t.context.lake.dir, ".parquet")).map((f) =>
      f.slice(t.context.lake.dir.length + 1).replace(/\/part-0\.parquet$/, ""),
    );
    // Aggregated per-segment results (no user column) are kept like the other results while resultDays is null.
    expect(left.sort()).toEqual([
      "gold/agg_experiment_metric_by_segment/dt=2025-01-01",
      "gold/fct_experiment_results/dt=2025-01-01",
      "gold/fct_experiment_results_by_segment/dt=2025-01-01",
      "raw/assignments/dt=2025-10-05",
      "raw/events/dt=2025-05-10",
      "raw/events/dt=2026-02-01",
      "raw/user_attributes/dt=2026-02-01",
      "silver/fact_assignment/dt=2026-02-01",
    ]);
    const rewritten = await t.context.lake.reader.fileRows(
      [join(t.context.lake.dir, "raw/assignments/dt=2025-10-05/part-0.parquet")],
      { columns: ["experiment_id"], orderBy: ["experiment_id"] },
    );
    expect(rewritten.map((r) => r.experiment_id)).toEqual(["exp_long", "exp_recent"]);

    const experiments = await t.request("ada", "GET", "/api/experiments");
    expect(experiments.json.experiments.map((e: { key: string }) => e.key).sort()).toEqual([
      "exp_long",
      "exp_old",
      "exp_recent",
    ]);
    const runs = await t.request("ada", "GET", "/api/admin/retention");
    expect(runs.json.policy).toMatchObject({ assignmentDays: 180, rawEventDays: 180, resultDays: null });
    expect(runs.json.runs[0].removed.partitions_removed).toHaveLength(7);

    const again = await runRetention({
      db: t.context.db,
      lake: t.context.lake,
      policy: defaultRetentionPolicy,
      now,
    });
    expect(again.partitions_removed).toEqual([]);
    expect((await t.request("vic", "POST", "/api/admin/retention")).status).toBe(403);

    // With a result period, the expired experiment's per-segment results go too; the running one's stay.
    const results = await runRetention({
      db: t.context.db,
      lake: t.context.lake,
      policy: { ...defaultRetentionPolicy, resultDays: 30 },
      now,
    });
    expect(results.rows_removed).toMatchObject({
      "gold/fct_experiment_results_by_segment": 1,
      "gold/agg_experiment_metric_by_segment": 1,
    });
    const segments = await t.context.lake.reader.fileRows(
      await listFiles(join(t.context.lake.dir, "gold", "fct_experiment_results_by_segment"), ".parquet"),
      { columns: ["experiment_id"] },
    );
    expect(segments.map((r) => r.experiment_id)).toEqual(["exp_long"]);
  });
});
