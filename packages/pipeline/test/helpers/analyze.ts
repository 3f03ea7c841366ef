import type { AssayConfig } from "../../src/config/assay-config.js";
import type { QualityReport } from "../../src/results/quality-report.js";
import type { OutputFormat } from "../../src/runner/pipeline-sink.js";
import { type PipelineRun, runPipeline } from "../../src/runner/run-pipeline.js";
import type { Warehouse } from "../../src/warehouses/warehouse.js";

/** A full run: the results job ran, so there is a quality report. */
export type Analysis = PipelineRun & { readonly quality: QualityReport };

function withQuality(run: PipelineRun): Analysis {
  if (run.quality === null) throw new Error("the run built no quality report");
  return { ...run, quality: run.quality };
}

/** `assay analyze` as the tests call it: a data folder in, an output folder out, through the one runner. */
export async function analyzeFolder(options: {
  readonly config: AssayConfig;
  readonly dataDir: string;
  readonly outDir: string;
  readonly alpha?: number;
  readonly warnOnly?: boolean;
  readonly format?: OutputFormat;
}): Promise<Analysis> {
  return withQuality(
    await runPipeline({
      source: { kind: "folder", dir: options.dataDir },
      sink: { kind: "folder", dir: options.outDir, ...(options.format ? { format: options.format } : {}) },
      config: options.config,
      ...(options.alpha === undefined ? {} : { alpha: options.alpha }),
      ...(options.warnOnly ? { warnOnly: true } : {}),
    }),
  );
}

/** The runner over the raw tables already in a warehouse (a generated data set), writing nothing. */
export async function analyzeLoaded(
  warehouse: Warehouse,
  options: { readonly config: AssayConfig; readonly alpha?: number; readonly skipTests?: boolean },
): Promise<Analysis> {
  return withQuality(
    await runPipeline({
      source: { kind: "loaded" },
      warehouse,
      sink: { kind: "none" },
      config: options.config,
      ...(options.alpha === undefined ? {} : { alpha: options.alpha }),
      ...(options.skipTests ? { skipTests: true } : {}),
    }),
  );
}
