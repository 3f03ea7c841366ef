/** How one input table is read: its relation, required text columns, its time column, an optional number. */
export interface InputTableSpec {
  readonly relation: string;
  readonly text: ReadonlyArray<string>;
  readonly time: string;
  readonly optionalNumber: string | null;
}

/** The canonical input tables of the contract and their columns. */
export const inputTables = {
  assignments: {
    relation: "raw_assignments",
    text: ["experiment_id", "user_id", "variant_id"],
    time: "assignment_time_utc",
    optionalNumber: null,
  },
  exposures: {
    relation: "raw_exposures",
    text: ["experiment_id", "user_id", "variant_id"],
    time: "exposure_time_utc",
    optionalNumber: null,
  },
  events: {
    relation: "raw_events",
    text: ["event_id", "user_id", "event_name"],
    time: "event_time_utc",
    optionalNumber: "value",
  },
  // Optional (see optionalInputTables): what was known about a user when, for drill-down by segment.
  user_attributes: {
    relation: "raw_user_attributes",
    text: ["user_id", "attribute", "value"],
    time: "observed_time_utc",
    optionalNumber: null,
  },
} as const satisfies Record<
  string,
  { relation: string; text: ReadonlyArray<string>; time: string; optionalNumber: string | null }
>;

export type InputTableName = keyof typeof inputTables;
export const inputTableNames = Object.keys(inputTables) as InputTableName[];

/** Inputs that may be absent: a missing file, folder or lake partition reads as an empty table. */
export const optionalInputTables: ReadonlySet<InputTableName> = new Set<InputTableName>(["user_attributes"]);

/** The inputs every data set must have (assignments, exposures, events). */
export const requiredInputTableNames = inputTableNames.filter((name) => !optionalInputTables.has(name));

/** Bad input data: names the file, the row (1-based line for CSV, row index for Parquet) and the column. */
export class InputError extends Error {
  readonly file: string;
  readonly row: number | null;
  readonly column: string | null;
  constructor(message: string, context: { file: string; row?: number | null; column?: string | null }) {
    super(message);
    this.name = "InputError";
    this.file = context.file;
    this.row = context.row ?? null;
    this.column = context.column ?? null;
  }
}
