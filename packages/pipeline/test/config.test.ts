import { describe, expect, it } from "vitest";
import { ConfigError, parseConfigText, stringifyConfig } from "../src/index.js";

const valid = `
experiments:
  - id: exp_a
    start: "2026-02-01T00:00:00Z"
    end: "2026-02-15T00:00:00Z"
    variants: [{id: control, allocation: 50, control: true}, {id: b, allocation: 50}]
    metrics: [conv]
metrics:
  - {id: conv, type: conversion, event: purchase, window_days: 7}
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

describe("assay.yaml validation", () => {
  it("accepts the contract's shape and round-trips through stringifyConfig", () => {
    const config = parseConfigText(valid);
    expect(config.experiments[0]?.variants.map((v) => v.isControl)).toEqual([true, false]);
    expect(parseConfigText(stringifyConfig(config))).toEqual(config);
  });

  it("names the key path of each problem", () => {
    expect(issuesOf(valid.replace("allocation: 50, control", "allocation: 0, control"))).toEqual([
      expect.stringMatching(/^experiments\[0\]\.variants\[0\]\.allocation: /),
    ]);
    expect(issuesOf(valid.replace("metrics: [conv]", "metrics: [nope]"))).toEqual([
      'experiments[0].metrics[0]: unknown metric "nope" (not defined under metrics)',
    ]);
    expect(issuesOf(valid.replace('end: "2026-02-15T00:00:00Z"', 'end: "2026-01-15T00:00:00Z"'))).toEqual([
      "experiments[0].end: end must be after start",
    ]);
    expect(issuesOf(valid.replace(", control: true", ""))[0]).toMatch(
      /^experiments\[0\]\.variants: exactly one/,
    );
    expect(issuesOf(valid.replace("window_days: 7", "window_days: seven"))[0]).toMatch(/^metrics\[0\]/);
    expect(issuesOf("experiments: [\n")[0]).toMatch(/invalid YAML/);
  });
});
