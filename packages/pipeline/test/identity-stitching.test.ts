import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dimUserIdentity } from "../src/identity/dim-user-identity.js";
import { compileModel, duckdbDialect, parseAssayConfig } from "../src/index.js";
import { analyzeFolder } from "./helpers/analyze.js";

const configDoc = {
  experiments: [
    {
      id: "exp_login",
      start: "2026-03-01T00:00:00Z",
      end: "2026-03-15T00:00:00Z",
      variants: [
        { id: "control", allocation: 50, control: true },
        { id: "treatment", allocation: 50 },
      ],
      metrics: ["conversion_7d"],
    },
  ],
  metrics: [{ id: "conversion_7d", type: "conversion", event: "purchase", window_days: 7 }],
};

const csv = (header: string, rows: string[][]) => `${header}\n${rows.map((r) => r.join(",")).join("\n")}\n`;

/**
 * anon-1 is assigned control while anonymous, logs in as user-1, is then bucketed as user-1 into treatment
 * (the SDK re-hashes on the identity) and buys. anon-9 is claimed by two identities. anon-p has only a
 * probabilistic link to user-p.
 */
function writeData(dir: string, withIdentifies: boolean) {
  const t = (d: number, h = 10) => `2026-03-0${d}T${String(h).padStart(2, "0")}:00:00Z`;
  writeFileSync(
    join(dir, "assignments.csv"),
    csv("experiment_id,user_id,variant_id,assignment_time_utc", [
      ["exp_login", "anon-1", "control", t(2)],
      ["exp_login", "user-1", "treatment", t(2, 12)],
      ["exp_login", "b-1", "control", t(2)],
      ["exp_login", "b-2", "control", t(2)],
      ["exp_login", "c-1", "treatment", t(2)],
      ["exp_login", "c-2", "treatment", t(2)],
      ["exp_login", "anon-9", "treatment", t(3)],
      ["exp_login", "anon-p", "control", t(3)],
    ]),
  );
  writeFileSync(
    join(dir, "exposures.csv"),
    csv("experiment_id,user_id,variant_id,exposure_time_utc", [
      ["exp_login", "anon-1", "control", t(2, 11)],
      ["exp_login", "b-1", "control", t(2, 11)],
      ["exp_login", "c-1", "treatment", t(2, 11)],
    ]),
  );
  writeFileSync(
    join(dir, "events.csv"),
    csv("event_id,user_id,event_name,event_time_utc,value", [
      ["e1", "user-1", "purchase", t(3), "20"],
      ["e2", "b-1", "purchase", t(3), "5"],
      ["e3", "user-p", "purchase", t(4), "5"],
    ]),
  );
  if (withIdentifies) {
    writeFileSync(
      join(dir, "identifies.csv"),
      csv("anon_id,identity_id,identify_time_utc,confidence", [
        ["anon-1", "user-1", t(2, 12), ""],
        ["anon-1", "user-1", t(5), ""],
        ["anon-9", "user-8", t(3), ""],
        ["anon-9", "user-9", t(4), ""],
        ["anon-p", "user-p", t(4), "0.97"],
      ]),
    );
  }
}

function readCsv(path: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const keys = header!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [keys[i]!, v])));
}

describe("identity stitching (dim_user_identity)", () => {
  const root = mkdtempSync(join(tmpdir(), "assay-identity-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function analyze(name: string, withIdentifies: boolean, doc: object = configDoc) {
    const data = join(root, `${name}-in`);
    const out = join(root, `${name}-out`);
    mkdirSync(data, { recursive: true });
    writeData(data, withIdentifies);
    const analysis = await analyzeFolder({ config: parseAssayConfig(doc), dataDir: data, outDir: out });
    return { analysis, out };
  }

  it("counts an anonymous-then-identified user once, in the variant of the anonymous assignment", async () => {
    const { analysis, out } = await analyze("stitched", true);
    const units = readCsv(join(out, "fact_assignment.csv"));
    expect(units.filter((u) => u.user_id === "anon-1")).toEqual([]);
    const user1 = units.filter((u) => u.user_id === "user-1");
    expect(user1).toHaveLength(1);
    expect(user1[0]).toMatchObject({ variant_id: "control", assignment_conflict: "true" });

    const outcomes = readCsv(join(out, "fct_experiment_unit_outcomes.csv"));
    expect(outcomes.filter((o) => o.user_id === "user-1")).toEqual([
      expect.objectContaining({ variant_id: "control", value: "1.0" }),
    ]);
    const itt = analysis.results.filter((r) => r.analysis_mode === "itt");
    const n = Object.fromEntries(itt.map((r) => [r.variation_id, r.n_users]));
    expect(n).toEqual({ control: 4, treatment: 3 });
    expect(analysis.quality.experiments.exp_login?.canonical_units).toBe(7);
  });

  it("reports a stitch conflict and leaves the anonymous id unstitched", async () => {
    const { analysis, out } = await analyze("conflict", true);
    expect(analysis.quality.identity).toMatchObject({
      identify_rows: 5,
      deterministic_links: 1,
      conflicting_anon_ids: 1,
      probabilistic_links_applied: 0,
      probabilistic_links_not_applied: 1,
      conflicts: [{ anon_id: "anon-9", identity_ids: ["user-8", "user-9"] }],
    });
    const dim = readCsv(join(out, "dim_user_identity.csv"));
    expect(dim.find((d) => d.anon_id === "anon-9")).toMatchObject({ identity_id: "", method: "conflict" });
    const units = readCsv(join(out, "fact_assignment.csv")).map((u) => u.user_id);
    expect(units).toContain("anon-9");
    expect(units).not.toContain("user-8");
    expect(units).not.toContain("user-9");
  });

  it("applies a probabilistic link only when enabled and confident enough", async () => {
    const enabled = { ...configDoc, identity: { probabilistic: { enabled: true, min_confidence: 0.95 } } };
    const { analysis, out } = await analyze("probabilistic", true, enabled);
    expect(analysis.quality.identity?.probabilistic_links_applied).toBe(1);
    expect(readCsv(join(out, "dim_user_identity.csv")).find((d) => d.anon_id === "anon-p")).toMatchObject({
      identity_id: "user-p",
      method: "probabilistic",
      confidence: "0.97",
      is_applied: "true",
    });
    const outcomes = readCsv(join(out, "fct_experiment_unit_outcomes.csv"));
    expect(outcomes.find((o) => o.user_id === "user-p")).toMatchObject({
      variant_id: "control",
      value: "1.0",
    });

    const strict = { ...configDoc, identity: { probabilistic: { enabled: true, min_confidence: 0.99 } } };
    const again = await analyze("probabilistic-strict", true, strict);
    expect(again.analysis.quality.identity?.probabilistic_links_applied).toBe(0);
  });

  it("without identify rows, nothing is stitched and the report has no identity section", async () => {
    const { analysis, out } = await analyze("plain", false);
    expect(analysis.quality.identity).toBeUndefined();
    const users = readCsv(join(out, "fact_assignment.csv")).map((u) => u.user_id);
    expect(users).toContain("anon-1");
    expect(users).toContain("user-1");
  });

  it("compiles to SQL without window functions", () => {
    const sql = compileModel(dimUserIdentity, {
      dialect: duckdbDialect,
      config: parseAssayConfig(configDoc),
    });
    expect(sql).not.toMatch(/OVER\s*\(/i);
  });
});
