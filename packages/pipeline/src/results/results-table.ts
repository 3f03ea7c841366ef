import type { Dialect } from "../sql/dialect.js";
import type { Engine } from "../sql/engine.js";
import { type ResultRow, resultColumns } from "./compute-results.js";
import { type SegmentResultRow, segmentResultColumns } from "./compute-segment-results.js";

const textColumns = new Set<string>([
  "experiment_id",
  "metric_id",
  "analysis_mode",
  "segment_attribute",
  "segment_value",
  "variation_id",
  "cuped_thetas",
  "step_units",
]);

const countColumns = new Set<string>(["n_users", "n_values", "excluded_units"]);

/**
 * Compiles a results table from computed rows (doubles printed round-trip exact; NaN/∞ become NULL): by default
 * `fct_experiment_results`' columns, or the given ones (`segmentResultColumns`).
 */
export function compileResultsTable<Row extends ResultRow>(
  rows: ReadonlyArray<Row>,
  dialect: Dialect,
  columns: ReadonlyArray<keyof Row & string> = resultColumns,
): string {
  const f = dialect.functions;
  const literal = (column: string, value: unknown) => {
    if (column === "is_control") return f.bool(value === true);
    if (column === "cuped_applied") return value === null ? f.nullOf("boolean") : f.bool(value === true);
    if (countColumns.has(column)) {
      return typeof value === "number" ? f.cast(String(value), "bigint") : f.nullOf("bigint");
    }
    if (!textColumns.has(column)) {
      return typeof value === "number" && Number.isFinite(value)
        ? f.cast(String(value), "double")
        : f.nullOf("double");
    }
    return value === null ? f.nullOf("text") : f.cast(f.string(String(value)), "text");
  };
  if (rows.length === 0) {
    return `SELECT ${columns.map((c) => `${literal(c, c === "is_control" ? false : c === "n_users" ? 0 : null)} AS ${c}`).join(", ")} WHERE 1 = 0`;
  }
  return rows
    .map((row) => `SELECT ${columns.map((c) => `${literal(c, row[c] ?? null)} AS ${c}`).join(", ")}`)
    .join("\nUNION ALL\n");
}

/** Rows per statement: one UNION ALL of every row of a thousand experiments (16,000 SELECTs) took DuckDB past 20 GB. */
const ROWS_PER_STATEMENT = 250;

/** Creates `table` from the rows in chunks: the first chunk creates it, the others are inserted. */
async function materializeInChunks<Row extends ResultRow>(
  engine: Engine,
  dialect: Dialect,
  table: string,
  rows: ReadonlyArray<Row>,
  columns?: ReadonlyArray<keyof Row & string>,
): Promise<void> {
  const f = dialect.functions;
  const chunk = (i: number) => rows.slice(i, i + ROWS_PER_STATEMENT);
  await engine.run(f.createTableAs(table, compileResultsTable(chunk(0), dialect, columns)));
  for (let i = ROWS_PER_STATEMENT; i < rows.length; i += ROWS_PER_STATEMENT) {
    await engine.run(`INSERT INTO ${f.ident(table)} ${compileResultsTable(chunk(i), dialect, columns)}`);
  }
}

/** Materializes the result rows as the `fct_experiment_results` table. */
export async function materializeResults(
  engine: Engine,
  dialect: Dialect,
  rows: ReadonlyArray<ResultRow>,
): Promise<void> {
  await materializeInChunks(engine, dialect, "fct_experiment_results", rows);
}

/** Materializes per-segment result rows as the `fct_experiment_results_by_segment` table. */
export async function materializeSegmentResults(
  engine: Engine,
  dialect: Dialect,
  rows: ReadonlyArray<SegmentResultRow>,
): Promise<void> {
  await materializeInChunks(engine, dialect, "fct_experiment_results_by_segment", rows, segmentResultColumns);
}
