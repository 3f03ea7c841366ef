/** How the folder sink writes tables: CSV (the contract's files) or Parquet (large per-unit tables). */
export const outputFormats = ["csv", "parquet"] as const;
export type OutputFormat = (typeof outputFormats)[number];

export const isOutputFormat = (value: string): value is OutputFormat =>
  (outputFormats as ReadonlyArray<string>).includes(value);

/**
 * Where a run's outputs go:
 * - `folder`: the `assay analyze` outputs as CSV (sorted, UTC times `YYYY-MM-DDTHH:MM:SSZ`) or Parquet (unsorted,
 *   TIMESTAMP columns), plus `quality_report.json`, replacing the folder atomically.
 * - `lake`: every persisted model's `dt` partition, the jobs' data test logs, results and quality report.
 * - `none`: nothing is written; the model tables stay in the warehouse (tests, the server's own reads).
 */
export type PipelineSink =
  | { readonly kind: "folder"; readonly dir: string; readonly format?: OutputFormat }
  | { readonly kind: "lake"; readonly lake: string; readonly dt: string }
  | { readonly kind: "none" };
