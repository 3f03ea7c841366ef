// `assay stats` against fixtures/reference/stats-public.json (scipy 1.10.1, statsmodels 0.13.5, R rpact 3.3.4), with the contract's tolerances.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runStatsRequest } from "../src/commands/stats-command.js";

interface ReferenceCase {
  readonly request: { readonly id: string; readonly kind: string } & Record<string, unknown>;
  readonly expect: Record<string, unknown>;
}

const root = join(import.meta.dirname, "../../..");
const { cases } = JSON.parse(readFileSync(join(root, "fixtures/reference/stats-public.json"), "utf8")) as {
  cases: ReferenceCase[];
};
const bin = join(root, "packages/cli/bin/assay.mjs");

/** stats-contract.md, "Reference answers". */
function withinTolerance(kind: string, field: string, want: unknown, got: unknown): boolean {
  if (typeof want !== "number") return got === want;
  if (typeof got !== "number") return false;
  if (field === "n_per_variant") return got === want;
  if (field === "z_bounds") return Math.abs(got - want) <= 1e-3;
  if (kind === "bayes_binomial" || field === "alpha_spent_cumulative") return Math.abs(got - want) <= 1e-6;
  return Math.abs(got - want) <= Math.max(1e-12, 1e-6 * Math.abs(want));
}

function mismatches(c: ReferenceCase, result: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [field, want] of Object.entries(c.expect)) {
    const got = result[field];
    const wants = Array.isArray(want) ? want : [want];
    const gots = Array.isArray(got) ? got : [got];
    if (wants.length !== gots.length) problems.push(`${c.request.id}.${field}: length ${gots.length}`);
    wants.forEach((w, i) => {
      if (!withinTolerance(c.request.kind, field, w, gots[i])) {
        problems.push(`${c.request.id}.${field}[${i}]: expected ${String(w)}, got ${String(gots[i])}`);
      }
    });
  }
  return problems;
}

function runAssay(args: string[], input: string) {
  return spawnSync(process.execPath, [bin, ...args], { input, encoding: "utf8", cwd: root, timeout: 60_000 });
}

describe("assay stats as a child process", () => {
  it("answers every public reference case within tolerance, in order, exit 0", () => {
    const run = runAssay(["stats"], JSON.stringify({ tests: cases.map((c) => c.request) }));
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const { results } = JSON.parse(run.stdout) as { results: Record<string, unknown>[] };
    expect(results.map((r) => r.id)).toEqual(cases.map((c) => c.request.id));
    expect(results.map((r) => r.kind)).toEqual(cases.map((c) => c.request.kind));
    expect(cases.flatMap((c, i) => mismatches(c, results[i] ?? {}))).toEqual([]);
    expect(new Set(cases.map((c) => c.request.kind)).size).toBe(8);
  });

  it("answers every public confidence-sequence case (closed form, stats-contract.md) within tolerance", () => {
    // fixtures/reference/stats-confidence-sequence-public.json: Python 3.11 stdlib math, see PROVENANCE.md.
    const cs = JSON.parse(
      readFileSync(join(root, "fixtures/reference/stats-confidence-sequence-public.json"), "utf8"),
    ) as { cases: ReferenceCase[] };
    const run = runAssay(["stats"], JSON.stringify({ tests: cs.cases.map((c) => c.request) }));
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const { results } = JSON.parse(run.stdout) as { results: Record<string, unknown>[] };
    expect(cs.cases.length).toBeGreaterThanOrEqual(16);
    expect(results.map((r) => r.id)).toEqual(cs.cases.map((c) => c.request.id));
    expect(cs.cases.flatMap((c, i) => mismatches(c, results[i] ?? {}))).toEqual([]);
  });

  it("answers every public metrics-contract case (quantile, regression_adjusted, ratio_cuped) within tolerance", () => {
    // fixtures/reference/stats-metrics-public.json: numpy 1.24 / scipy 1.10 from unit-level data, see PROVENANCE.md.
    const metrics = JSON.parse(
      readFileSync(join(root, "fixtures/reference/stats-metrics-public.json"), "utf8"),
    ) as {
      cases: ReferenceCase[];
    };
    const run = runAssay(["stats"], JSON.stringify({ tests: metrics.cases.map((c) => c.request) }));
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const { results } = JSON.parse(run.stdout) as { results: Record<string, unknown>[] };
    expect(new Set(metrics.cases.map((c) => c.request.kind))).toEqual(
      new Set(["quantile", "regression_adjusted", "ratio_cuped"]),
    );
    expect(metrics.cases.flatMap((c, i) => mismatches(c, results[i] ?? {}))).toEqual([]);
  });

  it("exits 2 with a one-line message on stderr for unreadable JSON", () => {
    const run = runAssay(["stats"], "{ not json");
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^assay: the request is not valid JSON/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 1 when a test is invalid, still answering the others", () => {
    const request = {
      tests: [
        {
          id: "bad",
          kind: "mean",
          control: { n: 1, sum: 1, sum_squares: 1 },
          treatment: { n: 5, sum: 1, sum_squares: 1 },
        },
        { id: "ok", kind: "adjust", method: "bh", p_values: [0.01, 0.02] },
      ],
    };
    const run = runAssay(["stats", "-"], JSON.stringify(request));
    expect(run.status).toBe(1);
    const { results } = JSON.parse(run.stdout) as { results: Record<string, unknown>[] };
    expect(results[0]).toEqual({ id: "bad", kind: "mean", error: expect.stringMatching(/^control\.n: /) });
    expect(results[1]?.adjusted).toEqual([0.02, 0.02]);
  });
});

