import type { Engine } from "../sql/engine.js";
import { duckdbFunctions as f } from "../warehouses/duckdb/sql-compiler.js";
import { readCsvHeader } from "./csv-header.js";
import { csvReadError } from "./csv-read-error.js";
import type { InputFile } from "./input-files.js";
import { InputError, type InputTableName, type InputTableSpec, inputTables } from "./input-schema.js";

/**
 * Loads one canonical input table (`raw_assignments`, …) from CSV or Parquet files into the DuckDB engine,
 * validating columns, timestamps and numbers; the first bad row stops the load with an `InputError`.
 * Parquet time columns may be TIMESTAMPTZ, TIMESTAMP or ISO 8601 strings. No files gives an empty table.
 * @example await loadInputTable(engine, "events", resolveInputFiles("data", "events"));
 */
export async function loadInputTable(
  engine: Engine,
  table: InputTableName | InputTableSpec,
  files: ReadonlyArray<InputFile>,
): Promise<number> {
  const spec: InputTableSpec = typeof table === "string" ? inputTables[table] : table;
  if (files.length === 0) {
    await dropDuckDbRelation(engine, spec.relation);
    // An optional input that is absent reads as an empty table with the canonical columns.
    const columns = [
      ...spec.text.map((c) => `${f.ident(c)} VARCHAR`),
      `${f.ident(spec.time)} TIMESTAMP`,
      ...(spec.optionalNumber ? [`${f.ident(spec.optionalNumber)} DOUBLE`] : []),
    ];
    await engine.run(`CREATE OR REPLACE TABLE ${f.ident(spec.relation)} (${columns.join(", ")})`);
    return 0;
  }
  // CSV line numbers come from row_number() OVER () over the reader: it must see the rows in file order.
  const csv = files.some((file) => file.format === "csv");
  if (csv) await engine.run("SET preserve_insertion_order = true");
  try {
    return await loadFiles(engine, spec, files);
  } finally {
    if (csv) await engine.run("SET preserve_insertion_order = false");
  }
}

