import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  applyDefinitions,
  createPgliteDatabase,
  DefinitionsError,
  migrate,
  readDefinitionsDir,
  withTeam,
} from "../src/index.js";
import { listFlags, listMetricDefinitions, listSegments } from "../src/registry/definition-store.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "assay-defs-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const metricsYaml = `
metrics:
  - key: conversion_7d
    name: Purchase conversion
    type: conversion
    event: purchase
    window_days: 7
  - key: revenue_7d
    type: sum
    event: purchase
    window_days: 7
    cuped_pre_days: 14
`;
const flagsYaml = `
segments:
  - key: beta
    condition: { attribute: beta, op: eq, value: true }
flags:
  - key: new_checkout_copy
    type: string
    default_value: Buy
    variation_value: Buy now
    enabled: true
    rollout_percentage: 20
    targeting: { include_segments: [beta], exclude_segments: [], condition: null }
    dependencies: [{ flag_key: new_checkout, value: true }]
  - key: new_checkout
    type: boolean
    default_value: false
    enabled: true
    rollout_percentage: 50
`;

async function errorOf(files: Record<string, string>): Promise<DefinitionsError> {
  const dir = await folder(files);
  const error = await readDefinitionsDir(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DefinitionsError);
  return error as DefinitionsError;
}

describe("metrics as code", () => {
  it("refuses a bad file with its name and the key path", async () => {
    const bad = await errorOf({
      "a.yaml": metricsYaml
        .replace(
          "window_days: 7\n  - key: revenue_7d",
          "window_days: 7\n  - key: revenue_7d\n    window_days: -3\n    x: 1",
        )
        .replace("    window_days: 7\n    cuped", "    cuped"),
    });
    expect(bad.file).toMatch(/a\.yaml$/);
    expect(bad.message).toContain("metrics[1].window_days");
    const twice = await errorOf({ "a.yaml": metricsYaml, "b.yml": metricsYaml });
    expect(twice.message).toMatch(
      /b\.yml: metrics\[0\]\.key: 'conversion_7d' is already defined at a\.yaml metrics\[0\]/,
    );
    const condition = await errorOf({
      "s.yaml": "segments:\n  - key: x\n    condition: { attribute: a, op: nope, value: 1 }\n",
    });
    expect(condition.message).toMatch(/s\.yaml: segments\[0\]\.condition/);
    const yaml = await errorOf({ "y.yaml": "metrics: [\n" });
    expect(yaml.message).toMatch(/y\.yaml: invalid YAML/);
    const type = await errorOf({
      "t.yaml": "flags:\n  - key: f\n    type: boolean\n    default_value: 1\n    rollout_percentage: 140\n",
    });
    expect(type.message).toContain("flags[0].rollout_percentage");
  });

  it("writes definitions into the team's registry, flags after their prerequisites, and leaves unchanged ones alone", async () => {
    const dir = await folder({
      "metrics.yaml": metricsYaml,
      "flags.yaml": flagsYaml,
      "notes.txt": "ignored",
    });
    const definitions = await readDefinitionsDir(dir);
    const db = await createPgliteDatabase();
    await migrate(db);
    expect(await applyDefinitions(db, "growth", definitions)).toBe(5);
    const stored = await withTeam(db, "growth", async (tx) => ({
      metrics: await listMetricDefinitions(tx),
      segments: await listSegments(tx),
      flags: await listFlags(tx),
    }));
    expect(stored.metrics.map((m) => [m.key, m.source])).toEqual([
      ["conversion_7d", "code"],
      ["revenue_7d", "code"],
    ]);
    expect(stored.segments.map((s) => s.key)).toEqual(["beta"]);
    expect(stored.flags.find((f) => f.key === "new_checkout_copy")).toMatchObject({
      rollout_percentage: 20,
      variation_value: "Buy now",
      owner_team: "growth",
    });
    const { rows: audit } = await db.query<{ actor: string }>("select actor from audit_log");
    expect(audit.map((a) => a.actor)).toContain("definitions:flags.yaml");
    expect(await applyDefinitions(db, "growth", definitions)).toBe(0);
    const changed = await readDefinitionsDir(
      await folder({ "metrics.yaml": metricsYaml.replace("cuped_pre_days: 14", "cuped_pre_days: 28") }),
    );
    expect(await applyDefinitions(db, "growth", changed)).toBe(1);
    // Metric definitions are shared: an identical one owned by growth is left alone, a different one is refused.
    const clash = await readDefinitionsDir(await folder({ "m.yaml": metricsYaml }));
    await expect(applyDefinitions(db, "payments", clash)).rejects.toThrow(
      /m\.yaml: metrics\[1\]\.key: metric key 'revenue_7d' is taken by another team/,
    );
    await db.close();
  }, 60_000);
});
