import { existsSync } from "node:fs";
import type { ArmStats, PolicySnapshot } from "@assay/decisions";
import {
  type AssayConfig,
  createLakeReader,
  type LakeReader,
  lakeConfigPath,
  loadConfigFile,
  runPipeline,
  type VariantAggregateRow,
} from "@assay/pipeline";

/** What the decision engine reads for one experiment after a pipeline refresh. */
export interface ExperimentData {
  /** The results partition read. */
  readonly dt: string;
  /** The policy's snapshot (cumulative per-variant sufficient statistics; `at` is the refresh time). */
  readonly snapshot: PolicySnapshot;
  /** Metric key → kind, from the pipeline config the refresh ran with. */
  readonly kinds: ReadonlyMap<string, "mean" | "ratio">;
}

/** One pipeline refresh: what it ran on (recorded as each run's inputs) and the due time it serves. */
export interface Refresh {
  readonly startedAt: Date;
  readonly inputs: Record<string, unknown>;
}

/** Where the engine gets its numbers: refresh (run the pipeline) then read. Injected into the engine. */
export interface ResultsSource {
  /** Runs the pipeline up to the UTC day of `now` for every experiment at once. */
  refresh(now: Date): Promise<Record<string, unknown>>;
  read(experimentKey: string, mode: "itt" | "exposed", at: Date): Promise<ExperimentData | null>;
}

/**
 * One refresh per tick for every experiment due: runs that ask for data at least as new as `requestedAt` share
 * the refresh in flight or the last one, so an hourly cycle over many experiments runs the pipeline once, and
 * no two pipeline runs ever write the lake at the same time.
 * @example const shared = createSharedRefresh(source); await shared.ensure(tickTime);
 */
export function createSharedRefresh(source: Pick<ResultsSource, "refresh">) {
  let last: { refresh: Refresh; promise: Promise<Refresh> } | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  return {
    /**
     * A refresh serving `requestedAt`: the one in flight or done for that time or later, else a new one after it;
     * with `fresh` (a person asked for this run) always a new one.
     */
    ensure(requestedAt: Date, fresh = false): Promise<Refresh> {
      if (!fresh && last !== null && last.refresh.startedAt.getTime() >= requestedAt.getTime())
        return last.promise;
      const refresh: { startedAt: Date; inputs: Record<string, unknown> } = {
        startedAt: requestedAt,
        inputs: {},
      };
      const promise = chain.then(async () => {
        refresh.inputs = await source.refresh(requestedAt);
        return refresh as Refresh;
      });
      chain = promise.catch(() => undefined);
      const entry = { refresh, promise };
      last = entry;
      // A failed refresh is not reused: the next run (or retry) starts a new one.
      promise.catch(() => {
        if (last === entry) last = null;
      });
      return promise;
    },
  };
}

/**
 * The snapshot's `metrics` from `agg_experiment_metric_by_variant` rows of one experiment and mode: each metric's
 * arms in the shape of its kind; a variant without rows yet is an empty arm (n = 0), which the policy reads
 * as "not testable yet", never as a missing arm.
 * @example armsFromAggregates(rows, new Map([["conversion", "mean"]]), ["control", "treatment"]);
 */
export function armsFromAggregates(
  rows: ReadonlyArray<VariantAggregateRow>,
  kinds: ReadonlyMap<string, "mean" | "ratio">,
  variants: ReadonlyArray<string>,
): Record<string, Record<string, ArmStats>> {
  const metrics: Record<string, Record<string, ArmStats>> = {};
  const empty = (metric: string): ArmStats =>
    kinds.get(metric) === "ratio"
      ? { n: 0, sum_num: 0, sum_num_squares: 0, sum_den: 0, sum_den_squares: 0, sum_num_den: 0 }
      : { n: 0, sum: 0, sum_squares: 0 };
  for (const r of rows) {
    const arms = metrics[r.metric_id] ?? {};
    metrics[r.metric_id] = arms;
    arms[r.variation_id] =
      kinds.get(r.metric_id) === "ratio"
        ? {
            n: r.n,
            sum_num: r.sum_value ?? 0,
            sum_num_squares: r.sum_value_sq ?? 0,
            sum_den: r.sum_den ?? 0,
            sum_den_squares: r.sum_den_sq ?? 0,
            sum_num_den: r.sum_value_den ?? 0,
          }
        : { n: r.n, sum: r.sum_value ?? 0, sum_squares: r.sum_value_sq ?? 0 };
  }
  for (const [metric, arms] of Object.entries(metrics)) for (const v of variants) arms[v] ??= empty(metric);
  return metrics;
}