async function loadFiles(
  engine: Engine,
  spec: InputTableSpec,
  files: ReadonlyArray<InputFile>,
): Promise<number> {
  const parts: string[] = [];
  const headers = new Map<string, string[]>();
  for (const [index, file] of files.entries()) {
    const source = `__src_${spec.relation}_${index}`;
    let scan: string;
    if (file.format === "csv") {
      // RFC 4180 with the file's own header, strictly: a malformed line is an error naming its line, where
      // DuckDB's dialect sniffer would guess another delimiter (one column) or silently skip rows.
      const header = await readCsvHeader(file.path);
      if (header.length === 0)
        throw new InputError(`${file.path} line 1: no header line`, { file: file.path, row: 1 });
      headers.set(file.path, header);
      const columns = `{${header.map((name) => `${f.string(name)}: 'VARCHAR'`).join(", ")}}`;
      scan = `SELECT *, row_number() OVER () + 1 AS __row FROM read_csv(${f.string(file.path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true, columns = ${columns})`;
    } else {
      scan = `SELECT *, file_row_number AS __row FROM read_parquet(${f.string(file.path)}, file_row_number = true, hive_partitioning = false)`;
    }
    try {
      await engine.run(`CREATE OR REPLACE TEMP VIEW ${f.ident(source)} AS ${scan}`);
    } catch (cause) {
      throw new InputError(`${file.path}: cannot read as ${file.format}: ${(cause as Error).message}`, {
        file: file.path,
      });
    }
    const columns = new Map(
      (await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE ${f.ident(source)}`)).map(
        (c) => [c.column_name, c.column_type],
      ),
    );
    // An attribute file without observation times holds values known from the start (docs/metrics.md).
    const timeless = spec.relation === inputTables.user_attributes.relation && !columns.has(spec.time);
    const required = [
      ...spec.text,
      ...(timeless ? [] : [spec.time]),
      ...(spec.optionalNumber ? [spec.optionalNumber] : []),
    ];
    for (const column of required) {
      if (!columns.has(column)) {
        throw new InputError(
          `${file.path}: missing column "${column}" (found: ${[...columns.keys()].filter((c) => c !== "__row").join(", ")})`,
          { file: file.path, column },
        );
      }
    }
    const timeType = columns.get(spec.time) ?? "VARCHAR";
    const timeSql = timeless ? "TIMESTAMP '1970-01-01 00:00:00'" : parsedTime(f.ident(spec.time), timeType);
    if (timeSql === null) {
      throw new InputError(
        `${file.path}: column "${spec.time}" has type ${timeType}; expected a timestamp or text`,
        {
          file: file.path,
          column: spec.time,
        },
      );
    }
    const numberType = spec.optionalNumber ? (columns.get(spec.optionalNumber) ?? "VARCHAR") : null;
    // A numeric column holds numbers or nulls: only text needs parsing (and checking).
    const numeric = numberType !== null && numericTypes.has(numberType.toUpperCase());
    const numberSql =
      spec.optionalNumber === null
        ? null
        : numeric
          ? `CAST(${f.ident(spec.optionalNumber)} AS DOUBLE)`
          : `TRY_CAST(NULLIF(TRIM(CAST(${f.ident(spec.optionalNumber)} AS VARCHAR)), '') AS DOUBLE)`;
    const checks = [
      ...spec.text.map((c) => ({
        column: c,
        bad: `${f.ident(c)} IS NULL OR TRIM(CAST(${f.ident(c)} AS VARCHAR)) = ''`,
        why: "missing value",
      })),
      {
        column: spec.time,
        // A timestamp column converts whenever it is not null (no per-row cast needed to check it); text is parsed.
        bad: timeType.toUpperCase().startsWith("TIMESTAMP")
          ? `${f.ident(spec.time)} IS NULL`
          : `(${timeSql}) IS NULL`,
        why: "cannot parse as an ISO 8601 UTC time",
      },
      ...(spec.optionalNumber && numberSql && !numeric
        ? [
            {
              column: spec.optionalNumber,
              bad: `${numberSql} IS NULL AND NULLIF(TRIM(CAST(${f.ident(spec.optionalNumber)} AS VARCHAR)), '') IS NOT NULL`,
              why: "not a number",
            },
          ]
        : []),
    ];
    const reason = `CASE ${checks.map((c, i) => `WHEN ${c.bad} THEN ${i}`).join(" ")} END`;
    // A Parquet file is first checked by one count without row numbers (the clean case); the first bad row is only
    // looked for when there is one. A CSV's first full read is the row-numbered one: a parse error surfaces there.
    const anyBad =
      file.format === "parquet"
        ? Number(
            (
              await engine.query<{ n: number }>(
                `SELECT count(*) AS n FROM read_parquet(${f.string(file.path)}, hive_partitioning = false) WHERE ${checks.map((c) => `(${c.bad})`).join(" OR ")}`,
              )
            )[0]?.n ?? 0,
          ) > 0
        : true;
    const [bad] = anyBad
      ? await readingCsv(file.path, headers, () =>
          engine.query<{ __row: number; reason: number; raw: string | null }>(
            `SELECT __row, ${reason} AS reason, NULL AS raw FROM ${f.ident(source)} WHERE ${reason} IS NOT NULL ORDER BY __row LIMIT 1`,
          ),
        )
      : [];
    if (bad) {
      const check = checks[bad.reason]!;
      const [value] = await engine.query<{ v: string | null }>(
        `SELECT CAST(${f.ident(check.column)} AS VARCHAR) AS v FROM ${f.ident(source)} WHERE __row = ${bad.__row} LIMIT 1`,
      );
      const where = file.format === "csv" ? `line ${bad.__row}` : `row ${bad.__row}`;
      throw new InputError(
        `${file.path} ${where}: column "${check.column}": ${check.why}${value?.v ? ` ("${value.v}")` : ""}`,
        { file: file.path, row: bad.__row, column: check.column },
      );
    }
    const from =
      file.format === "parquet"
        ? `read_parquet(${f.string(file.path)}, hive_partitioning = false)`
        : f.ident(source);
    const numberColumn =
      spec.optionalNumber === null
        ? ""
        : numberType?.toUpperCase() === "DOUBLE"
          ? `, ${f.ident(spec.optionalNumber)}`
          : `, ${numberSql} AS ${f.ident(spec.optionalNumber)}`;
    parts.push(
      `SELECT ${spec.text.map((c) => (columns.get(c) === "VARCHAR" ? f.ident(c) : `CAST(${f.ident(c)} AS VARCHAR) AS ${f.ident(c)}`)).join(", ")}, ${timeSql} AS ${f.ident(spec.time)}${numberColumn} FROM ${from}`,
    );
  }
  await dropDuckDbRelation(engine, spec.relation);
  if (files.every((file) => file.format === "parquet")) {
    // Parquet is read where it lies: the models scan the files through a view (checked above), no copy.
    await engine.run(`CREATE VIEW ${f.ident(spec.relation)} AS\n${parts.join("\nUNION ALL\n")}`);
  } else {
    await readingCsv(files[0]?.path ?? "", headers, () =>
      engine.run(f.createTableAs(spec.relation, parts.join("\nUNION ALL\n"))),
    );
  }
  for (const index of files.keys()) {
    await engine.run(`DROP VIEW IF EXISTS ${f.ident(`__src_${spec.relation}_${index}`)}`);
  }
  const [count] = await engine.query<{ n: number }>(`SELECT count(*) AS n FROM ${spec.relation}`);
  return count?.n ?? 0;
}

/** Runs a read of CSV files, turning DuckDB's CSV parse error into a one-line `InputError` (file, line, column). */
async function readingCsv<T>(
  path: string,
  headers: ReadonlyMap<string, string[]>,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const file = /\n\s*file = (.+)\n/.exec(String((error as Error).message))?.[1]?.trim() ?? path;
    throw csvReadError(file, headers.get(file) ?? [], error) ?? error;
  }
}

/** DuckDB types a numeric input column may have (cast to DOUBLE as they are). */
const numericTypes = new Set([
  "DOUBLE",
  "FLOAT",
  "REAL",
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "BIGINT",
  "HUGEINT",
  "UTINYINT",
  "USMALLINT",
  "UINTEGER",
  "UBIGINT",
]);

function parsedTime(column: string, type: string): string | null {
  const upper = type.toUpperCase();
  if (upper === "VARCHAR") return `CAST(TRY_CAST(TRIM(${column}) AS TIMESTAMPTZ) AS TIMESTAMP)`;
  if (upper === "TIMESTAMP WITH TIME ZONE") return `CAST(${column} AS TIMESTAMP)`;
  if (upper.startsWith("TIMESTAMP")) return `CAST(${column} AS TIMESTAMP)`;
  return null;
}

/** Drops a DuckDB table or view of that name, whichever it is (DuckDB will not replace one kind by the other). */
export async function dropDuckDbRelation(engine: Engine, name: string): Promise<void> {
  const [found] = await engine.query<{ kind: string }>(
    `SELECT 'VIEW' AS kind FROM duckdb_views() WHERE view_name = ${f.string(name)} AND NOT internal
     UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = ${f.string(name)}`,
  );
  if (found) await engine.run(`DROP ${found.kind} ${f.ident(name)}`);
}
