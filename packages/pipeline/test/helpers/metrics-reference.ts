import { readFileSync } from "node:fs";
import { join } from "node:path";
import { closeEnough } from "./reference.js";

/** The independent reference of docs/metrics.md (fixtures/reference/metrics-pipeline, numpy/scipy). */
export const metricsReferenceDir = join(
  import.meta.dirname,
  "../../../../fixtures/reference/metrics-pipeline",
);
export const metricsReferenceInputDir = join(metricsReferenceDir, "input");

type Fields = Record<string, unknown>;

interface MetricsExpectation {
  readonly experiments: Record<
    string,
    Record<string, Record<string, Fields & { variations: Record<string, Fields> }>>
  >;
}

/** Result-row columns whose name differs from the reference's field, and how the row holds them. */
const column: Record<string, { name: string; parse?: (value: unknown) => unknown }> = {
  se: { name: "quantile_se" },
  cuped_theta: { name: "cuped_thetas", parse: (v) => (typeof v === "string" ? JSON.parse(v) : v) },
  step_units: { name: "step_units", parse: (v) => (typeof v === "string" ? JSON.parse(v) : v) },
};

function same(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((value, i) => same(actual[i], value))
    );
  }
  if (typeof expected === "number") {
    const value = typeof actual === "bigint" ? Number(actual) : actual;
    if (typeof value !== "number") return false;
    return Number.isInteger(expected) && Math.abs(expected) > 1
      ? value === expected
      : closeEnough(value, expected);
  }
  return actual === expected;
}

/**
 * Compares result rows (`fct_experiment_results` as objects) with every field of the metrics reference: counts
 * exact, numbers to relative 1e-6; `cap_value` and `covariate_cap_value` on every variation's row. Returns each
 * mismatch as text and how many fields were checked, optionally only for some metric ids.
 * @example const { mismatches } = compareWithMetricsReference(analysis.results);
 */
export function compareWithMetricsReference(
  rows: ReadonlyArray<Record<string, unknown>>,
  only?: (metricId: string) => boolean,
): { mismatches: string[]; checked: number; metrics: ReadonlySet<string> } {
  const expected = JSON.parse(
    readFileSync(join(metricsReferenceDir, "expected.json"), "utf8"),
  ) as MetricsExpectation;
  const index = new Map(
    rows.map((r) => [`${r.experiment_id}/${r.metric_id}/${r.analysis_mode}/${r.variation_id}`, r]),
  );
  const mismatches: string[] = [];
  let checked = 0;
  const seen = new Set<string>();
  for (const [experiment, metrics] of Object.entries(expected.experiments)) {
    for (const [metric, modes] of Object.entries(metrics)) {
      if (only && !only(metric)) continue;
      seen.add(metric);
      for (const [mode, entry] of Object.entries(modes)) {
        const { variations, ...perMetric } = entry;
        for (const [variation, fields] of Object.entries(variations)) {
          const key = `${experiment}/${metric}/${mode}/${variation}`;
          const row = index.get(key);
          if (!row) {
            mismatches.push(`${key}: no result row`);
            continue;
          }
          for (const [field, want] of Object.entries({ ...perMetric, ...fields })) {
            const spec = column[field] ?? { name: field };
            // One covariate: θ is `cuped_theta`; `cuped_thetas` lists them only with `cuped_covariates`.
            const raw =
              field === "cuped_theta" && row.cuped_thetas == null
                ? row.cuped_theta == null
                  ? null
                  : JSON.stringify([row.cuped_theta])
                : (row[spec.name] ?? null);
            const actual = spec.parse ? spec.parse(raw) : raw;
            checked++;
            if (!same(actual, want)) {
              mismatches.push(`${key}.${field}: ${JSON.stringify(actual)} != ${JSON.stringify(want)}`);
            }
          }
        }
      }
    }
  }
  return { mismatches, checked, metrics: seen };
}
