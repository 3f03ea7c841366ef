// docs/metrics.md: what assay.yaml accepts for the metric types, and a failing SQL source naming its metric.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfigText, stringifyConfig } from "../src/index.js";
import { analyzeFolder } from "./helpers/analyze.js";
import { metricsReferenceInputDir } from "./helpers/metrics-reference.js";

const work = mkdtempSync(join(tmpdir(), "assay-metric-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const withMetrics = (...metrics: string[]) => `
experiments:
  - id: exp_a
    start: "2026-02-01T00:00:00Z"
    end: "2026-02-15T00:00:00Z"
    variants: [{id: control, allocation: 50, control: true}, {id: b, allocation: 50}]
    metrics: [m]
metrics:
${metrics.map((m) => `  - ${m}`).join("\n")}
`;

function issuesOf(text: string): string[] {
  try {
    parseConfigText(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe("metric types in assay.yaml", () => {
  it("accepts every type of the reference config and round-trips it through stringifyConfig", () => {
    const config = parseConfigText(readFileSync(join(metricsReferenceInputDir, "assay.yaml"), "utf8"));
    expect(new Set(config.metrics.map((m) => m.type))).toEqual(
      new Set(["sum", "count", "ratio", "quantile", "retention", "funnel"]),
    );
    expect(parseConfigText(stringifyConfig(config))).toEqual(config);
  });

  it("names the key path of each misuse", () => {
    expect(
      issuesOf(withMetrics("{id: m, type: conversion, event: e, window_days: 7, cap: {absolute: 5}}")),
    ).toEqual(["metrics[0].cap: cap applies to count, sum and ratio metrics"]);
    expect(
      issuesOf(withMetrics("{id: m, type: sum, event: e, window_days: 7, cap: {percentile: 1}}")),
    ).toHaveLength(1);
    expect(
      issuesOf(withMetrics('{id: m, type: sum, event: e, source: {sql: "select 1"}, window_days: 7}')),
    ).toEqual(["metrics[0].event: give exactly one of event or source"]);
    expect(issuesOf(withMetrics("{id: m, type: retention, event: e, from_day: 7, to_day: 7}"))).toEqual([
      "metrics[0].to_day: to_day must be greater than from_day",
    ]);
    expect(
      issuesOf(
        withMetrics(
          "{id: m, type: sum, event: e, window_days: 7, cuped_covariates: {metrics: [q]}}",
          "{id: q, type: quantile, quantile: 0.5, of: unit, event: e, window_days: 7}",
        ),
      ),
    ).toEqual([
      "metrics[0].cuped_covariates: needs cuped_pre_days",
      'metrics[0].cuped_covariates.metrics[0]: "q" is not a conversion, count or sum metric over an event',
    ]);
    expect(
      issuesOf(withMetrics("{id: m, type: quantile, quantile: 0, of: unit, event: e, window_days: 7}")),
    ).toHaveLength(1);
    expect(issuesOf(withMetrics("{id: m, type: funnel, steps: [a], window_days: 7}"))).toHaveLength(1);
  });

  it("fails a run whose SQL source does not run, naming the metric", async () => {
    const data = join(work, "data");
    cpSync(metricsReferenceInputDir, data, { recursive: true });
    const text = readFileSync(join(data, "assay.yaml"), "utf8").replace(
      "from orders where",
      "from no_such_table where",
    );
    writeFileSync(join(data, "assay.yaml"), text);
    const config = parseConfigText(text);
    await expect(analyzeFolder({ config, dataDir: data, outDir: join(work, "out") })).rejects.toThrow(
      /metric "paid_revenue_7d": its source SQL fails: .*no_such_table/,
    );
  }, 60_000);
});
