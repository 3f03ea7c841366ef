import type { AssayConfig } from "../config/assay-config.js";
import type { Dialect } from "../sql/dialect.js";

/** Everything a model needs to compile to SQL: no database, no I/O. */
export interface CompileContext {
  readonly dialect: Dialect;
  readonly config: AssayConfig;
}

/** Where a model's output lives in the lake (`data/<zone>/<model>/dt=…`); `transient` models are not persisted. */
export type LakeZone = "silver" | "gold" | "transient";

/** A dbt-style data test declared next to its model. */
export type DataTest =
  | { readonly kind: "unique"; readonly columns: ReadonlyArray<string> }
  | { readonly kind: "not_null"; readonly columns: ReadonlyArray<string> }
  | { readonly kind: "accepted_values"; readonly column: string; readonly values: ReadonlyArray<string> }
  | {
      readonly kind: "relationships";
      readonly columns: ReadonlyArray<string>;
      readonly to: string;
      readonly toColumns: ReadonlyArray<string>;
    }
  /** An integrity rule: `failingRows` is a WHERE condition that is true for rows that break it. */
  | { readonly kind: "expression"; readonly name: string; readonly failingRows: string };

/** One SQL model of the pipeline. */
export interface ModelDefinition {
  readonly name: string;
  /** The columns that identify one row; an empty grain means a single-row model. */
  readonly grain: ReadonlyArray<string>;
  readonly description: string;
  readonly zone: LakeZone;
  /** `view` for cheap staging filters read once or twice; default `table`. */
  readonly materialized?: "table" | "view";
  /** Models and sources this model reads. */
  readonly dependsOn: ReadonlyArray<string>;
  readonly sql: (ctx: CompileContext) => string;
  readonly tests: (ctx: CompileContext) => ReadonlyArray<DataTest>;
}
