/** Columns that name a person in warehouse tables (the unit, and both sides of an identity link). */
export const personColumns = ["user_id", "anon_id", "identity_id"] as const;

/** `(table, column)` pairs grouped by table, in order. */
export function groupColumns(pairs: ReadonlyArray<readonly [string, string]>): Map<string, string[]> {
  const byTable = new Map<string, string[]>();
  for (const [table, column] of pairs) byTable.set(table, [...(byTable.get(table) ?? []), column]);
  return byTable;
}
