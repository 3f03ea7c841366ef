import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  type AssayConfig,
  createDuckDbEngine,
  lakeConfigPath,
  loadConfigFile,
  partitionDir,
  readQualityReport,
  runPipeline,
} from "@assay/pipeline";
import type { ArmStatistics } from "./metric-comparison.js";

/** What the decision engine reads for one experiment after a pipeline run. */
export interface ExperimentData {
  /** The results partition read. */
  readonly dt: string;
  /** Metric key → its kind and per-variant sufficient statistics, in the chosen analysis mode. */
  readonly metrics: ReadonlyMap<string, { readonly kind: "mean" | "ratio"; readonly arms: ArmStatistics[] }>;
  /** Cumulative canonical units per variant (intention to treat). */
  readonly unitsByVariant: Readonly<Record<string, number>>;
  /** Data-quality problems that make the result untrustworthy (failed data tests, broken exposure logging). */
  readonly dataQuality: ReadonlyArray<string>;
}

/** Where the engine gets its numbers: refresh (run the pipeline) then read. Injected into the evaluator. */
export interface ResultsSource {
  /** Runs the pipeline up to the UTC day of `now`; returns what it ran on (recorded as the run's inputs). */
  refresh(now: Date): Promise<Record<string, unknown>>;
  read(experimentKey: string, mode: "itt" | "exposed"): Promise<ExperimentData | null>;
}

/**
 * The pipeline over the server's lake (`@assay/pipeline`): `runPipeline` for the day, then the
 * `agg_experiment_metric_by_variant` partition and the quality report.
 * @example const source = createLakeResultsSource({ lakeDir: ".assay/lake" });
 */
export function createLakeResultsSource(options: {
  readonly lakeDir: string;
  /** Default `<lake>/assay.yaml`. */
  readonly configPath?: string;
}): ResultsSource {
  const configPath = options.configPath ?? lakeConfigPath(options.lakeDir);
  let lastDt: string | null = null;
  let config: AssayConfig | null = null;
  return {
    async refresh(now) {
      const dt = now.toISOString().slice(0, 10);
      if (!existsSync(configPath)) {
        lastDt = null;
        return {
          lake: options.lakeDir,
          config: configPath,
          dt,
          skipped: "no pipeline config in the lake yet",
        };
      }
      config = await loadConfigFile(configPath);
      const reports = await runPipeline({ lake: options.lakeDir, dt, configPath });
      lastDt = dt;
      return {
        lake: options.lakeDir,
        config: configPath,
        dt,
        models: reports.flatMap((r) => r.models.map((m) => ({ model: m.model, rows: m.rows }))),
      };
    },
    async read(experimentKey, mode) {
      if (lastDt === null || config === null) return null;
      const definition = config.experiments.find((e) => e.id === experimentKey);
      if (definition === undefined) return null;
      const kinds = new Map(config.metrics.map((m) => [m.id, m.kind]));
      const quality = await readQualityReport({ lake: options.lakeDir, dt: lastDt });
      const dir = partitionDir(options.lakeDir, "gold", "agg_experiment_metric_by_variant", lastDt);
      const engine = await createDuckDbEngine();
      let rows: Array<Record<string, unknown>>;
      try {
        rows = await engine.query(
          `SELECT * FROM read_parquet('${join(dir, "*.parquet").replaceAll("'", "''")}', hive_partitioning = false)
           WHERE experiment_id = '${experimentKey.replaceAll("'", "''")}' AND analysis_mode = '${mode}'`,
        );
      } finally {
        await engine.close();
      }
      const metrics = new Map<string, { kind: "mean" | "ratio"; arms: ArmStatistics[] }>();
      const control = definition.variants.find((v) => v.isControl)?.id;
      for (const r of rows) {
        const metricKey = String(r.metric_id);
        let entry = metrics.get(metricKey);
        if (entry === undefined) {
          entry = { kind: kinds.get(metricKey) === "ratio" ? "ratio" : "mean", arms: [] };
          metrics.set(metricKey, entry);
        }
        entry.arms.push({
          variant: String(r.variation_id),
          isControl: String(r.variation_id) === control,
          n: Number(r.n),
          sum: Number(r.sum_value ?? 0),
          sumSquares: Number(r.sum_value_sq ?? 0),
          sumDen: Number(r.sum_den ?? 0),
          sumDenSquares: Number(r.sum_den_sq ?? 0),
          sumNumDen: Number(r.sum_value_den ?? 0),
        });
      }
      const q = quality?.report.experiments[experimentKey];
      const problems: string[] = [];
      for (const t of quality?.report.data_tests ?? []) {
        if (t.status === "fail")
          problems.push(`data test failed: ${t.model} ${t.test} (${t.failingRows} rows)`);
      }
      if (q !== undefined && q.low_exposure_rate_days.length > 0) {
        problems.push(`exposure logging looks broken on ${q.low_exposure_rate_days.join(", ")}`);
      }
      return {
        dt: lastDt,
        metrics,
        unitsByVariant: q?.units_by_variant_itt ?? {},
        dataQuality: problems,
      };
    },
  };
}
