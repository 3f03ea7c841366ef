export * from "./analyze.js";
export * from "./config/assay-config.js";
export * from "./config/load-config.js";
export { baseModels, compileModel, getModel } from "./dialect/base/models.js";
export { notSetSegmentValue, segmentModelNames } from "./dialect/base/segment-models.js";
export { clickhouseDialect } from "./dialect/clickhouse/index.js";
export type { Capabilities, Dialect, FunctionTable, LogicalType } from "./dialect/dialect.js";
export { duckdbDialect } from "./dialect/duckdb/index.js";
export { modelsForDialect } from "./dialect/models-for-dialect.js";
export { postgresDialect } from "./dialect/postgres/index.js";
export { assertSqlEncodable, SqlStringError, sqlString } from "./dialect/sql-string.js";
export {
  type ClickHouseEngine,
  type ClickHouseTopology,
  createClickHouseEngine,
  isClickHouseEngine,
  openClickHouse,
} from "./engine/clickhouse-engine.js";
export { createDuckDbEngine, type DuckDbEngineOptions } from "./engine/duckdb-engine.js";
export { type Engine, EngineError } from "./engine/engine.js";
export { type EngineKind, engineKinds, isEngineKind, openEngine } from "./engine/open-engine.js";
export { EngineUrlError, type OpenedEngine } from "./engine/opened-engine.js";
export { createPostgresEngine } from "./engine/postgres-engine.js";
export {
  type AnalyzeWarehouseOptions,
  analyzeInWarehouse,
  warehouseTarget,
} from "./engine/warehouse-analysis.js";
export { type GeneratedDataset, generateDataset, generatedMetrics } from "./generator/generate-dataset.js";
export type { GenerateOptions, GeneratorExperiment, GeneratorFaults } from "./generator/generator-options.js";
export { type InputFile, resolveInputFiles, resolveOptionalInputFiles } from "./io/input-files.js";
export { InputError, inputTableNames, optionalInputTables } from "./io/input-schema.js";
export { type GenerateToLakeOptions, generateToDirectory, generateToLake } from "./lake/generate-to-lake.js";
export { checkDt, lakeConfigPath, listPartitions, partitionDir, partitionFiles } from "./lake/lake-layout.js";
export { createLakeReader, type LakeReader, type LakeReaderOptions } from "./lake/lake-reader.js";
export {
  latestResultsDt,
  MissingPartitionError,
  type PipelineJobOptions,
  type PipelineJobReport,
  type PipelineStep,
  pipelineSteps,
  readExperimentResults,
  readExperimentSegmentResults,
  readQualityReport,
  readVariantAggregates,
  runPipeline,
  runPipelineStep,
  type VariantAggregateRow,
} from "./lake/pipeline-jobs.js";
export { type RawLakeColumn, rawLakeColumns, rawLakeSelectList } from "./lake/raw-lake-schema.js";
export { listLakeFiles } from "./lake/reader/lake-files.js";
export { LakeReadError } from "./lake/reader/lake-read-error.js";
export {
  allTeams,
  type LakeScope,
  otherTeamFilter,
  scopeFilter,
  teamScope,
} from "./lake/reader/lake-scope.js";
export type { LakeSession } from "./lake/reader/lake-session.js";
export type { ExposureQualityDay, PartitionResultRow } from "./lake/reader/result-rows.js";
export { compileRowFilter, lakeColumn, type RowFilter, rowFilterColumns } from "./lake/reader/row-filter.js";
export { runPipelineInWarehouse, type WarehousePipelineOptions } from "./lake/warehouse-pipeline.js";
export { type BulkLoadTarget, isBulkLoadTarget } from "./load/bulk-load-target.js";
export {
  type EraseUserOptions,
  eraseUserFromWarehouse,
  personColumns,
  type WarehouseErasure,
} from "./load/erase-user.js";
export {
  type LoadTableReport,
  loadInputsIntoWarehouse,
  loadTableIntoWarehouse,
} from "./load/load-warehouse.js";
export { createOutputShapes, unloadIntoDuckDb } from "./load/unload-warehouse.js";
export type { DataTest, ModelDefinition } from "./model/model.js";
export { DataTestError, type DataTestResult } from "./model/run-models.js";
export * from "./progress/progress-reporter.js";
export type { ResultRow, SkippedComparison, VariantAggregate } from "./results/compute-results.js";
export {
  computeSegmentResults,
  type SegmentAggregate,
  type SegmentResultRow,
  type SkippedSegmentComparison,
  segmentResultColumns,
} from "./results/compute-segment-results.js";
export type { ExperimentQuality, QualityReport } from "./results/quality-report.js";
export { compareBytes } from "./segments/compare-bytes.js";
export { resolveSegmentAttributes } from "./segments/segment-attributes.js";
