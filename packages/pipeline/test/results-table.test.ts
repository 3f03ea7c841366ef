// Result rows are materialized in chunks: one statement for 16,000 rows (1,000 experiments) took DuckDB past 20 GB.
import { describe, expect, it } from "vitest";
import type { ResultRow } from "../src/results/compute-results.js";
import { materializeResults } from "../src/results/results-table.js";
import { createDuckDbEngine } from "../src/warehouses/duckdb/connection.js";
import { duckdbDialect } from "../src/warehouses/duckdb/sql-compiler.js";

const row = (i: number): ResultRow => ({
  experiment_id: `exp_${Math.floor(i / 16)}`,
  metric_id: `m${i % 4}`,
  analysis_mode: i % 2 === 0 ? "itt" : "exposed",
  variation_id: i % 8 < 4 ? "control" : "treatment",
  is_control: i % 8 < 4,
  n_users: 1000 + i,
  mean: i / 7,
  uplift_abs: i % 3 === 0 ? null : i / 1000,
  uplift_rel: Number.NaN,
  p_value_two_sided: 0.5,
  ci_low: -1,
  ci_high: 1,
  cuped_theta: null,
  cuped_uplift_abs: null,
  cuped_p_value: null,
  cuped_ci_low: null,
  cuped_ci_high: null,
  cuped_variance_reduction_pct: null,
  cuped_applied: null,
  cuped_thetas: null,
  cap_value: i % 5 === 0 ? 150 : null,
  covariate_cap_value: null,
  excluded_units: null,
  step_units: i % 7 === 0 ? "[3,2,1]" : null,
  n_values: null,
  order_lower: null,
  order_upper: null,
  quantile_se: null,
  design_effect: null,
});

describe("materializeResults", () => {
  it("writes every row of a large run exactly (chunked statements), NaN as NULL", async () => {
    const engine = await createDuckDbEngine();
    try {
      const rows = Array.from({ length: 1234 }, (_, i) => row(i));
      await materializeResults(engine, duckdbDialect, rows);
      const back = await engine.query<Record<string, unknown>>(
        "SELECT * FROM fct_experiment_results ORDER BY n_users",
      );
      expect(back).toHaveLength(rows.length);
      expect(back.map((r) => Number(r.n_users))).toEqual(rows.map((r) => r.n_users));
      expect(back[3]).toMatchObject({
        experiment_id: "exp_0",
        uplift_abs: null,
        uplift_rel: null,
        mean: 3 / 7,
      });
      expect(back.map((r) => r.is_control)).toEqual(rows.map((r) => r.is_control));
    } finally {
      await engine.close();
    }
  });
});
