import { join } from "node:path";
import { loadInputsIntoWarehouse, openWarehouse, resolveInputFiles } from "@assay/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPostgres } from "../../../scripts/test-services.js";
import { createPgliteDatabase } from "../src/index.js";
import { warehouseTargetsFromEnv } from "../src/lifecycle/warehouse-erasure.js";
import { createTestApp, type TestApp } from "./helpers/test-app.js";

const inputDir = join(import.meta.dirname, "../../../fixtures/reference/pipeline-public/input");

/** Builds an app whose DSAR erases the warehouses in `urls` (read from ASSAY_WAREHOUSE_URLS, as in production). */
async function appWithWarehouses(urls: string): Promise<TestApp> {
  const saved = process.env.ASSAY_WAREHOUSE_URLS;
  process.env.ASSAY_WAREHOUSE_URLS = urls;
  try {
    return await createTestApp(await createPgliteDatabase());
  } finally {
    if (saved === undefined) delete process.env.ASSAY_WAREHOUSE_URLS;
    else process.env.ASSAY_WAREHOUSE_URLS = saved;
  }
}

describe("ASSAY_WAREHOUSE_URLS", () => {
  it("splits on commas and spaces but keeps a ClickHouse host list together", () => {
    expect(
      warehouseTargetsFromEnv({
        ASSAY_WAREHOUSE_URLS:
          "postgres://a:secret@db/wh?schema=s, clickhouse://ch1:8123,ch2:8123/assay?cluster=assay\npostgresql://db2/x",
      }),
    ).toEqual([
      { kind: "postgres", url: "postgres://a:secret@db/wh?schema=s" },
      { kind: "clickhouse", url: "clickhouse://ch1:8123,ch2:8123/assay?cluster=assay" },
      { kind: "postgres", url: "postgresql://db2/x" },
    ]);
    expect(warehouseTargetsFromEnv({})).toEqual([]);
  });

  it("names the variable and hides credentials for a URL of another kind", () => {
    expect(() => warehouseTargetsFromEnv({ ASSAY_WAREHOUSE_URLS: "mysql://u:pw@db/x" })).toThrow(
      /ASSAY_WAREHOUSE_URLS: "mysql:\/\/db\/x"/,
    );
  });
});

describe("DSAR erases the configured warehouses (PostgreSQL)", () => {
  let server: { url: string; stop(): Promise<void> } | undefined;
  let url = "";
  const apps: TestApp[] = [];

  beforeAll(async () => {
    server = await testPostgres("warehouse_erasure");
    if (server === undefined) {
      if (process.env.CI === "true")
        throw new Error("postgres server binaries are missing (CI must install them)");
      console.warn("warehouse-erasure: skipping: postgres not installed (scripts/install-services.sh)");
      return;
    }
    url = `${server.url}?schema=dsar`;
    const opened = await openWarehouse({ kind: "postgres", url });
    try {
      if (opened.loader === null) throw new Error("postgres cannot bulk-load");
      await loadInputsIntoWarehouse(
        opened.loader,
        {
          assignments: resolveInputFiles(inputDir, "assignments"),
          exposures: resolveInputFiles(inputDir, "exposures"),
          events: resolveInputFiles(inputDir, "events"),
        },
        "2026-02-01",
      );
    } finally {
      await opened.close();
    }
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) await app.close();
    await server?.stop();
  });

  const countsOf = async (userId: string) => {
    const opened = await openWarehouse({ kind: "postgres", url });
    try {
      const counts: Record<string, number> = {};
      for (const table of ["raw_assignments", "raw_exposures", "raw_events"]) {
        const [row] = await opened.engine.query<{ n: number }>(
          `SELECT count(*) AS n FROM ${table} WHERE user_id = '${userId}'`,
        );
        counts[table] = Number(row?.n ?? 0);
      }
      return counts;
    } finally {
      await opened.close();
    }
  };

  it("removes the user's warehouse rows, answers and audits them per table", async (context) => {
    if (server === undefined) return context.skip();
    const t = await appWithWarehouses(url);
    apps.push(t);
    const [row] = await (async () => {
      const opened = await openWarehouse({ kind: "postgres", url });
      try {
        return await opened.engine.query<{ user_id: string }>(
          "SELECT user_id FROM raw_events GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1",
        );
      } finally {
        await opened.close();
      }
    })();
    const userId = String(row?.user_id);
    const before = await countsOf(userId);
    expect(Object.values(before).every((n) => n > 0)).toBe(true);

    const erased = await t.request("ada", "DELETE", `/api/users/${userId}`);
    expect(erased.status).toBe(200);
    const expected = { target: `${server.url.replace(/\/\/[^@/]*@/, "//")}?schema=dsar`, engine: "postgres" };
    expect(erased.json.removed.warehouses).toEqual([
      { ...expected, rows: Object.values(before).reduce((a, b) => a + b, 0), tables: before },
    ]);
    expect(Object.values(await countsOf(userId))).toEqual([0, 0, 0]);

    const audit = await t.request("ada", "GET", `/api/audit?entity_type=user&entity_key=${userId}`);
    const entry = audit.json.entries.find((e: { action: string }) => e.action === "dsar_erase");
    expect(entry.after.warehouses).toEqual(erased.json.removed.warehouses);
    expect(entry.after.warehouse_rows).toBe(erased.json.removed.warehouse_rows);
  });

  it("fails the request, after auditing, when a warehouse cannot be reached", async (context) => {
    if (server === undefined) return context.skip();
    const t = await appWithWarehouses(`${url} postgres://nobody:pw@127.0.0.1:1/none`);
    apps.push(t);
    const erased = await t.request("ada", "DELETE", "/api/users/u-unreachable");
    expect(erased.status).toBe(500);
    expect(erased.json.error.message).toMatch(/postgres:\/\/127\.0\.0\.1:1\/none: cannot connect/);
    expect(erased.json.error.message).not.toMatch(/pw/);
    const audit = await t.request("ada", "GET", "/api/audit?entity_type=user&entity_key=u-unreachable");
    const [entry] = audit.json.entries;
    expect(entry.action).toBe("dsar_erase");
    expect(entry.after.warehouses.map((w: { error?: string }) => w.error !== undefined)).toEqual([
      false,
      true,
    ]);
  });
});
