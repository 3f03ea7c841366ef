import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createDuckDbEngine, sqlString } from "../../src/index.js";

export const referenceDir = join(import.meta.dirname, "../../../../fixtures/reference/pipeline-public");
export const referenceInputDir = join(referenceDir, "input");

export interface ReferenceExpectation {
  readonly duplicate_event_rows: number;
  readonly experiments: Record<string, Record<string, number>>;
  readonly units: Record<string, Record<string, Record<string, unknown>>>;
  readonly results: ReadonlyArray<Record<string, unknown>>;
}

export function readExpected(): ReferenceExpectation {
  return JSON.parse(readFileSync(join(referenceDir, "expected.json"), "utf8")) as ReferenceExpectation;
}

/** Relative 1e-6 (absolute 1e-12 near zero), as the contract says. */
export function closeEnough(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= Math.max(1e-6 * Math.abs(expected), 1e-12);
}

/** Reads an output CSV of `assay analyze` back as typed rows (via DuckDB's CSV reader). */
export async function readCsvRows(path: string): Promise<Record<string, unknown>[]> {
  const engine = await createDuckDbEngine();
  try {
    return await engine.query(
      `SELECT * FROM read_csv(${sqlString(path)}, header = true, all_varchar = true)`,
    );
  } finally {
    await engine.close();
  }
}

/** Compares an analyze output folder with expected.json; returns every mismatch as text (empty = pass). */
export async function compareWithReference(
  outDir: string,
): Promise<{ mismatches: string[]; checked: number }> {
  const expected = readExpected();
  const mismatches: string[] = [];
  let checked = 0;
  const quality = JSON.parse(readFileSync(join(outDir, "quality_report.json"), "utf8")) as {
    duplicate_event_rows: number;
    experiments: Record<string, Record<string, number>>;
  };
  checked++;
  if (quality.duplicate_event_rows !== expected.duplicate_event_rows) {
    mismatches.push(
      `duplicate_event_rows ${quality.duplicate_event_rows} != ${expected.duplicate_event_rows}`,
    );
  }
  for (const [experiment, fields] of Object.entries(expected.experiments)) {
    for (const [field, value] of Object.entries(fields)) {
      checked++;
      const actual = quality.experiments[experiment]?.[field];
      const ok = field.startsWith("srm_p_value")
        ? typeof actual === "number" && closeEnough(actual, value)
        : actual === value;
      if (!ok) mismatches.push(`quality ${experiment}.${field}: ${actual} != ${value}`);
    }
  }

  const units = await readCsvRows(join(outDir, "int_experiment_exposure_validation.csv"));
  const unitIndex = new Map(units.map((u) => [`${u.experiment_id}/${u.user_id}`, u]));
  let expectedUnits = 0;
  for (const [experiment, byUser] of Object.entries(expected.units)) {
    for (const [user, fields] of Object.entries(byUser)) {
      expectedUnits++;
      const row = unitIndex.get(`${experiment}/${user}`);
      if (!row) {
        mismatches.push(`unit ${experiment}/${user} missing`);
        continue;
      }
      for (const [field, value] of Object.entries(fields)) {
        checked++;
        const actual = row[field] ?? null;
        const want = value === null ? null : String(value);
        if (actual !== want) mismatches.push(`unit ${experiment}/${user}.${field}: ${actual} != ${want}`);
      }
    }
  }
  checked++;
  if (units.length !== expectedUnits) mismatches.push(`unit rows ${units.length} != ${expectedUnits}`);

  const results = await readCsvRows(join(outDir, "fct_experiment_results.csv"));
  const key = (r: Record<string, unknown>) =>
    `${r.experiment_id}/${r.metric_id}/${r.analysis_mode}/${r.variation_id}`;
  const resultIndex = new Map(results.map((r) => [key(r), r]));
  checked++;
  if (results.length !== expected.results.length) {
    mismatches.push(`result rows ${results.length} != ${expected.results.length}`);
  }
  // The contract's columns (those the reference names); docs/metrics.md's are checked by metrics-reference.ts.
  const contractColumns = new Set(expected.results.flatMap((r) => Object.keys(r)));
  for (const want of expected.results) {
    const row = resultIndex.get(key(want));
    if (!row) {
      mismatches.push(`result ${key(want)} missing`);
      continue;
    }
    for (const column of Object.keys(row).filter((c) => contractColumns.has(c))) {
      checked++;
      const value = want[column];
      const actual = row[column] ?? null;
      if (value === undefined || value === null) {
        if (actual !== null) mismatches.push(`result ${key(want)}.${column}: ${actual} should be empty`);
      } else if (typeof value === "number" && !Number.isInteger(value)) {
        if (actual === null || !closeEnough(Number(actual), value)) {
          mismatches.push(`result ${key(want)}.${column}: ${actual} != ${value}`);
        }
      } else if (String(actual) !== String(value)) {
        mismatches.push(`result ${key(want)}.${column}: ${actual} != ${value}`);
      }
    }
    for (const column of Object.keys(want)) {
      if (!(column in row)) mismatches.push(`result column ${column} missing from output`);
    }
  }
  return { mismatches, checked };
}
