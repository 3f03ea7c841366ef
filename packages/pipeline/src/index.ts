export * from "./config/assay-config.js";
export * from "./config/load-config.js";
export { type GeneratedDataset, generateDataset, generatedMetrics } from "./generator/generate-dataset.js";
export type { GenerateOptions, GeneratorExperiment, GeneratorFaults } from "./generator/generator-options.js";
export { type InputFile, resolveInputFiles, resolveOptionalInputFiles } from "./io/input-files.js";
export { InputError, inputTableNames, optionalInputTables } from "./io/input-schema.js";
export { type GenerateToLakeOptions, generateToDirectory, generateToLake } from "./lake/generate-to-lake.js";
export { checkDt, lakeConfigPath, listPartitions, partitionDir, partitionFiles } from "./lake/lake-layout.js";
export { createLakeReader, type LakeReader, type LakeReaderOptions } from "./lake/lake-reader.js";
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
export type {
  ExposureQualityDay,
  PartitionResultRow,
  VariantAggregateRow,
} from "./lake/reader/result-rows.js";
export { compileRowFilter, lakeColumn, type RowFilter, rowFilterColumns } from "./lake/reader/row-filter.js";
export {
  type LoadTableReport,
  loadInputsIntoWarehouse,
  loadTableIntoWarehouse,
} from "./load/load-warehouse.js";
export { createOutputShapes, unloadIntoDuckDb } from "./load/unload-warehouse.js";
export type { DataTest, ModelDefinition } from "./models/model.js";
export { baseModels, compileModel, getModel } from "./models/models.js";
export { DataTestError, type DataTestResult, type ModelRunReport } from "./models/run-models.js";
export { notSetSegmentValue, segmentModelNames } from "./models/segment-models.js";
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
export { type AnalysisOutput, analysisOutputs, segmentAnalysisOutputs } from "./runner/analysis-outputs.js";
export { MissingPartitionError } from "./runner/missing-partition-error.js";
export { formatProfile, type PipelineProfile } from "./runner/pipeline-profile.js";
export {
  isOutputFormat,
  type OutputFormat,
  outputFormats,
  type PipelineSink,
} from "./runner/pipeline-sink.js";
export type { PipelineSource } from "./runner/pipeline-source.js";
export { type PipelineStep, pipelineSteps, planSteps, type StepPlan } from "./runner/pipeline-steps.js";
export {
  type PipelineJobReport,
  type PipelineRun,
  type RunPipelineOptions,
  runPipeline,
} from "./runner/run-pipeline.js";
export { compareBytes } from "./segments/compare-bytes.js";
export { resolveSegmentAttributes } from "./segments/segment-attributes.js";
export type { Dialect, FunctionTable, LogicalType } from "./sql/dialect.js";
export { type Engine, EngineError } from "./sql/engine.js";
export { assertSqlEncodable, SqlStringError, sqlString } from "./sql/sql-string.js";
export type { BulkLoader, LoadColumn } from "./warehouses/bulk-loader.js";
export type { ClickHouseTopology } from "./warehouses/clickhouse/connection.js";
export { openClickHouse } from "./warehouses/clickhouse/index.js";
export { clickhouseDialect } from "./warehouses/clickhouse/sql-compiler.js";
export { createDuckDbEngine, type DuckDbEngineOptions } from "./warehouses/duckdb/connection.js";
export { createDuckDbWarehouse } from "./warehouses/duckdb/index.js";
export { duckdbDialect } from "./warehouses/duckdb/sql-compiler.js";
export { EngineUrlError } from "./warehouses/engine-url-error.js";
export {
  type EraseUserOptions,
  eraseUserFromWarehouse,
  personColumns,
  type WarehouseErasure,
} from "./warehouses/erase-user.js";
export { type OpenWarehouseOptions, openWarehouse } from "./warehouses/open-warehouse.js";
export { openPostgres } from "./warehouses/postgres/index.js";
export { postgresDialect } from "./warehouses/postgres/sql-compiler.js";
export {
  isWarehouseKind,
  type Warehouse,
  type WarehouseKind,
  warehouseKinds,
} from "./warehouses/warehouse.js";
