export * from "./analyze.js";
export * from "./config/assay-config.js";
export * from "./config/load-config.js";
export { baseModels, compileModel, getModel } from "./dialect/base/models.js";
export type { Capabilities, Dialect, FunctionTable, LogicalType } from "./dialect/dialect.js";
export { duckdbDialect } from "./dialect/duckdb/index.js";
export { createDuckDbEngine, type DuckDbEngineOptions } from "./engine/duckdb-engine.js";
export { type Engine, EngineError } from "./engine/engine.js";
export { type GeneratedDataset, generateDataset, generatedMetrics } from "./generator/generate-dataset.js";
export type { GenerateOptions, GeneratorExperiment, GeneratorFaults } from "./generator/generator-options.js";
export { InputError } from "./io/input-schema.js";
export { type GenerateToLakeOptions, generateToDirectory, generateToLake } from "./lake/generate-to-lake.js";
export { checkDt, lakeConfigPath, listPartitions, partitionDir } from "./lake/lake-layout.js";
export {
  latestResultsDt,
  MissingPartitionError,
  type PipelineJobOptions,
  type PipelineJobReport,
  type PipelineStep,
  pipelineSteps,
  readExperimentResults,
  readQualityReport,
  runPipeline,
  runPipelineStep,
} from "./lake/pipeline-jobs.js";
export type { DataTest, ModelDefinition } from "./model/model.js";
export { DataTestError, type DataTestResult } from "./model/run-models.js";
export * from "./progress/progress-reporter.js";
export type { ResultRow, VariantAggregate } from "./results/compute-results.js";
export type { ExperimentQuality, QualityReport } from "./results/quality-report.js";
