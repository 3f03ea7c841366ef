import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDuckDbEngine, loadConfigFile, runPipeline } from "@assay/pipeline";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const bin = join(root, "packages/cli/bin/assay.mjs");
const referenceDir = join(root, "fixtures/reference/pipeline-public");
const inputDir = join(referenceDir, "input");

const numbers = /-?\d+\.\d+(e[-+]?\d+)?/g;

function assay(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
}

describe("assay analyze (child process)", () => {
  const work = mkdtempSync(join(tmpdir(), "assay-cli-analyze-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("writes the same files as the library and the reference quality report", async () => {
    const cliOut = join(work, "cli-out");
    const run = assay([
      "analyze",
      "--config",
      join(inputDir, "assay.yaml"),
      "--data",
      inputDir,
      "--out",
      cliOut,
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/wrote 56 result rows for 3 experiment/);

    const libOut = join(work, "lib-out");
    await runPipeline({
      source: { kind: "folder", dir: inputDir },
      sink: { kind: "folder", dir: libOut },
      config: await loadConfigFile(join(inputDir, "assay.yaml")),
    });
    const files = readdirSync(cliOut).sort();
    expect(files).toEqual(readdirSync(libOut).sort());
    expect(files).toContain("fct_experiment_results.csv");
    for (const file of files) {
      const a = readFileSync(join(cliOut, file), "utf8");
      const b = readFileSync(join(libOut, file), "utf8");
      if (file === "quality_report.json") continue;
      // Parallel floating-point sums may differ in the last bits between runs; everything else is byte-identical.
      expect(
        a.replace(numbers, (x) => Number(x).toPrecision(12)),
        file,
      ).toBe(b.replace(numbers, (x) => Number(x).toPrecision(12)));
    }

    const expected = JSON.parse(readFileSync(join(referenceDir, "expected.json"), "utf8")) as {
      duplicate_event_rows: number;
      experiments: Record<string, Record<string, number>>;
    };
    const quality = JSON.parse(readFileSync(join(cliOut, "quality_report.json"), "utf8")) as typeof expected;
    expect(quality.duplicate_event_rows).toBe(expected.duplicate_event_rows);
    for (const [id, fields] of Object.entries(expected.experiments)) {
      for (const [field, value] of Object.entries(fields)) {
        const actual = quality.experiments[id]?.[field];
        if (field.startsWith("srm_")) expect(actual).toBeCloseTo(value, 9);
        else expect(actual, `${id}.${field}`).toBe(value);
      }
    }
  });

  it("stops on an unparseable timestamp, naming file, line and column, and writes nothing", () => {
    const data = join(work, "bad-data");
    rmSync(data, { recursive: true, force: true });
    spawnSync("cp", ["-r", inputDir, data]);
    const lines = readFileSync(join(data, "exposures.csv"), "utf8").split("\n");
    lines[5] = "exp_checkout,u_x,control,yesterday";
    writeFileSync(join(data, "exposures.csv"), lines.join("\n"));
    const out = join(work, "never");
    const run = assay(["analyze", "--config", join(data, "assay.yaml"), "--data", data, "--out", out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/exposures\.csv line 6: column "exposure_time_utc": cannot parse/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [
      "a row with an extra value late in the file",
      -30,
      (l: string) => `${l},extra`,
      /events\.csv line \d+: 6 values for 5 columns .*column 6/,
    ],
    [
      "a row with a missing value",
      5,
      (l: string) => l.split(",").slice(0, 3).join(","),
      /events\.csv line 6: 3 values for 5 columns .*"event_time_utc" is missing/,
    ],
    [
      "an unclosed quote",
      5,
      (l: string) =>
        l
          .split(",")
          .map((v, i) => (i === 2 ? `"${v}` : v))
          .join(","),
      /events\.csv line 6: column "event_name": a quoted value is not closed/,
    ],
  ])(
    "stops on a malformed CSV (%s) in one or two lines naming file, line and column",
    (_what, at, edit, expected) => {
      const data = join(work, "malformed");
      rmSync(data, { recursive: true, force: true });
      spawnSync("cp", ["-r", inputDir, data]);
      const lines = readFileSync(join(data, "events.csv"), "utf8").split("\n");
      const index = at < 0 ? lines.length + at : at;
      lines[index] = edit(lines[index]!);
      writeFileSync(join(data, "events.csv"), lines.join("\n"));
      const out = join(work, "never-malformed");
      const run = assay(["analyze", "--config", join(data, "assay.yaml"), "--data", data, "--out", out]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(expected);
      expect(run.stderr.trimEnd().split("\n").length).toBeLessThanOrEqual(2);
      expect(run.stderr).not.toMatch(/\n\s+at |sample_size|strict_mode/);
      expect(existsSync(out)).toBe(false);
    },
  );

  it("prints a short data-quality summary naming an injected fault (5 % variant mismatch)", () => {
    const data = join(work, "mismatch");
    rmSync(data, { recursive: true, force: true });
    const generated = assay(["generate", "--csv", data, "--variant-mismatch", "0.05", "--users", "3000"]);
    expect(generated.status).toBe(0);
    const run = assay([
      "analyze",
      "--config",
      join(data, "assay.yaml"),
      "--data",
      data,
      "--out",
      join(work, "mm-out"),
    ]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^wrote \d+ result rows/);
    expect(lines[1]).toMatch(/^data quality: [1-9]\d* warning\(s\)/);
    expect(run.stdout).toMatch(
      /exp_checkout: [\d,]+ units.*\n\s+warning: [\d,]+ units exposed to a variant they were not assigned \(\d\.\d% of units\)/,
    );
    expect(lines.length).toBeLessThanOrEqual(12);
  });

  it("stops on a config error naming the key path", () => {
    const config = join(work, "bad.yaml");
    writeFileSync(
      config,
      readFileSync(join(inputDir, "assay.yaml"), "utf8").replace("allocation: 34", "allocation: -34"),
    );
    const run = assay(["analyze", "--config", config, "--data", inputDir, "--out", join(work, "x")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/experiments\[1\]\.variants\[0\]\.allocation/);
  });

  it("writes the by-segment CSVs when the data has user_attributes, and none without", () => {
    const segmentsDir = join(root, "fixtures/segments/input");
    const out = join(work, "segments-out");
    const run = assay([
      "analyze",
      "--config",
      join(segmentsDir, "assay.yaml"),
      "--data",
      segmentsDir,
      "--out",
      out,
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const files = readdirSync(out);
    expect(files).toContain("experiment_results_by_segment.csv");
    expect(files).toContain("agg_experiment_metric_by_segment.csv");
    const lines = readFileSync(join(out, "experiment_results_by_segment.csv"), "utf8").trim().split("\n");
    expect(lines[0]).toBe(
      "experiment_id,metric_id,analysis_mode,segment_attribute,segment_value,variation_id,is_control,n_users,mean,uplift_abs,uplift_rel,p_value_two_sided,ci_low,ci_high,cuped_theta,cuped_uplift_abs,cuped_p_value,cuped_ci_low,cuped_ci_high,cuped_variance_reduction_pct,cuped_applied,cuped_thetas,cap_value,covariate_cap_value,excluded_units,step_units,n_values,order_lower,order_upper,quantile_se,design_effect",
    );
    // 7 segments (platform: web, ios, android, (not set); country: US, DE, (not set)) × 3 metrics × 2 modes × 2 variants.
    expect(lines).toHaveLength(1 + 7 * 3 * 2 * 2);
    expect(lines).toContain(
      "exp_seg,revenue_7d,itt,platform,web,control,true,3,11.666666666666666,,,,,,,,,,,,,,,,,,,,,,",
    );
    // The reference data set has no user_attributes: no by-segment files.
    const plain = join(work, "cli-out");
    expect(readdirSync(plain).some((f) => f.includes("segment"))).toBe(false);
  });

  it("stops on a user_attributes file without a column, naming file and column", () => {
    const data = join(work, "bad-attributes");
    rmSync(data, { recursive: true, force: true });
    spawnSync("cp", ["-r", join(root, "fixtures/segments/input"), data]);
    writeFileSync(
      join(data, "user_attributes.csv"),
      "user_id,attribute,observed_time_utc\nu01,platform,2026-02-20T00:00:00Z\n",
    );
    const out = join(work, "never-segments");
    const run = assay(["analyze", "--config", join(data, "assay.yaml"), "--data", data, "--out", out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/user_attributes\.csv: missing column "value"/);
    expect(existsSync(out)).toBe(false);
  });

  it("rejects an alpha outside (0, 1)", () => {
    const run = assay(["analyze", "--config", "a.yaml", "--data", ".", "--out", "o", "--alpha", "1.5"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--alpha must be a number in \(0, 1\)/);
  });

  it("writes the same tables as Parquet with --format parquet", async () => {
    const out = join(work, "parquet-out");
    const run = assay([
      "analyze",
      "--config",
      join(inputDir, "assay.yaml"),
      "--data",
      inputDir,
      "--out",
      out,
      "--format",
      "parquet",
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const csvFiles = readdirSync(join(work, "cli-out")).sort();
    const files = readdirSync(out).sort();
    expect(files).toEqual(csvFiles.map((f) => f.replace(/\.csv$/, ".parquet")));
    // Same rows as the CSV outputs: the per-unit validation flags and the results, read back through DuckDB.
    const engine = await createDuckDbEngine();
    try {
      const count = async (sql: string) => (await engine.query<{ n: number }>(sql))[0]?.n;
      for (const table of ["int_experiment_exposure_validation", "fct_experiment_results"]) {
        const parquet = await count(
          `SELECT count(*) AS n FROM read_parquet('${join(out, `${table}.parquet`)}')`,
        );
        const csv = await count(
          `SELECT count(*) AS n FROM read_csv('${join(work, "cli-out", `${table}.csv`)}')`,
        );
        expect(parquet, table).toBe(csv);
        expect(parquet ?? 0, table).toBeGreaterThan(0);
      }
      const [types] = await engine.query<{ t: string }>(
        `SELECT typeof(assignment_time_utc) AS t FROM read_parquet('${join(out, "fact_assignment.parquet")}') LIMIT 1`,
      );
      expect(types?.t).toBe("TIMESTAMP");
    } finally {
      await engine.close();
    }
  });

  it("rejects an unknown --format", () => {
    const run = assay(["analyze", "--config", "a.yaml", "--data", ".", "--out", "o", "--format", "xlsx"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--format must be one of csv, parquet, got "xlsx"/);
  });

  it("prints per-model seconds and rows with --profile and writes them as JSON", () => {
    const profilePath = join(work, "profile.json");
    const run = assay([
      "analyze",
      "--config",
      join(inputDir, "assay.yaml"),
      "--data",
      inputDir,
      "--out",
      join(work, "profile-out"),
      "--profile",
      profilePath,
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/wrote 56 result rows/);
    expect(run.stderr).toMatch(/^profile \(duckdb\):/m);
    expect(run.stderr).toMatch(/fact_assignment\s+[\d,]+ rows\s+\d+\.\d{3}s {2}tests \d+\.\d{3}s/);
    const profile = JSON.parse(readFileSync(profilePath, "utf8")) as {
      warehouse: string;
      models: { model: string; materialized: string; rows: number | null; seconds: number }[];
      phases: { models_seconds: number };
      total_seconds: number;
    };
    expect(profile.warehouse).toBe("duckdb");
    const fact = profile.models.find((m) => m.model === "fact_assignment");
    expect(fact?.materialized).toBe("table");
    expect(fact?.rows).toBe(
      readFileSync(join(work, "cli-out", "fact_assignment.csv"), "utf8")
        .trim()
        .split("\n").length - 1,
    );
    expect(profile.models.find((m) => m.model === "fct_experiment_cohort")).toMatchObject({
      materialized: "view",
      rows: null,
    });
    expect(profile.models.map((m) => m.model)).toContain("agg_experiment_metric_by_variant");
    const modelSeconds = profile.models.reduce((sum, m) => sum + m.seconds, 0);
    expect(profile.phases.models_seconds).toBeGreaterThanOrEqual(modelSeconds - 0.01);
    expect(profile.total_seconds).toBeGreaterThanOrEqual(profile.phases.models_seconds);
  });
});
