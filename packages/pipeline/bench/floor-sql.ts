// The floor of the pipeline bench: hand-written DuckDB SQL for the contract's semantics, kept as .sql files in
// bench/floor/ (one file per step, statements separated by `;` at the end of a line) and rendered with the input
// relations and output paths of a run.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { sqlString } from "../src/index.js";

const floorDir = join(import.meta.dirname, "floor");

/** One step of the floor: its file's name without `.sql` (e.g. `03-exposure-validation`) and its statements. */
export interface FloorStep {
  readonly name: string;
  readonly statements: ReadonlyArray<string>;
}

/** Where a floor run reads its inputs and writes its outputs. */
export interface FloorTargets {
  /** SQL relations of the three inputs, e.g. `read_parquet(['…/part-0.parquet'])`. */
  readonly inputs: { readonly assignments: string; readonly exposures: string; readonly events: string };
  /** `{{parquet:silver/fact_assignment}}` → `<lake>/silver/fact_assignment/dt=<dt>/part-0.parquet`. */
  readonly lake?: { readonly dir: string; readonly dt: string };
  /** `{{csv:fact_assignment}}` → `<dir>/fact_assignment.csv`. */
  readonly csvDir?: string;
}

/** The model steps (00–08) in order; the write steps (`09-write-lake`, `09-write-analyze`) are read by name. */
export function floorModelSteps(): FloorStep[] {
  return readdirSync(floorDir)
    .filter((name) => name.endsWith(".sql") && !name.includes("-write-"))
    .sort()
    .map((name) => readFloorStep(name.slice(0, -4)));
}

export function readFloorStep(name: string): FloorStep {
  const text = readFileSync(join(floorDir, `${name}.sql`), "utf8");
  const statements = text
    .split(/;\s*$/m)
    .map((s) =>
      s
        .split("\n")
        .filter((line) => !line.trim().startsWith("--"))
        .join("\n")
        .trim(),
    )
    .filter((s) => s !== "");
  return { name, statements };
}

/** Fills the placeholders of a floor statement; output placeholders create their directory. */
export function renderFloorSql(sql: string, targets: FloorTargets): string {
  return sql.replace(/\{\{(\w+)(?::([\w/]+))?\}\}/g, (_, key: string, arg: string | undefined) => {
    if (key === "assignments" || key === "exposures" || key === "events") return targets.inputs[key];
    if (key === "parquet" && arg && targets.lake) {
      const path = join(targets.lake.dir, arg, `dt=${targets.lake.dt}`, "part-0.parquet");
      mkdirSync(dirname(path), { recursive: true });
      return sqlString(path);
    }
    if (key === "csv" && arg && targets.csvDir) {
      mkdirSync(targets.csvDir, { recursive: true });
      return sqlString(join(targets.csvDir, `${arg}.csv`));
    }
    throw new Error(`floor SQL: no value for {{${key}${arg ? `:${arg}` : ""}}}`);
  });
}

/** `read_parquet([...])` of some files, the way the floor reads its inputs. */
export function parquetRelation(files: ReadonlyArray<string>): string {
  return `read_parquet([${files.map(sqlString).join(", ")}])`;
}
