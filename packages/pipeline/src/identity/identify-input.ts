import type { InputTableSpec } from "../io/input-schema.js";

/**
 * The optional identify table (`identifies.csv|parquet`, `raw/identifies/dt=…`): one row per identify event,
 * linking the anonymous id a visitor had to the identity they logged in as. `confidence` is empty for a
 * deterministic link (a login, the SDK's `identify`) and in (0, 1] for a probabilistic candidate produced
 * upstream (for example a device graph); see docs/privacy.md.
 */
export const identifyTable: InputTableSpec = {
  relation: "raw_identifies",
  text: ["anon_id", "identity_id"],
  time: "identify_time_utc",
  optionalNumber: "confidence",
};

/** The file stem / lake table name of the identify input. */
export const identifyTableName = "identifies";
