import type { AssayConfig } from "../config/assay-config.js";
import { type InputTableName, inputTables } from "../io/input-schema.js";
import { type DataTestResult, type ModelRunReport, runModels } from "../models/run-models.js";
import type { ProgressReporter } from "../progress/progress-reporter.js";
import type { Dialect } from "../sql/dialect.js";
import type { Engine } from "../sql/engine.js";
import { dimUserIdentity } from "./dim-user-identity.js";

export interface StitchOptions {
  readonly engine: Engine;
  readonly dialect: Dialect;
  readonly config: AssayConfig;
  /** Raw tables already loaded whose `user_id` is resolved to the unit (identity, else the anonymous id). */
  readonly tables: ReadonlyArray<InputTableName>;
  readonly warnOnly?: boolean;
  readonly progress?: ProgressReporter;
}

export interface StitchReport {
  readonly models: ReadonlyArray<ModelRunReport>;
  readonly tests: ReadonlyArray<DataTestResult>;
}

/**
 * Builds `dim_user_identity` from `raw_identifies` and rewrites each given raw table so that `user_id` is the
 * experiment unit: an anonymous id with an applied link becomes its identity, every other id stays as it is.
 * Call it only when identify rows exist; without them the raw tables are left untouched.
 * @example
 * await loadInputTable(engine, identifyTable, files);
 * await stitchIdentities({ engine, dialect: duckdbDialect, config, tables: ["assignments", "exposures", "events"] });
 */
export async function stitchIdentities(options: StitchOptions): Promise<StitchReport> {
  const { engine, dialect, config } = options;
  const f = dialect.functions;
  const { models, tests } = await runModels({
    engine,
    dialect,
    config,
    models: [dimUserIdentity],
    warnOnly: options.warnOnly ?? false,
    ...(options.progress ? { progress: options.progress } : {}),
  });
  for (const table of options.tables) {
    const spec = inputTables[table];
    const columns = [
      ...spec.text.filter((c) => c !== "user_id").map((c) => `r.${c}`),
      `CASE WHEN d.anon_id = r.user_id THEN d.identity_id ELSE r.user_id END AS user_id`,
      `r.${spec.time}`,
      ...(spec.optionalNumber ? [`r.${spec.optionalNumber}`] : []),
    ];
    const staged = `${spec.relation}__stitched`;
    await engine.run(
      f.createTableAs(
        staged,
        `SELECT ${columns.join(", ")}
FROM ${spec.relation} r
LEFT JOIN (SELECT anon_id, identity_id FROM dim_user_identity WHERE is_applied) d ON d.anon_id = r.user_id`,
      ),
    );
    await engine.run(f.createTableAs(spec.relation, `SELECT * FROM ${f.ident(staged)}`));
    await engine.run(f.dropTable(staged));
  }
  return { models, tests };
}
