import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLakeReader } from "@assay/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClickHouse, testPostgres } from "../../../scripts/test-services.js";

const root = join(import.meta.dirname, "../../..");
const bin = join(root, "packages/cli/bin/assay.mjs");
const inputDir = join(root, "fixtures/reference/pipeline-public/input");
const config = join(inputDir, "assay.yaml");

function assay(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, CI: "true" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const numbers = /-?\d+(\.\d+)?(e[-+]?\d+)?/g;

/**
 * Models one warehouse builds and another does not, whose data tests a quality report therefore lists on one side
 * only: `int_duplicate_events` (DuckDB, PostgreSQL; the ClickHouse folder de-duplicates shard-locally instead).
 */
const engineOnlyModels = new Set(["int_duplicate_events"]);

/** A quality report without the data tests of engine-only models; any other text as it is. */
function comparable(text: string): string {
  if (!text.trimStart().startsWith("{")) return text;
  const report = JSON.parse(text) as { data_tests?: Array<{ model: string }> };
  if (!Array.isArray(report.data_tests)) return text;
  report.data_tests = report.data_tests.filter((t) => !engineOnlyModels.has(t.model));
  return JSON.stringify(report, null, 2);
}

/** Differences between two CSV files: text exact, numbers to relative 1e-9 (the engines' documented agreement). */
function csvDifferences(actual: string, expected: string): string[] {
  const a = comparable(actual).split("\n");
  const b = comparable(expected).split("\n");
  const out: string[] = [];
  if (a.length !== b.length) out.push(`${a.length} lines != ${b.length}`);
  for (const [i, line] of b.entries()) {
    const other = a[i] ?? "";
    const same =
      other.replace(numbers, "#") === line.replace(numbers, "#") &&
      (other.match(numbers) ?? []).every((x, j) => {
        const y = Number((line.match(numbers) ?? [])[j]);
        return Math.abs(Number(x) - y) <= Math.max(1e-9 * Math.abs(y), 1e-12);
      });
    if (!same) out.push(`line ${i + 1}: ${other} != ${line}`);
    if (out.length >= 5) break;
  }
  return out;
}

/** The lake's pipeline runs in its own schema (PostgreSQL) or database (ClickHouse): the reference data set is loaded in the default one. */
function ownNamespace(url: string): string {
  if (url.startsWith("postgres://")) {
    const parsed = new URL(url);
    parsed.searchParams.set("schema", "lake_pipeline");
    return parsed.toString();
  }
  return url.replace(/\/([^/?]+)\?/, "/$1_lake?");
}

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

const work = mkdtempSync(join(tmpdir(), "assay-cli-engines-"));
const duckOut = join(work, "duckdb");
let duckRun: Awaited<ReturnType<typeof assay>> | undefined;

beforeAll(async () => {
  duckRun = await assay(["analyze", "--config", config, "--data", inputDir, "--out", duckOut]);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("assay analyze --engine (argument errors)", () => {
  it("asks for --url with a warehouse engine and --data with duckdb, exit 2", async () => {
    const noUrl = await assay(["analyze", "--engine", "postgres", "--config", config, "--out", work]);
    expect(noUrl.status).toBe(2);
    expect(noUrl.stderr).toMatch(/--url is required with --engine postgres/);
    const noData = await assay(["analyze", "--config", config, "--out", work]);
    expect(noData.status).toBe(2);
    expect(noData.stderr).toMatch(/--data <dir> is required with --engine duckdb/);
    const badEngine = await assay(["analyze", "--engine", "oracle", "--config", config, "--out", work]);
    expect(badEngine.status).toBe(2);
    expect(badEngine.stderr).toMatch(/--engine must be one of duckdb, postgres, clickhouse/);
  });
});

describe.each([
  ["postgres", () => testPostgres("cli_analyze_engines")],
  ["clickhouse", () => testClickHouse("cli_analyze_engines")],
] as const)("assay analyze --engine %s (child process)", (kind, start) => {
  let server: Server | undefined;

  beforeAll(async () => {
    server = await start();
    if (server === undefined) {
      if (process.env.CI === "true")
        throw new Error(`${kind} server binaries are missing (CI must install them)`);
      console.warn(
        `analyze --engine ${kind}: skipping: server binaries not installed (scripts/install-services.sh)`,
      );
    }
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("loads --data into the warehouse, runs the models there and writes the DuckDB path's files", async (context) => {
    if (server === undefined) return context.skip();
    const out = join(work, kind);
    const url = server.url;
    const run = await assay([
      "analyze",
      ...["--engine", kind, "--url", url, "--config", config],
      ...["--data", inputDir, "--dt", "2026-02-01", "--out", out],
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/wrote 56 result rows for 3 experiment/);
    expect(duckRun?.status).toBe(0);
    const files = readdirSync(duckOut).sort();
    expect(readdirSync(out).sort()).toEqual(files);
    for (const file of files) {
      const differences = csvDifferences(
        readFileSync(join(out, file), "utf8"),
        readFileSync(join(duckOut, file), "utf8"),
      );
      expect(differences, file).toEqual([]);
    }

    // Without --data it analyses what is loaded (here: the same partition), and the files do not change.
    const again = join(work, `${kind}-loaded`);
    const rerun = await assay([
      "analyze",
      "--engine",
      kind,
      "--url",
      url,
      "--config",
      config,
      "--out",
      again,
    ]);
    expect(rerun.stderr).toBe("");
    expect(rerun.status).toBe(0);
    for (const file of files) {
      const differences = csvDifferences(
        readFileSync(join(again, file), "utf8"),
        readFileSync(join(out, file), "utf8"),
      );
      expect(differences, file).toEqual([]);
    }
  }, 120_000);

  it("pipeline run --engine runs the daily jobs in the warehouse and writes the DuckDB jobs' partitions", async (context) => {
    if (server === undefined) return context.skip();
    const lakes = {
      duckdb: join(work, `${kind}-lake-duckdb`),
      warehouse: join(work, `${kind}-lake-warehouse`),
    };
    const generate = ["generate", "--dt", "2026-02-10", "--from", "2026-02-08", "--users", "2000"];
    for (const lake of Object.values(lakes)) {
      expect((await assay([...generate, "--lake", lake])).status).toBe(0);
    }
    const run = ["pipeline", "run", "--dt", "2026-02-10"];
    const plain = await assay([...run, "--lake", lakes.duckdb]);
    expect(plain.status).toBe(0);
    const inWarehouse = await assay([
      ...run,
      "--lake",
      lakes.warehouse,
      "--engine",
      kind,
      "--url",
      ownNamespace(server.url),
    ]);
    expect(inWarehouse.stderr).toBe("");
    expect(inWarehouse.status).toBe(0);
    expect(inWarehouse.stdout).toBe(plain.stdout);
    // The default namespace holds the reference data set (another day): refused, and nothing of it deleted.
    const refused = await assay([...run, "--lake", lakes.warehouse, "--engine", kind, "--url", server.url]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/holds partitions the lake .* lacks \(2026-02-01\)/);
    const listing = (lake: string) =>
      ["silver", "gold"].flatMap((area) =>
        readdirSync(join(lake, area)).flatMap((table) =>
          readdirSync(join(lake, area, table)).map((dt) => `${area}/${table}/${dt}`),
        ),
      );
    expect(listing(lakes.warehouse).sort()).toEqual(listing(lakes.duckdb).sort());
    const quality = await Promise.all(
      Object.values(lakes).map((lake) => createLakeReader(lake).qualityReport()),
    );
    expect(
      csvDifferences(
        JSON.stringify(quality[1]?.report, null, 1),
        JSON.stringify(quality[0]?.report, null, 1),
      ),
    ).toEqual([]);
    const results = await Promise.all(
      Object.values(lakes).map((lake) =>
        createLakeReader(lake).experimentResults({ experimentIds: ["exp_checkout"] }),
      ),
    );
    expect(results[0]?.rows.length).toBeGreaterThan(0);
    expect(
      csvDifferences(JSON.stringify(results[1]?.rows, null, 1), JSON.stringify(results[0]?.rows, null, 1)),
    ).toEqual([]);
    // Per-segment results (the generator's platform and country attributes) agree too.
    const segments = await Promise.all(
      Object.values(lakes).map((lake) =>
        createLakeReader(lake).segmentResults({ experimentId: "exp_checkout" }),
      ),
    );
    expect(new Set(segments[0]?.rows.map((r) => r.segment_attribute))).toEqual(
      new Set(["country", "platform"]),
    );
    expect(
      csvDifferences(JSON.stringify(segments[1]?.rows, null, 1), JSON.stringify(segments[0]?.rows, null, 1)),
    ).toEqual([]);
  }, 180_000);
});
