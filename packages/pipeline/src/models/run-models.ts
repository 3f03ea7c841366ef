import type { AssayConfig } from "../config/assay-config.js";
import { type ProgressReporter, silentProgress } from "../progress/progress-reporter.js";
import type { Dialect } from "../sql/dialect.js";
import type { Engine } from "../sql/engine.js";
import { configRelations } from "./config-relations.js";
import { compileDataTest, describeTest, rowLevelCondition } from "./data-tests.js";
import type { ModelDefinition } from "./model.js";

/** The outcome of one data test. */
export interface DataTestResult {
  readonly model: string;
  readonly test: string;
  readonly status: "pass" | "fail" | "warn";
  readonly failingRows: number;
  readonly examples: ReadonlyArray<Record<string, unknown>>;
}

export interface ModelRunReport {
  readonly model: string;
  /** Rows of a table; null for a view (counting would compute it). */
  readonly rows: number | null;
  readonly elapsedMs: number;
  /** CPU time of this process (every DuckDB thread) while the model was built; steadier than wall on a shared machine. */
  readonly cpuMs?: number;
  /** Time spent on the model's data tests after it was built. */
  readonly testElapsedMs?: number;
  readonly testCpuMs?: number;
}

/** CPU milliseconds of this process (user + system, every thread) since `since`. */
const cpuMsSince = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** A data test that failed and stopped the run; the message names the model, the test and example rows. */
export class DataTestError extends Error {
  readonly result: DataTestResult;
  constructor(result: DataTestResult) {
    super(
      `data test failed: ${result.model} ${result.test}: ${result.failingRows} failing row(s), e.g. ${JSON.stringify(result.examples)}`,
    );
    this.name = "DataTestError";
    this.result = result;
  }
}

export interface RunModelsOptions {
  readonly engine: Engine;
  readonly dialect: Dialect;
  readonly config: AssayConfig;
  readonly models: ReadonlyArray<ModelDefinition>;
  /** Downgrade failing data tests to warnings (reported, not thrown). */
  readonly warnOnly?: boolean;
  /** Skip data tests entirely (benchmarks of the model SQL alone). */
  readonly skipTests?: boolean;
  readonly progress?: ProgressReporter;
}

export interface RunModelsResult {
  readonly models: ReadonlyArray<ModelRunReport>;
  readonly tests: ReadonlyArray<DataTestResult>;
}

/** Creates the `cfg_*` tables from the config. */
export async function loadConfigRelations(
  engine: Engine,
  dialect: Dialect,
  config: AssayConfig,
): Promise<void> {
  for (const relation of configRelations(config, dialect)) {
    await engine.run(dialect.functions.createTableAs(relation.name, relation.sql));
  }
}

/**
 * Builds models in order (tables, or views where the model says so), running each model's data tests right after it.
 * @example
 * await loadConfigRelations(engine, duckdbDialect, config);
 * const { tests } = await runModels({ engine, dialect: duckdbDialect, config, models: baseModels });
 */
export async function runModels(options: RunModelsOptions): Promise<RunModelsResult> {
  const { engine, dialect, config } = options;
  const progress = options.progress ?? silentProgress;
  const f = dialect.functions;
  const reports: ModelRunReport[] = [];
  const tests: DataTestResult[] = [];
  for (const model of options.models) {
    progress.modelStarted(model.name);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const sql = model.sql({ dialect, config });
    const isView = model.materialized === "view";
    await engine.run(isView ? f.createViewAs(model.name, sql) : f.createTableAs(model.name, sql));
    const [count] = isView
      ? [null]
      : await engine.query<{ n: number }>(`SELECT count(*) AS n FROM ${f.ident(model.name)}`);
    const report = {
      model: model.name,
      rows: isView ? null : (count?.n ?? 0),
      elapsedMs: performance.now() - started,
      cpuMs: cpuMsSince(cpu),
    };
    progress.modelFinished(report);
    if (options.skipTests) {
      reports.push(report);
      continue;
    }
    const testsStarted = performance.now();
    const testsCpu = process.cpuUsage();
    const modelTests = model.tests({ dialect, config });
    // Row-level tests are counted in one pass over the model; unique and relationships tests run one query each.
    const conditions = modelTests.map((test) => rowLevelCondition(test, f));
    const folded = conditions.flatMap((c, i) =>
      c === null ? [] : [`sum(CASE WHEN ${c} THEN 1 ELSE 0 END) AS t${i}`],
    );
    const [foldedCounts] =
      folded.length > 0
        ? await engine.query<Record<string, number | null>>(
            `SELECT ${folded.join(", ")} FROM ${f.ident(model.name)}`,
          )
        : [undefined];
    for (const [index, test] of modelTests.entries()) {
      const failing = compileDataTest(model.name, test, f);
      const failingRows =
        conditions[index] === null
          ? ((await engine.query<{ n: number }>(`SELECT count(*) AS n FROM (${failing}) t`))[0]?.n ?? 0)
          : Number(foldedCounts?.[`t${index}`] ?? 0);
      const examples = failingRows > 0 ? await engine.query(`SELECT * FROM (${failing}) t LIMIT 5`) : [];
      const result: DataTestResult = {
        model: model.name,
        test: describeTest(test),
        status: failingRows === 0 ? "pass" : options.warnOnly ? "warn" : "fail",
        failingRows,
        examples: examples.map(jsonSafeRow),
      };
      tests.push(result);
      if (result.status === "fail") throw new DataTestError(result);
      if (result.status === "warn")
        progress.note(`warning: ${result.model} ${result.test}: ${failingRows} row(s)`);
    }
    reports.push({
      ...report,
      testElapsedMs: performance.now() - testsStarted,
      testCpuMs: cpuMsSince(testsCpu),
    });
  }
  return { models: reports, tests };
}

function jsonSafeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = value instanceof Date ? value.toISOString() : value;
  }
  return out;
}
