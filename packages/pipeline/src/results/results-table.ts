import type { Dialect } from "../dialect/dialect.js";
import type { Engine } from "../engine/engine.js";
import { type ResultRow, resultColumns } from "./compute-results.js";

const numericColumns = new Set<string>(
  resultColumns.filter(
    (c) =>
      !["experiment_id", "metric_id", "analysis_mode", "variation_id", "is_control", "n_users"].includes(c),
  ),
);

/** Compiles `fct_experiment_results` from computed rows (doubles printed round-trip exact; NaN/∞ become NULL). */
export function compileResultsTable(rows: ReadonlyArray<ResultRow>, dialect: Dialect): string {
  const f = dialect.functions;
  const literal = (column: keyof ResultRow, value: ResultRow[keyof ResultRow]) => {
    if (column === "is_control") return f.bool(value === true);
    if (column === "n_users") return f.cast(String(value), "bigint");
    if (numericColumns.has(column)) {
      return typeof value === "number" && Number.isFinite(value)
        ? f.cast(String(value), "double")
        : f.nullOf("double");
    }
    return f.cast(f.string(String(value)), "text");
  };
  if (rows.length === 0) {
    return `SELECT ${resultColumns.map((c) => `${literal(c, c === "is_control" ? false : c === "n_users" ? 0 : null)} AS ${c}`).join(", ")} WHERE 1 = 0`;
  }
  return rows
    .map((row) => `SELECT ${resultColumns.map((c) => `${literal(c, row[c] ?? null)} AS ${c}`).join(", ")}`)
    .join("\nUNION ALL\n");
}

/** Materializes the result rows as the `fct_experiment_results` table. */
export async function materializeResults(
  engine: Engine,
  dialect: Dialect,
  rows: ReadonlyArray<ResultRow>,
): Promise<void> {
  await engine.run(
    dialect.functions.createTableAs("fct_experiment_results", compileResultsTable(rows, dialect)),
  );
}