/**
 * The pipeline over the server's lake (`@assay/pipeline`): `runPipeline` for the day, then every
 * experiment's `agg_experiment_metric_by_variant` rows and the quality report, read once per refresh and
 * kept in memory, so that evaluating a thousand experiments reads the lake once.
 * @example const source = createLakeResultsSource({ lakeDir: ".assay/lake" });
 */
export function createLakeResultsSource(options: {
  readonly lakeDir: string;
  /** Default `<lake>/assay.yaml`. */
  readonly configPath?: string;
}): ResultsSource {
  const configPath = options.configPath ?? lakeConfigPath(options.lakeDir);
  let loaded: {
    dt: string;
    config: AssayConfig;
    rows: Map<string, VariantAggregateRow[]>;
    quality: Awaited<ReturnType<LakeReader["qualityReport"]>>;
  } | null = null;
  const reader = createLakeReader(options.lakeDir);
  return {
    async refresh(now) {
      const dt = now.toISOString().slice(0, 10);
      if (!existsSync(configPath)) {
        loaded = null;
        return {
          lake: options.lakeDir,
          config: configPath,
          dt,
          skipped: "no pipeline config in the lake yet",
        };
      }
      const config = await loadConfigFile(configPath);
      const lake = options.lakeDir;
      const run = await runPipeline({
        source: { kind: "lake", lake, dt },
        sink: { kind: "lake", lake, dt },
        config,
      });
      const rows = new Map<string, VariantAggregateRow[]>();
      for (const r of await reader.variantAggregates({ dt })) {
        const key = `${r.experiment_id}\u0000${r.analysis_mode}`;
        const list = rows.get(key) ?? [];
        rows.set(key, list);
        list.push(r);
      }
      loaded = { dt, config, rows, quality: await reader.qualityReport(dt) };
      return {
        lake: options.lakeDir,
        config: configPath,
        dt,
        models: run.models.map((m) => ({ model: m.model, rows: m.rows })),
      };
    },
    async read(experimentKey, mode, at) {
      if (loaded === null) return null;
      const { config, quality, dt } = loaded;
      const definition = config.experiments.find((e) => e.id === experimentKey);
      if (definition === undefined) return null;
      const kinds = new Map(
        config.metrics.map((m) => [m.id, m.kind === "ratio" ? ("ratio" as const) : ("mean" as const)]),
      );
      const variants = definition.variants.map((v) => v.id);
      // A quantile's per-arm sums are not its statistic and the policy has no sequential quantile test: such a
      // metric is left out of the snapshot, so a rule on it reads "not testable" (fails closed), never a mean.
      const quantiles = new Set(config.metrics.filter((m) => m.kind === "quantile").map((m) => m.id));
      const metrics = armsFromAggregates(
        (loaded.rows.get(`${experimentKey}\u0000${mode}`) ?? []).filter((r) => !quantiles.has(r.metric_id)),
        kinds,
        variants,
      );
      const q = quality?.report.experiments[experimentKey];
      const problems: string[] = [];
      for (const t of quality?.report.data_tests ?? []) {
        if (t.status === "fail")
          problems.push(`data test failed: ${t.model} ${t.test} (${t.failingRows} rows)`);
      }
      if (q !== undefined && q.low_exposure_rate_days.length > 0) {
        problems.push(`exposure logging looks broken on ${q.low_exposure_rate_days.join(", ")}`);
      }
      const units = Object.fromEntries(variants.map((v) => [v, Number(q?.units_by_variant_itt?.[v] ?? 0)]));
      return {
        dt,
        kinds,
        snapshot: { at: at.toISOString(), units, metrics, data_quality: problems },
      };
    },
  };
}
