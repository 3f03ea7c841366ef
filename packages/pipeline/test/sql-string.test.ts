import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine, type Engine, SqlStringError, sqlString } from "../src/index.js";
import { segmentResultColumns } from "../src/results/compute-segment-results.js";
import { compileResultsTable } from "../src/results/results-table.js";
import { clickhouseDialect } from "../src/warehouses/clickhouse/sql-compiler.js";
import { duckdbDialect } from "../src/warehouses/duckdb/sql-compiler.js";

const hostile = [
  "",
  "plain",
  "O'Brien",
  "''; DROP TABLE x; --",
  "back\\slash\\",
  "\\'",
  "a\u0000b",
  "\u0000",
  "\u0000'\u0000",
  "tab\tnew\nline\r",
  "😀 é ü 中",
  "\u0001\u001f\u007f",
  '"double" `tick`',
  "$1 ? :name %s",
];

describe("sqlString: the one quoting function", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createDuckDbEngine({ threads: 1 });
  });
  afterAll(async () => {
    await engine.close();
  });

  it("round-trips hostile strings through DuckDB unchanged (NUL as chr(0))", async () => {
    for (const s of hostile) {
      const [row] = await engine.query<{ v: string; n: number }>(
        `SELECT ${sqlString(s)} AS v, length(${sqlString(s)}) AS n WHERE ${sqlString(s)} = ${sqlString(s)}`,
      );
      expect(row?.v, JSON.stringify(s)).toBe(s);
    }
  });

  it("property: any well-formed string round-trips", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", maxLength: 20 }),
        fc.string({ maxLength: 5 }),
        async (a, b) => {
          const s = `${a}\u0000${b}'\\`;
          const [row] = await engine.query<{ v: string }>(`SELECT ${sqlString(s)} AS v`);
          expect(row?.v).toBe(s);
        },
      ),
      { numRuns: 60, seed: 16 },
    );
  });

  it("refuses a lone surrogate (no UTF-8 form) in every dialect", () => {
    for (const s of ["\ud800", "a\udc00", "\udc00\ud800"]) {
      expect(() => sqlString(s)).toThrow(SqlStringError);
      expect(() => duckdbDialect.functions.string(s)).toThrow(SqlStringError);
      expect(() => clickhouseDialect.functions.string(s)).toThrow(SqlStringError);
    }
    expect(sqlString("😀")).toBe("'😀'");
    expect(clickhouseDialect.functions.string("a\u0000'\\")).toBe("'a\\0\\'\\\\'");
  });

  it("a NUL in a segment value no longer breaks the results table (issue 16, finding 5)", async () => {
    const row = {
      experiment_id: "exp",
      metric_id: "m",
      analysis_mode: "itt",
      segment_attribute: "platform",
      segment_value: "a\u0000b",
      variation_id: "treatment",
      is_control: false,
      n_users: 10,
    } as unknown as Parameters<typeof compileResultsTable>[0][number];
    const sql = compileResultsTable([row], duckdbDialect, segmentResultColumns as never);
    const rows = await engine.query<{ segment_value: string }>(`SELECT segment_value FROM (${sql})`);
    expect(rows[0]?.segment_value).toBe("a\u0000b");
  });
});
