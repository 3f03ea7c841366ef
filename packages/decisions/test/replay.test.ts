// assay decide --replay (decisions-contract.md): errors per history naming the field, the CLI's output and exit
// codes, and the snapshot fast path held to the schema's answers by a property test.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { createSeededRandom } from "@assay/stats";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { policySnapshotSchema, replayHistory, replayLine, simulateHistory } from "../src/index.js";
import { admitSnapshot } from "../src/snapshot-admission.js";

const root = join(import.meta.dirname, "../../..");
const history = (runs = 24) => simulateHistory({ id: "h", runs }, createSeededRandom(3));

describe("replayHistory", () => {
  it("answers the contract's summary line and, with trace, every run's reason codes", () => {
    const out = replayHistory(history(), { trace: true });
    expect(out).toMatchObject({ id: "h", runs: 24, fail_closed_at: null, srm_alert_at: null });
    if ("error" in out) throw new Error(out.error);
    expect(out.decisions).toHaveLength(24);
    expect(out.decisions?.[0]?.reasons.map((r) => r.code)).toContain("srm_ok");
  });

  it("names the field of bad input, per history", () => {
    const h = history(3);
    const bad = (patch: (x: ReturnType<typeof history>) => unknown) => {
      const copy = structuredClone(h);
      patch(copy);
      const out = replayHistory(copy);
      return "error" in out ? out.error : "no error";
    };
    expect(bad((x) => (x.snapshots[1]!.units = { control: 1, nobody: 2 }))).toBe(
      "snapshots[1].units.nobody: unknown variant",
    );
    expect(bad((x) => (x.snapshots[2]!.at = "2026-01-01T00:00:00Z"))).toMatch(
      /^snapshots\[2\]\.at: must not be earlier/,
    );
    expect(
      bad(
        (x) =>
          delete (x.snapshots[0]!.metrics as Record<string, Record<string, unknown>>).conversion!.treatment,
      ),
    ).toBe("snapshots[0].metrics.conversion.treatment: missing arm");
    expect(
      bad(
        (x) =>
          ((x.snapshots[0]!.metrics as Record<string, Record<string, { n: number }>>).conversion!.control!.n =
            -1),
      ),
    ).toMatch(/^snapshots\[0\]\.metrics\.conversion\.control\.n: /);
    expect(bad((x) => (x.snapshots[0]!.at = "2026-02-30T10:00:00Z"))).toMatch(/^snapshots\[0\]\.at: /);
    expect(bad((x) => ((x.experiment.variants as Array<{ control?: boolean }>)[0]!.control = false))).toBe(
      "experiment.variants: needs exactly one control variant",
    );
    expect(replayLine("{oops", 7)).toMatchObject({
      id: null,
      error: expect.stringMatching(/^line 7: not valid JSON/),
    });
  });
});

describe("snapshot admission: the fast path agrees with the schema", () => {
  const key = fc.oneof(
    fc.constantFrom("control", "treatment", "conversion", "revenue"),
    fc.string({ maxLength: 4 }),
  );
  const num = fc.oneof(fc.integer({ min: -3, max: 1000 }), fc.double({ noNaN: false }), fc.constant(0));
  const arm = fc.oneof(
    fc.record({ n: num, sum: num, sum_squares: num }),
    fc.record({
      n: num,
      sum_num: num,
      sum_num_squares: num,
      sum_den: num,
      sum_den_squares: num,
      sum_num_den: num,
    }),
    fc.dictionary(fc.constantFrom("n", "sum", "sum_squares", "sum_den", "x"), num),
  );
  const snapshot = fc.record(
    {
      at: fc.oneof(
        fc.constantFrom(
          "2026-02-01T01:00:00Z",
          "2026-02-29T01:00:00Z",
          "2024-02-29T23:59:59.5+02:00",
          "2026-02-01T24:00:00Z",
        ),
        fc.string({ unit: "binary", maxLength: 30 }),
      ),
      units: fc.dictionary(key, num, { maxKeys: 3 }),
      metrics: fc.dictionary(key, fc.dictionary(key, arm, { maxKeys: 3 }), { maxKeys: 3 }),
      data_quality: fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
    },
    { requiredKeys: ["at", "units"] },
  );

  it("accepts exactly what policySnapshotSchema accepts, with the same data", () => {
    fc.assert(
      fc.property(snapshot, (s) => {
        const fast = admitSnapshot(s);
        const schema = policySnapshotSchema.safeParse(s);
        expect(fast.success).toBe(schema.success);
        if (fast.success && schema.success) expect(fast.data).toEqual(schema.data);
      }),
      { numRuns: 2000, seed: 20261206 },
    );
  });
});

describe("assay decide --replay as a child process", () => {
  const run = (args: string[], input: string) =>
    spawnSync(process.execPath, [join(root, "packages/cli/bin/assay.mjs"), "decide", ...args], {
      input,
      encoding: "utf8",
      cwd: root,
      timeout: 60_000,
    });

  it("writes one line per history, the same as the function the server calls, exit 0", () => {
    const lines = [0, 1].map((i) =>
      JSON.stringify(simulateHistory({ id: `h-${i}`, runs: 12 }, createSeededRandom(i))),
    );
    const r = run(["--replay"], `${lines.join("\n")}\n`);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out).toEqual(lines.map((l, i) => replayLine(l, i + 1)));
  });

  it("exits 1 when a history has an error (the others still run) and 2 for a line that is not JSON", () => {
    const good = JSON.stringify(simulateHistory({ id: "ok", runs: 2 }, createSeededRandom(1)));
    const bad = JSON.stringify({ id: "bad", experiment: {}, snapshots: [] });
    const one = run(["--replay", "-"], `${good}\n${bad}\n`);
    expect(one.status).toBe(1);
    expect(
      one.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual(["ok", "bad"]);
    expect(one.stderr).toMatch(/^assay: 1 of 2 histories have an error/);
    expect(run(["--replay"], `${good}\nnot json\n`).status).toBe(2);
    expect(run(["--replay", "/nonexistent/histories.jsonl"], "").status).toBe(2);
  });
});
