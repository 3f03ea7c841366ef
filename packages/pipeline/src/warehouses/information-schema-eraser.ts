import type { FunctionTable } from "../sql/dialect.js";
import type { Engine } from "../sql/engine.js";
import { groupColumns, personColumns } from "./person-columns.js";

/**
 * Erasure for warehouses with an SQL-standard `information_schema` and transactions (PostgreSQL, DuckDB): every
 * base table of the current schema holding a person column loses the user's rows, in one transaction.
 * @example const tables = await eraseViaInformationSchema(engine, postgresFunctions, "u-42");
 */
export async function eraseViaInformationSchema(
  engine: Engine,
  f: FunctionTable,
  userId: string,
): Promise<Record<string, number>> {
  const located = await engine.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
       AND c.column_name IN (${personColumns.map((c) => f.string(c)).join(", ")})
     ORDER BY c.table_name, c.column_name`,
  );
  const byTable = groupColumns(located.map((r) => [r.table_name, r.column_name]));
  const tables: Record<string, number> = {};
  await engine.run("BEGIN");
  try {
    for (const [table, columns] of byTable) {
      const where = columns.map((c) => `CAST(${f.ident(c)} AS VARCHAR) = ${f.string(userId)}`).join(" OR ");
      const [hit] = await engine.query<{ n: number }>(
        `SELECT count(*) AS n FROM ${f.ident(table)} WHERE ${where}`,
      );
      const n = Number(hit?.n ?? 0);
      if (n === 0) continue;
      await engine.run(`DELETE FROM ${f.ident(table)} WHERE ${where}`);
      tables[table] = n;
    }
    await engine.run("COMMIT");
  } catch (error) {
    await engine.run("ROLLBACK").catch(() => undefined);
    throw error;
  }
  return tables;
}
