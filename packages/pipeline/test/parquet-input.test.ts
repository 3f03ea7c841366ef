import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbEngine, InputError, loadConfigFile } from "../src/index.js";
import { analyzeFolder } from "./helpers/analyze.js";
import { compareWithReference, referenceInputDir } from "./helpers/reference.js";

describe("Parquet input", () => {
  const work = mkdtempSync(join(tmpdir(), "assay-parquet-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("accepts TIMESTAMPTZ columns and folders of part files, and matches the reference", async () => {
    const data = join(work, "data");
    mkdirSync(join(data, "events"), { recursive: true });
    const engine = await createDuckDbEngine();
    const csv = (name: string) => `read_csv('${join(referenceInputDir, `${name}.csv`)}', all_varchar = true)`;
    await engine.run(
      `COPY (SELECT experiment_id, user_id, variant_id, CAST(assignment_time_utc AS TIMESTAMPTZ) AS assignment_time_utc FROM ${csv("assignments")}) TO '${join(data, "assignments.parquet")}' (FORMAT parquet)`,
    );
    // Exposure times as ISO strings: both representations must be accepted.
    await engine.run(
      `COPY (SELECT * FROM ${csv("exposures")}) TO '${join(data, "exposures.parquet")}' (FORMAT parquet)`,
    );
    const events = `SELECT event_id, user_id, event_name, CAST(event_time_utc AS TIMESTAMPTZ) AS event_time_utc, CAST(NULLIF(value, '') AS DOUBLE) AS value FROM ${csv("events")}`;
    await engine.run(
      `COPY (${events} WHERE hash(event_id) % 2 = 0) TO '${join(data, "events", "part-0.parquet")}' (FORMAT parquet)`,
    );
    await engine.run(
      `COPY (${events} WHERE hash(event_id) % 2 = 1) TO '${join(data, "events", "part-1.parquet")}' (FORMAT parquet)`,
    );
    await engine.close();

    const config = await loadConfigFile(join(referenceInputDir, "assay.yaml"));
    const outDir = join(work, "out");
    await analyzeFolder({ config, dataDir: data, outDir });
    const { mismatches } = await compareWithReference(outDir);
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it("names the missing column and the file", async () => {
    const data = join(work, "missing");
    mkdirSync(data, { recursive: true });
    const engine = await createDuckDbEngine();
    await engine.run(
      `COPY (SELECT 'e' AS experiment_id, 'u' AS user_id) TO '${join(data, "assignments.parquet")}' (FORMAT parquet)`,
    );
    await engine.close();
    const config = await loadConfigFile(join(referenceInputDir, "assay.yaml"));
    const run = analyzeFolder({ config, dataDir: data, outDir: join(work, "never") });
    await expect(run).rejects.toBeInstanceOf(InputError);
    await expect(run).rejects.toThrow(/assignments\.parquet: missing column "variant_id"/);
  });
});
