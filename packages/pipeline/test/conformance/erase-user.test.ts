import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClickHouse, testPostgres } from "../../../../scripts/test-services.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import { resolveInputFiles } from "../../src/io/input-files.js";
import { loadInputsIntoWarehouse } from "../../src/load/load-warehouse.js";
import { runPipeline } from "../../src/runner/run-pipeline.js";
import { eraseUserFromWarehouse, type WarehouseErasure } from "../../src/warehouses/erase-user.js";
import { openWarehouse } from "../../src/warehouses/open-warehouse.js";
import type { Warehouse } from "../../src/warehouses/warehouse.js";
import { referenceInputDir } from "../helpers/reference.js";

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

/** A `user_attributes.csv` giving every assigned user of the reference data a platform, so the segment models run. */
function writeUserAttributes(dir: string): string {
  const users = new Set(
    readFileSync(join(referenceInputDir, "assignments.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(",")[1] ?? ""),
  );
  const rows = [...users].map(
    (user, i) => `${user},platform,${["ios", "android", "web"][i % 3]},2026-01-01T00:00:00Z`,
  );
  const path = join(dir, "user_attributes.csv");
  writeFileSync(path, `user_id,attribute,value,observed_time_utc\n${rows.join("\n")}\n`);
  return dir;
}

const servers = {
  postgres: () => testPostgres("conformance_erase_user"),
  clickhouse: () => testClickHouse("conformance_erase_user"),
} as const;

/** Row-holding tables of the warehouse schema/database and their columns (views and Distributed parts excluded). */
async function listTables(opened: Warehouse): Promise<Map<string, string[]>> {
  const rows =
    opened.kind === "clickhouse"
      ? await opened.engine.query<{ t: string; c: string }>(
          `SELECT c.table AS t, c.name AS c FROM system.columns AS c WHERE c.database = currentDatabase()
           AND c.table IN (SELECT name FROM system.tables WHERE database = currentDatabase() AND engine != 'View')
           AND c.table NOT LIKE '%\\_\\_shards'`,
        )
      : await opened.engine.query<{ t: string; c: string }>(
          `SELECT c.table_name AS t, c.column_name AS c FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
           WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`,
        );
  const tables = new Map<string, string[]>();
  for (const { t, c } of rows) tables.set(t, [...(tables.get(t) ?? []), c]);
  return tables;
}

/** Per table: all rows, and rows in which any column (as text) is the user id. */
async function census(
  opened: Warehouse,
  userId: string,
): Promise<Map<string, { all: number; user: number }>> {
  const f = opened.dialect.functions;
  const text = (c: string) =>
    opened.kind === "clickhouse" ? `toString(${f.ident(c)})` : `CAST(${f.ident(c)} AS TEXT)`;
  const out = new Map<string, { all: number; user: number }>();
  for (const [table, columns] of await listTables(opened)) {
    const hit = columns.map((c) => `${text(c)} = ${f.string(userId)}`).join(" OR ");
    const [row] = await opened.engine.query<{ all: number; user: number }>(
      `SELECT count(*) AS ${f.ident("all")}, sum(CASE WHEN ${hit} THEN 1 ELSE 0 END) AS ${f.ident("user")} FROM ${f.ident(table)}`,
    );
    out.set(table, { all: Number(row?.all ?? 0), user: Number(row?.user ?? 0) });
  }
  return out;
}

describe.each(["postgres", "clickhouse"] as const)("erasing a user from %s", (kind) => {
  let server: Server | undefined;
  let opened: Warehouse | undefined;
  let userId = "";
  let before = new Map<string, { all: number; user: number }>();
  let erasure: WarehouseErasure | undefined;
  const work = mkdtempSync(join(tmpdir(), "assay-erase-"));

  beforeAll(async () => {
    server = await servers[kind]();
    if (server === undefined) {
      if (process.env.CI === "true")
        throw new Error(`${kind} server binaries are missing (CI must install them)`);
      console.warn(
        `erase-user: skipping ${kind}: server binaries not installed (scripts/install-services.sh)`,
      );
      return;
    }
    opened = await openWarehouse({ kind, url: server.url });
    if (opened.loader === null) throw new Error(`${kind} engine cannot bulk-load`);
    const files = {
      assignments: resolveInputFiles(referenceInputDir, "assignments"),
      exposures: resolveInputFiles(referenceInputDir, "exposures"),
      events: resolveInputFiles(referenceInputDir, "events"),
      user_attributes: resolveInputFiles(writeUserAttributes(work), "user_attributes"),
    };
    await loadInputsIntoWarehouse(opened.loader, files, "2026-02-01");
    const config = await loadConfigFile(join(referenceInputDir, "assay.yaml"));
    await runPipeline({
      source: { kind: "loaded" },
      warehouse: opened,
      sink: { kind: "none" },
      config,
      alpha: 0.05,
    });
    // The user with the most event rows, so the erasure reaches raw, intermediate and per-unit tables.
    const [top] = await opened.engine.query<{ user_id: string }>(
      "SELECT user_id FROM raw_events GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1",
    );
    userId = String(top?.user_id);
    before = await census(opened, userId);
    erasure = await eraseUserFromWarehouse(opened, userId);
  }, 180_000);

  afterAll(async () => {
    await opened?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("leaves no trace of the user in any table", async (context) => {
    if (!opened || !erasure) return context.skip();
    const after = await census(opened, userId);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const traces = [...after].filter(([, c]) => c.user > 0).map(([t, c]) => `${t}: ${c.user}`);
    expect(traces).toEqual([]);
    // Attributes and the per-unit segment rows go too; the segment aggregate holds no user_id (counts only).
    for (const table of [
      "raw_assignments",
      "raw_exposures",
      "raw_events",
      "raw_user_attributes",
      "int_experiment_unit_segments",
    ])
      expect(before.get(table)?.user, table).toBeGreaterThan(0);
    expect(before.get("agg_experiment_metric_by_segment")?.all).toBeGreaterThan(0);
  });

  it("removes exactly the user's rows and reports them per table", async (context) => {
    if (!opened || !erasure) return context.skip();
    const after = await census(opened, userId);
    // On a cluster, some Distributed tables read per-shard views: they hold no rows, their sources lost them.
    const views = new Set(
      kind === "clickhouse"
        ? (
            await opened.engine.query<{ name: string }>(
              "SELECT name FROM system.tables WHERE database = concat(currentDatabase(), '_local') AND engine = 'View'",
            )
          ).map((r) => r.name)
        : [],
    );
    let stored = 0;
    for (const [table, counts] of before) {
      expect(after.get(table)?.all, table).toBe(counts.all - counts.user);
      if (views.has(table)) continue;
      stored += counts.user;
      if (counts.user > 0) expect(erasure.tables[table], table).toBe(counts.user);
    }
    expect(erasure.rows).toBe(stored);
  });

  it("is idempotent: a second erasure removes nothing", async (context) => {
    if (!opened || !erasure) return context.skip();
    const again = await eraseUserFromWarehouse(opened, userId);
    expect(again).toEqual({ engine: kind, tables: {}, rows: 0 });
  });
});
