import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeDirectoryAtomically } from "../io/atomic-directory.js";
import { partitionDir } from "../lake/lake-layout.js";
import type { DataTestResult } from "../models/run-models.js";
import type { PipelineStep } from "./pipeline-steps.js";

const logDir = (lake: string, step: PipelineStep, dt: string) =>
  partitionDir(lake, "gold", `data_tests_${step.replace("-", "_")}`, dt);

/** Data test outcomes of each job are kept next to the partitions so the results job can report them. */
export async function writeTestLog(
  lake: string,
  step: PipelineStep,
  dt: string,
  tests: ReadonlyArray<DataTestResult>,
): Promise<string> {
  const dir = logDir(lake, step, dt);
  await writeDirectoryAtomically(dir, (tmp) =>
    writeFile(join(tmp, "data_tests.json"), `${JSON.stringify(tests, null, 2)}\n`),
  );
  return dir;
}

/** The test log a job wrote for dt; empty when it has not run. */
export async function readTestLog(lake: string, step: PipelineStep, dt: string): Promise<DataTestResult[]> {
  const path = join(logDir(lake, step, dt), "data_tests.json");
  return existsSync(path) ? (JSON.parse(await readFile(path, "utf8")) as DataTestResult[]) : [];
}
