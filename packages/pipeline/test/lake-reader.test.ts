import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allTeams,
  compileRowFilter,
  createLakeReader,
  LakeReadError,
  type LakeReader,
  type LakeSession,
  otherTeamFilter,
  teamScope,
} from "../src/index.js";

// Fixtures are written with bound parameters (never the quoting function under test), so a quoting bug in the
// reader cannot be hidden by the same bug in the fixture.
let instance: DuckDBInstance;
let connection: DuckDBConnection;
let session: LakeSession;
const roots: string[] = [];

type Value = string | number | boolean | null;
/** Writes `rows` (all with the same keys) as one Parquet file; column types from `types`. */
async function writeParquet(
  file: string,
  types: Record<string, "VARCHAR" | "DOUBLE" | "BIGINT" | "BOOLEAN" | "TIMESTAMPTZ" | "DATE">,
  rows: ReadonlyArray<Record<string, Value>>,
): Promise<void> {
  mkdirSync(join(file, ".."), { recursive: true });
  const columns = Object.keys(types);
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE fixture (${columns.map((c) => `"${c}" ${types[c]}`).join(", ")})`,
  );
  for (const row of rows) {
    await connection.run(
      `INSERT INTO fixture VALUES (${columns.map((c) => `CAST($${c} AS ${types[c]})`).join(", ")})`,
      Object.fromEntries(columns.map((c) => [c, row[c] ?? null])) as Record<string, string>,
    );
  }
  // The path is a fresh temp folder of ours (no quote in it): no value from a test reaches this statement.
  await connection.run(`COPY fixture TO '${file}' (FORMAT parquet)`);
}

function freshLake(): string {
  const dir = mkdtempSync(join(tmpdir(), "assay-lake-reader-"));
  roots.push(dir);
  return dir;
}

const assignmentTypes = {
  experiment_id: "VARCHAR",
  user_id: "VARCHAR",
  variant_id: "VARCHAR",
  assignment_time_utc: "TIMESTAMPTZ",
  team: "VARCHAR",
} as const;
const exposureTypes = {
  experiment_id: "VARCHAR",
  user_id: "VARCHAR",
  variant_id: "VARCHAR",
  exposure_time_utc: "TIMESTAMPTZ",
  event_id: "VARCHAR",
  team: "VARCHAR",
} as const;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  session = {
    async query(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS().map((row) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row)) out[k] = typeof v === "bigint" ? Number(v) : v;
        return out;
      });
    },
  };
});

afterAll(() => {
  connection.closeSync();
  instance.closeSync();
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

// Strings an attacker would send as ids: quotes, backslashes, NUL, SQL comments, LIKE wildcards, any grapheme.
const hostile = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom("'", "\\", "\u0000", '"', ";", "-", "%", "_", "a", "\n", ")", "(", ",", "é"),
    minLength: 1,
    maxLength: 12,
  }),
  fc.constantFrom("'; DROP TABLE fixture; --", "') OR true OR ('", "x' || chr(0) || 'y", "$1", "\\'"),
);

describe("lake reader: hostile strings reach SQL only as quoted values", () => {
  it("property: assigned pairs, counts and rewrites match exactly the hostile ids, nothing else", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, async (experiment, user, team) => {
        fc.pre(experiment !== "decoy-exp" && user !== "decoy-user" && team !== "decoy-team");
        const dir = freshLake();
        const reader = createLakeReader(dir, { session });
        const file = join(dir, "raw", "assignments", "dt=2026-01-01", "part-0.parquet");
        const at = "2026-01-01T10:00:00Z";
        await writeParquet(file, assignmentTypes, [
          { experiment_id: experiment, user_id: user, variant_id: "a", assignment_time_utc: at, team },
          {
            experiment_id: experiment,
            user_id: "decoy-user",
            variant_id: "a",
            assignment_time_utc: at,
            team,
          },
          { experiment_id: "decoy-exp", user_id: user, variant_id: "a", assignment_time_utc: at, team },
          {
            experiment_id: experiment,
            user_id: "other",
            variant_id: "a",
            assignment_time_utc: at,
            team: "decoy-team",
          },
        ]);
        const mine = await reader.assignedPairs({ scope: teamScope(team), experimentIds: [experiment] });
        expect([...mine.keys()]).toEqual([experiment]);
        expect([...(mine.get(experiment) ?? [])].sort()).toEqual([user, "decoy-user"].sort());
        expect(await reader.countRows([file], { kind: "equals", column: "user_id", value: user })).toBe(2);
        expect(
          await reader.countRows([file], {
            kind: "all",
            of: [
              { kind: "equals", column: "experiment_id", value: experiment },
              { kind: "in", column: "team", values: [team] },
            ],
          }),
        ).toBe(2);
        const done = await reader.rewriteWithout(file, { kind: "equals", column: "user_id", value: user });
        expect(done).toEqual({ removed: 2, fileRemoved: false });
        expect(await reader.countRows([file])).toBe(2);
        const left = await session.query(`SELECT user_id FROM read_parquet('${file}') ORDER BY user_id`);
        expect(left.map((r) => r.user_id)).toEqual(["decoy-user", "other"]);
        expect(
          await reader.fileRows([file], {
            columns: ["user_id", "team"],
            filter: { kind: "equals", column: "experiment_id", value: experiment },
            orderBy: ["user_id"],
          }),
        ).toEqual([
          { user_id: "decoy-user", team },
          { user_id: "other", team: "decoy-team" },
        ]);
        expect(await reader.fileRows([])).toEqual([]);
        expect((await reader.fileSchema(file)).find((c) => c.name === "assignment_time_utc")?.type).toMatch(
          /^TIMESTAMP/,
        );
      }),
      { numRuns: Number(process.env.ASSAY_FUZZ_RUNS ?? 60) },
    );
  });

  it("refuses a column that is not a plain identifier before any SQL runs", async () => {
    const reader = createLakeReader(freshLake(), { session });
    for (const column of ["user_id\" = 'x' OR \"1", "User_Id", "a b", "", "x;y"]) {
      expect(() => compileRowFilter({ kind: "equals", column, value: "x" })).toThrow(LakeReadError);
    }
    await expect(
      reader.countRows(["/nonexistent.parquet"], { kind: "equals", column: "a-b", value: "x" }),
    ).rejects.toThrow(LakeReadError);
    expect(() => reader.latestResultsDt("2026-01-01' OR '1")).toThrow(LakeReadError);
    await expect(reader.fileRows(["/nonexistent.parquet"], { columns: ['a" FROM x --'] })).rejects.toThrow(
      LakeReadError,
    );
    await expect(reader.fileRows(["/nonexistent.parquet"], { orderBy: ["1; DROP"] })).rejects.toThrow(
      LakeReadError,
    );
  });
});

describe("lake reader: a team sees only its own raw rows", () => {
  let dir: string;
  let reader: LakeReader;
  beforeAll(async () => {
    dir = freshLake();
    reader = createLakeReader(dir, { session });
    const day = "dt=2026-02-01";
    await writeParquet(join(dir, "raw", "assignments", day, "wal-000000001.parquet"), assignmentTypes, [
      {
        experiment_id: "shared",
        user_id: "a1",
        variant_id: "c",
        assignment_time_utc: "2026-02-01T01:00:00Z",
        team: "alpha",
      },
      {
        experiment_id: "shared",
        user_id: "b1",
        variant_id: "c",
        assignment_time_utc: "2026-02-01T05:00:00Z",
        team: "beta",
      },
      {
        experiment_id: "beta_only",
        user_id: "b2",
        variant_id: "c",
        assignment_time_utc: "2026-02-01T06:00:00Z",
        team: "beta",
      },
      {
        experiment_id: "shared",
        user_id: "n1",
        variant_id: "c",
        assignment_time_utc: "2026-02-01T00:30:00Z",
        team: "",
      },
    ]);
    await writeParquet(join(dir, "raw", "exposures", day, "wal-000000001.parquet"), exposureTypes, [
      {
        experiment_id: "shared",
        user_id: "a1",
        variant_id: "c",
        exposure_time_utc: "2026-02-01T02:00:00Z",
        event_id: "e1",
        team: "alpha",
      },
      {
        experiment_id: "shared",
        user_id: "b1",
        variant_id: "c",
        exposure_time_utc: "2026-02-01T09:00:00Z",
        event_id: "e1",
        team: "beta",
      },
    ]);
    // A file from before tenancy: no team column; its rows are no team's, visible to each.
    await writeParquet(
      join(dir, "raw", "events", day, "wal-000000000.parquet"),
      { event_id: "VARCHAR", user_id: "VARCHAR", event_time_utc: "TIMESTAMPTZ" },
      [{ event_id: "old", user_id: "n1", event_time_utc: "2026-02-01T00:00:00Z" }],
    );
    await writeParquet(
      join(dir, "raw", "events", day, "wal-000000002.parquet"),
      { event_id: "VARCHAR", user_id: "VARCHAR", event_time_utc: "TIMESTAMPTZ", team: "VARCHAR" },
      [
        { event_id: "ea", user_id: "a1", event_time_utc: "2026-02-01T03:00:00Z", team: "alpha" },
        { event_id: "eb", user_id: "b1", event_time_utc: "2026-02-01T03:00:00Z", team: "beta" },
      ],
    );
    // Not a compactor file: skipped when the caller asks for `wal-` files only.
    await writeParquet(
      join(dir, "raw", "events", day, "loaded.parquet"),
      { user_id: "VARCHAR", event_time_utc: "TIMESTAMPTZ" },
      [{ user_id: "x", event_time_utc: "2026-02-01T00:00:00Z" }],
    );
  });

  it("assigned pairs: alpha never sees beta's users or experiments", async () => {
    const alpha = await reader.assignedPairs({
      scope: teamScope("alpha"),
      experimentIds: ["shared", "beta_only"],
    });
    expect(Object.fromEntries([...alpha].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      shared: ["a1", "n1"],
    });
    const beta = await reader.assignedPairs({
      scope: teamScope("beta"),
      experimentIds: ["shared", "beta_only"],
    });
    expect(Object.fromEntries([...beta].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      shared: ["b1", "n1"],
      beta_only: ["b2"],
    });
    const all = await reader.assignedPairs({ scope: allTeams, experimentIds: ["shared"] });
    expect([...(all.get("shared") ?? [])].sort()).toEqual(["a1", "b1", "n1"]);
    const stranger = await reader.assignedPairs({
      scope: teamScope("gamma"),
      experimentIds: ["shared", "beta_only"],
    });
    expect(Object.fromEntries([...stranger].map(([k, v]) => [k, [...v]]))).toEqual({ shared: ["n1"] });
  });

  it("last evaluations: each team's own latest assignment or exposure", async () => {
    const alpha = await reader.lastEvaluations({ scope: teamScope("alpha") });
    expect(Object.fromEntries(alpha)).toEqual({ shared: "2026-02-01T02:00:00.000Z" });
    const beta = await reader.lastEvaluations({ scope: teamScope("beta") });
    expect(Object.fromEntries(beta)).toEqual({
      shared: "2026-02-01T09:00:00.000Z",
      beta_only: "2026-02-01T06:00:00.000Z",
    });
  });

  it("event keys: team-qualified, scoped, files by name prefix (a file without a team column is the empty team's)", async () => {
    const all = await reader.eventKeys({ scope: allTeams, namePrefix: "wal-" });
    expect(all.sort()).toEqual(
      ["\u0000old", "alpha\u0000e1", "alpha\u0000ea", "beta\u0000e1", "beta\u0000eb"].sort(),
    );
    const alpha = await reader.eventKeys({ scope: teamScope("alpha"), namePrefix: "wal-" });
    expect(alpha.sort()).toEqual(["\u0000old", "alpha\u0000e1", "alpha\u0000ea"].sort());
    expect(
      await reader.eventKeys({ scope: allTeams, namePrefix: "wal-", sinceMs: Date.now() + 60_000 }),
    ).toEqual([]);
  });

  it("a team's rewrite never removes another team's row (otherTeamFilter)", async () => {
    const file = join(dir, "raw", "exposures", "dt=2026-02-01", "wal-000000001.parquet");
    const other = otherTeamFilter(teamScope("alpha"));
    if (other === undefined) throw new Error("a team scope has other teams");
    const done = await reader.rewriteWithout(file, {
      kind: "all",
      of: [
        { kind: "in", column: "event_id", values: ["e1"] },
        { kind: "not", of: other },
      ],
    });
    expect(done.removed).toBe(1);
    const left = await session.query(`SELECT team FROM read_parquet('${file}')`);
    expect(left.map((r) => r.team)).toEqual(["beta"]);
  });
});

describe("lake reader: results, segments, aggregates, quality and exposure health", () => {
  let dir: string;
  const result = (dt: string, experiment: string, variation: string, mode: string, n: number) => ({
    experiment_id: experiment,
    metric_id: "orders",
    analysis_mode: mode,
    variation_id: variation,
    is_control: variation === "control",
    n_users: n,
    mean: 1,
    uplift_abs: variation === "control" ? null : 0.1,
    uplift_rel: null,
    p_value_two_sided: null,
    ci_low: null,
    ci_high: null,
    note: dt,
  });
  const resultTypes = {
    experiment_id: "VARCHAR",
    metric_id: "VARCHAR",
    analysis_mode: "VARCHAR",
    variation_id: "VARCHAR",
    is_control: "BOOLEAN",
    n_users: "BIGINT",
    mean: "DOUBLE",
    uplift_abs: "DOUBLE",
    uplift_rel: "DOUBLE",
    p_value_two_sided: "DOUBLE",
    ci_low: "DOUBLE",
    ci_high: "DOUBLE",
    note: "VARCHAR",
  } as const;
  beforeAll(async () => {
    dir = freshLake();
    for (const [dt, n] of [
      ["2026-03-01", 10],
      ["2026-03-02", 20],
    ] as const) {
      await writeParquet(
        join(dir, "gold", "fct_experiment_results", `dt=${dt}`, "part-0.parquet"),
        resultTypes,
        [
          result(dt, "exp'1", "control", "itt", n),
          result(dt, "exp'1", "treatment", "itt", n + 1),
          result(dt, "exp'1", "treatment", "exposed", n - 1),
          result(dt, "other", "control", "itt", 99),
        ],
      );
    }
    await writeParquet(
      join(dir, "gold", "agg_experiment_metric_by_variant", "dt=2026-03-02", "part-0.parquet"),
      {
        experiment_id: "VARCHAR",
        metric_id: "VARCHAR",
        analysis_mode: "VARCHAR",
        variation_id: "VARCHAR",
        n: "BIGINT",
        sum_value: "DOUBLE",
        sum_value_sq: "DOUBLE",
        sum_den: "DOUBLE",
        sum_den_sq: "DOUBLE",
        sum_value_den: "DOUBLE",
      },
      [
        {
          experiment_id: "exp'1",
          metric_id: "orders",
          analysis_mode: "itt",
          variation_id: "control",
          n: 20,
          sum_value: 5,
          sum_value_sq: 7,
          sum_den: null,
          sum_den_sq: null,
          sum_value_den: null,
        },
        {
          experiment_id: "other",
          metric_id: "orders",
          analysis_mode: "itt",
          variation_id: "control",
          n: 3,
          sum_value: 1,
          sum_value_sq: 1,
          sum_den: null,
          sum_den_sq: null,
          sum_value_den: null,
        },
      ],
    );
    await writeParquet(
      join(dir, "gold", "fct_experiment_exposure_quality_daily", "dt=2026-03-02", "part-0.parquet"),
      { experiment_id: "VARCHAR", date_day: "DATE", assigned_units: "BIGINT", exposed_units: "BIGINT" },
      [
        { experiment_id: "exp'1", date_day: "2026-03-02", assigned_units: 5, exposed_units: 4 },
        { experiment_id: "exp'1", date_day: "2026-03-01", assigned_units: 3, exposed_units: 3 },
        { experiment_id: "other", date_day: "2026-03-01", assigned_units: 1, exposed_units: 0 },
      ],
    );
    const quality = join(dir, "gold", "quality_report", "dt=2026-03-02");
    mkdirSync(quality, { recursive: true });
    writeFileSync(join(quality, "quality_report.json"), JSON.stringify({ experiments: {}, data_tests: [] }));
  });

  it("reads the latest results partition, or one at or before a day, of the asked experiments only", async () => {
    const reader = createLakeReader(dir);
    expect(reader.latestResultsDt()).toBe("2026-03-02");
    expect(reader.latestResultsDt("2026-03-01")).toBe("2026-03-01");
    expect(reader.latestResultsDt("2026-02-28")).toBeNull();
    const latest = await reader.experimentResults({ experimentIds: ["exp'1"], mode: "itt" });
    expect(latest?.dt).toBe("2026-03-02");
    expect(latest?.rows.map((r) => [r.variation_id, r.n_users])).toEqual([
      ["control", 20],
      ["treatment", 21],
    ]);
    const before = await reader.experimentResults({ experimentIds: ["exp'1"], dt: "2026-03-01" });
    expect(before?.rows.map((r) => `${r.analysis_mode}:${r.variation_id}:${r.n_users}`)).toEqual([
      "exposed:treatment:9",
      "itt:control:10",
      "itt:treatment:11",
    ]);
    expect((await reader.experimentResults({ experimentIds: [] }))?.rows).toEqual([]);
  });

  it("history, exposure health, aggregates, quality; null without segments", async () => {
    const reader = createLakeReader(dir);
    const history = await reader.resultsHistory(["exp'1"]);
    expect(history.map((r) => `${r.dt}:${r.analysis_mode}:${r.variation_id}:${r.n_users}`)).toEqual([
      "2026-03-01:exposed:treatment:9",
      "2026-03-01:itt:control:10",
      "2026-03-01:itt:treatment:11",
      "2026-03-02:exposed:treatment:19",
      "2026-03-02:itt:control:20",
      "2026-03-02:itt:treatment:21",
    ]);
    const daily = await reader.exposureQualityDaily(["exp'1"]);
    expect([...daily.keys()]).toEqual(["exp'1"]);
    expect(daily.get("exp'1")?.map((d) => [d.date_day, d.exposed_units])).toEqual([
      ["2026-03-01", 3],
      ["2026-03-02", 4],
    ]);
    const aggregates = await reader.variantAggregates({ dt: "2026-03-02", experimentId: "exp'1" });
    expect(aggregates).toEqual([
      {
        experiment_id: "exp'1",
        metric_id: "orders",
        analysis_mode: "itt",
        variation_id: "control",
        n: 20,
        sum_value: 5,
        sum_value_sq: 7,
        sum_den: null,
        sum_den_sq: null,
        sum_value_den: null,
      },
    ]);
    expect(await reader.variantAggregates({ dt: "2026-03-01" })).toEqual([]);
    expect((await reader.qualityReport())?.dt).toBe("2026-03-02");
    expect(await reader.qualityReport("2026-03-01")).toBeNull();
    expect(await reader.segmentResults({ experimentId: "exp'1" })).toBeNull();
  });
});
