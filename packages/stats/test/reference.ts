import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One case of fixtures/reference/stats-public.json (computed with scipy 1.10.1, statsmodels 0.13.5, R rpact 3.3.4). */
export interface ReferenceCase {
  readonly request: { readonly id: string; readonly kind: string } & Record<string, unknown>;
  readonly expect: Record<string, unknown>;
}

export const referenceCasesPath = join(import.meta.dirname, "../../../fixtures/reference/stats-public.json");

export function loadReferenceCases(kind?: string): ReferenceCase[] {
  const { cases } = JSON.parse(readFileSync(referenceCasesPath, "utf8")) as { cases: ReferenceCase[] };
  return kind === undefined ? cases : cases.filter((c) => c.request.kind === kind);
}

/** The contract's tolerance for one output field (stats-contract.md, "Reference answers"). */
function tolerance(kind: string, field: string): { readonly relative: number; readonly absolute: number } {
  if (field === "z_bounds") return { relative: 0, absolute: 1e-3 };
  if (kind === "bayes_binomial" || field === "alpha_spent_cumulative") return { relative: 0, absolute: 1e-6 };
  return { relative: 1e-6, absolute: 1e-12 };
}

/** Returns a list of mismatches between `actual` and `expected` (empty when every field is within tolerance). */
export function compareToReference(
  kind: string,
  expected: Record<string, unknown>,
  actual: Record<string, unknown>,
) {
  const problems: string[] = [];
  for (const [field, want] of Object.entries(expected)) {
    const got = actual[field];
    const wants = Array.isArray(want) ? want : [want];
    const gots = Array.isArray(got) ? got : [got];
    if (wants.length !== gots.length) {
      problems.push(`${field}: expected ${wants.length} values, got ${gots.length}`);
      continue;
    }
    wants.forEach((w, i) => {
      const g = gots[i];
      if (field === "n_per_variant" && typeof w === "number" && typeof g === "number") {
        if (g !== w) problems.push(`${field}: expected ${w}, got ${g}`);
        return;
      }
      if (typeof w === "number") {
        const { relative, absolute } = tolerance(kind, field);
        const ok = typeof g === "number" && Math.abs(g - w) <= Math.max(absolute, relative * Math.abs(w));
        if (!ok) problems.push(`${field}[${i}]: expected ${w}, got ${String(g)}`);
      } else if (g !== w) {
        problems.push(`${field}[${i}]: expected ${String(w)}, got ${String(g)}`);
      }
    });
  }
  return problems;
}
