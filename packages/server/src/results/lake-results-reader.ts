import {
  createDuckDbEngine,
  latestResultsDt,
  listPartitions,
  partitionFiles,
  sqlString,
} from "@assay/pipeline";

/** One row of `fct_experiment_exposure_quality_daily` (the dashboard's "exposure health per day"). */
export interface ExposureQualityDay {
  readonly date_day: string;
  readonly assigned_units: number;
  readonly exposed_units: number;
  readonly exposure_rate: number | null;
  readonly exposure_rows: number;
  readonly valid_exposure_rows: number;
  readonly orphan_exposure_rows: number;
  readonly pre_assignment_exposure_units: number;
  readonly variant_mismatch_units: number;
  readonly multi_variation_exposure_units: number;
  readonly exposure_outside_window_units: number;
}

/** The comparison columns of one `fct_experiment_results` row of one results partition. */
export interface PartitionResultRow {
  readonly dt: string;
  readonly experiment_id: string;
  readonly metric_id: string;
  readonly analysis_mode: "itt" | "exposed";
  readonly variation_id: string;
  readonly is_control: boolean;
  readonly n_users: number;
  readonly uplift_abs: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
}

const fileList = (files: ReadonlyArray<string>): string => `[${files.map(sqlString).join(", ")}]`;

/**
 * Reads from the lake, in one DuckDB session: the cumulative results rows of every results partition
 * (one per `dt`, each covering the data up to the end of that day) and the latest partition's daily
 * exposure health, for the given experiments.
 * @example const { results, exposureDaily } = await readLakeHistory(lake, ["exp_checkout"]);
 */
export async function readLakeHistory(
  lake: string,
  experimentIds: ReadonlyArray<string>,
): Promise<{ results: PartitionResultRow[]; exposureDaily: Map<string, ExposureQualityDay[]> }> {
  const ids = experimentIds.map(sqlString).join(", ");
  const exposureDaily = new Map<string, ExposureQualityDay[]>();
  if (experimentIds.length === 0) return { results: [], exposureDaily };
  const parts = listPartitions(lake, "gold", "fct_experiment_results").flatMap((dt) =>
    partitionFiles(lake, "gold", "fct_experiment_results", dt).map((file) => ({ dt, file })),
  );
  const latest = latestResultsDt(lake);
  const dailyFiles =
    latest === null ? [] : partitionFiles(lake, "gold", "fct_experiment_exposure_quality_daily", latest);
  if (parts.length === 0 && dailyFiles.length === 0) return { results: [], exposureDaily };
  const engine = await createDuckDbEngine({ threads: 1 });
  try {
    const byDt = new Map<string, string[]>();
    for (const p of parts) byDt.set(p.dt, [...(byDt.get(p.dt) ?? []), p.file]);
    const selects = [...byDt].map(
      ([dt, files]) =>
        `SELECT ${sqlString(dt)} AS dt, experiment_id, metric_id, analysis_mode, variation_id, is_control, n_users, uplift_abs, ci_low, ci_high
         FROM read_parquet(${fileList(files)}, hive_partitioning = false, union_by_name = true) WHERE experiment_id IN (${ids})`,
    );
    const results =
      selects.length === 0
        ? []
        : await engine.query<PartitionResultRow & Record<string, unknown>>(
            `${selects.join(" UNION ALL ")} ORDER BY dt, experiment_id, metric_id, analysis_mode, variation_id`,
          );
    if (dailyFiles.length > 0) {
      const rows = await engine.query<
        ExposureQualityDay & { experiment_id: string } & Record<string, unknown>
      >(
        `SELECT * EXCLUDE (date_day), CAST(date_day AS VARCHAR) AS date_day
         FROM read_parquet(${fileList(dailyFiles)}, hive_partitioning = false, union_by_name = true)
         WHERE experiment_id IN (${ids}) ORDER BY experiment_id, date_day`,
      );
      for (const { experiment_id, ...day } of rows) {
        exposureDaily.set(experiment_id, [...(exposureDaily.get(experiment_id) ?? []), day]);
      }
    }
    return { results, exposureDaily };
  } finally {
    await engine.close();
  }
}
