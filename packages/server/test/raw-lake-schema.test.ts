import { join } from "node:path";
import { generateToLake, rawLakeColumns } from "@assay/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteDatabase, listFiles } from "../src/index.js";
import { createTestApp, experimentBody, type TestApp } from "./helpers/test-app.js";

// Issue 18 item 1: `assay simulate` against the demo crashed in verify-lake ("event_id" not found) because the
// demo's generated raw files had another schema than the collector's. Every writer now writes one schema per table.
describe("raw lake: one schema per table, whoever writes it", () => {
  let t: TestApp;
  const at = "2026-02-03T10:00:00.000Z";
  beforeAll(async () => {
    t = await createTestApp(await createPgliteDatabase());
    const key = "schema_exp";
    await t.request("ana", "POST", "/api/experiments", experimentBody(key));
    await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "submitted" });
    await t.request("rui", "POST", `/api/experiments/${key}/status`, { status: "approved" });
    await t.request("ana", "POST", `/api/experiments/${key}/status`, { status: "running" });
    await t.request("vic", "POST", "/api/assign", {
      user_id: "s1",
      experiments: [key],
      attributes: { platform: "ios" },
    });
    await t.request("vic", "POST", "/api/events", {
      events: [
        { event_id: "s-e1", user_id: "s1", event_name: "purchase", value: 3, timestamp: at },
        {
          type: "exposure",
          event_id: "s-x1",
          user_id: "s1",
          experiment_id: key,
          variant_id: "control",
          timestamp: at,
        },
      ],
    });
    await t.context.compact();
    // The demo's generator writes into the same lake, on earlier days (their files sort first).
    await generateToLake({
      lake: join(t.dir, "lake"),
      dt: "2026-02-02",
      from: "2026-01-30",
      seed: 3,
      users: 300,
    });
  }, 120_000);
  afterAll(async () => t?.close());

  it("gives every raw Parquet file of a table the same columns and types (the collector's and the generator's)", async () => {
    for (const [table, columns] of Object.entries(rawLakeColumns)) {
      const files = await listFiles(join(t.dir, "lake", "raw", table), ".parquet");
      expect(
        files.some((f) => f.includes("wal-")),
        `${table} has a collector file`,
      ).toBe(true);
      expect(
        files.some((f) => f.includes("part-0")),
        `${table} has a generated file`,
      ).toBe(true);
      for (const file of files) {
        const described = await t.context.lake.reader.fileSchema(file);
        expect(
          described.map((c) => [c.name, c.type]),
          file,
        ).toEqual(
          columns.map((c) => [c.name, c.type === "TIMESTAMPTZ" ? "TIMESTAMP WITH TIME ZONE" : c.type]),
        );
      }
    }
  });

  it("reads event ids across generated and collected exposures (what verify-lake does)", async () => {
    const files = await listFiles(join(t.dir, "lake", "raw", "exposures"), ".parquet");
    const rows = await t.context.lake.reader.fileRows(files, { columns: ["event_id"] });
    expect(rows.map((r) => String(r.event_id)).filter((id) => id.startsWith("s-"))).toEqual(["s-x1"]);
  });
});
