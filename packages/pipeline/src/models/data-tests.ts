import type { FunctionTable } from "../sql/dialect.js";
import type { DataTest } from "./model.js";

/** A human label for a test, e.g. `unique(experiment_id, user_id)`. */
export function describeTest(test: DataTest): string {
  switch (test.kind) {
    case "unique":
      return `unique(${test.columns.join(", ")})`;
    case "not_null":
      return `not_null(${test.columns.join(", ")})`;
    case "accepted_values":
      return `accepted_values(${test.column} in [${test.values.join(", ")}])`;
    case "relationships":
      return `relationships(${test.columns.join(", ")} -> ${test.to}.${test.toColumns.join(", ")})`;
    case "expression":
      return test.name;
  }
}

/** Compiles a test to a query returning the failing rows (empty = pass). */
export function compileDataTest(model: string, test: DataTest, f: FunctionTable): string {
  const from = f.ident(model);
  switch (test.kind) {
    case "unique": {
      const cols = test.columns.map(f.ident).join(", ");
      return `SELECT ${cols}, count(*) AS duplicate_rows FROM ${from} GROUP BY ${cols} HAVING count(*) > 1`;
    }
    case "not_null":
      return `SELECT * FROM ${from} WHERE ${test.columns.map((c) => `${f.ident(c)} IS NULL`).join(" OR ")}`;
    case "accepted_values":
      return `SELECT ${f.ident(test.column)}, count(*) AS rows FROM ${from} WHERE ${f.ident(test.column)} NOT IN (${test.values.map(f.string).join(", ")}) GROUP BY ${f.ident(test.column)}`;
    case "relationships":
      return f.orphanRows(model, test.columns, test.to, test.toColumns);
    case "expression":
      return `SELECT * FROM ${from} WHERE ${test.failingRows}`;
  }
}
