import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AssayConfig } from "../config/assay-config.js";
import { writeDirectoryAtomically } from "../io/atomic-directory.js";
import { exportParquet } from "../io/export-table.js";
import { type InputFile, resolveInputFiles } from "../io/input-files.js";
import type { InputTableName } from "../io/input-schema.js";
import { loadInputTable } from "../io/load-input-table.js";
import { partitionDir } from "../lake/lake-layout.js";
import type { DataTestResult } from "../models/run-models.js";
import type { ProgressReporter } from "../progress/progress-reporter.js";
import type { Engine } from "../sql/engine.js";
import { duckdbDialect, duckdbFunctions as f } from "../warehouses/duckdb/sql-compiler.js";
import { identifyTable, identifyTableName } from "./identify-input.js";
import { type IdentityQuality, readIdentityQuality } from "./identity-quality.js";
import { stitchIdentities } from "./stitch-identities.js";

/** Identify files of a bring-your-own-data folder, or none (the table is optional). */
export function findIdentifyFiles(dataDir: string): InputFile[] {
  const stem = identifyTableName;
  const present = [`${stem}.csv`, `${stem}.parquet`, stem].some((name) => existsSync(join(dataDir, name)));
  return present ? resolveInputFiles(dataDir, stem) : [];
}

export interface IdentityStepResult {
  readonly quality: IdentityQuality;
  readonly tests: ReadonlyArray<DataTestResult>;
}

/**
 * Loads identify rows and, when there is at least one, stitches the given raw tables. Returns null (and
 * changes nothing) when there are no identify rows, so data without identify events analyses exactly as before.
 */
export async function stitchFromFiles(
  engine: Engine,
  files: ReadonlyArray<InputFile>,
  options: {
    config: AssayConfig;
    tables: ReadonlyArray<InputTableName>;
    warnOnly?: boolean;
    progress?: ProgressReporter;
  },
): Promise<IdentityStepResult | null> {
  if (files.length === 0) return null;
  const rows = await loadInputTable(engine, identifyTable, files);
  if (rows === 0) return null;
  const { tests } = await stitchIdentities({ engine, dialect: duckdbDialect, ...options });
  return { quality: await readIdentityQuality(engine), tests };
}

const qualityFile = (lake: string, dt: string) =>
  join(partitionDir(lake, "gold", "identity_quality", dt), "identity_quality.json");

/**
 * The lake half of stitching, run with the assignments job: writes `silver/dim_user_identity/dt=…` and the identity
 * quality for the results job, or removes both when there were no identify rows.
 */
export async function writeLakeIdentity(
  engine: Engine,
  lake: string,
  dt: string,
  result: IdentityStepResult | null,
): Promise<void> {
  const dimDir = partitionDir(lake, "silver", "dim_user_identity", dt);
  const qualityDir = partitionDir(lake, "gold", "identity_quality", dt);
  if (result === null) {
    await rm(dimDir, { recursive: true, force: true });
    await rm(qualityDir, { recursive: true, force: true });
    return;
  }
  await writeDirectoryAtomically(dimDir, (tmp) =>
    exportParquet(engine, `SELECT * FROM ${f.ident("dim_user_identity")}`, join(tmp, "part-0.parquet")),
  );
  await writeDirectoryAtomically(qualityDir, (tmp) =>
    writeFile(join(tmp, "identity_quality.json"), `${JSON.stringify(result.quality, null, 2)}\n`),
  );
}

/** The identity quality written by the assignments job of `dt`, if identify rows existed. */
export async function readLakeIdentityQuality(lake: string, dt: string): Promise<IdentityQuality | null> {
  const path = qualityFile(lake, dt);
  return existsSync(path) ? (JSON.parse(await readFile(path, "utf8")) as IdentityQuality) : null;
}