describe("runStatsRequest", () => {
  const errorOf = (test: Record<string, unknown>) => runStatsRequest({ tests: [test] }).results[0]?.error;

  it("names the field for shape errors and domain errors", () => {
    const arm = { n: 10, sum: 1, sum_squares: 1 };
    expect(errorOf({ id: "a", kind: "mean", control: arm })).toMatch(/^treatment: /);
    expect(errorOf({ id: "a", kind: "mean", control: arm, treatment: { ...arm, sum: "1" } })).toMatch(
      /^treatment\.sum: /,
    );
    expect(errorOf({ id: "a", kind: "mean", alpha: 1.5, control: arm, treatment: arm })).toMatch(/^alpha: /);
    expect(errorOf({ id: "a", kind: "srm", observed: [10, -1], expected_weights: [1, 1] })).toMatch(
      /^observed\[1\]: /,
    );
    expect(errorOf({ id: "a", kind: "srm", observed: [10, 10], expected_weights: [1, 0] })).toMatch(
      /^expected_weights\[1\]: /,
    );
    expect(errorOf({ id: "a", kind: "adjust", method: "holm", p_values: [0.1, "x"] })).toMatch(
      /^p_values\[1\]: /,
    );
    expect(errorOf({ id: "a", kind: "sample_size", baseline_rate: 0.1, mde_abs: 0.01, power: 1 })).toMatch(
      /^power: /,
    );
    expect(errorOf({ id: "a", kind: "unknown" })).toMatch(/^kind: /);
    expect(
      errorOf({
        id: "a",
        kind: "sequential_bounds",
        method: "pocock_spending",
        information_fractions: [0.5, 0.4],
      }),
    ).toMatch(/^information_fractions\[1\]: /);
  });

  it("rejects a request that is not {tests: [...]}", () => {
    expect(() => runStatsRequest({ test: [] })).toThrow(/"tests"/);
  });

  it("maps one-sided infinite bounds to null", () => {
    const arm = { n: 100, sum: 10, sum_squares: 10 };
    const [result] = runStatsRequest({
      tests: [
        {
          id: "g",
          kind: "mean",
          alternative: "greater",
          control: arm,
          treatment: { ...arm, sum: 20, sum_squares: 20 },
        },
      ],
    }).results;
    expect(result?.ci_high).toBeNull();
    expect(typeof result?.ci_low).toBe("number");
  });
});
