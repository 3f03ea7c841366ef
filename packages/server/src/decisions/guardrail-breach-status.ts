import type { Queryable } from "../db/database.js";

/** One breached guardrail of the decision engine's latest evaluation (`details.guardrails[]` of the decision). */
export interface GuardrailBreach {
  readonly metric_key: string;
  readonly variant: string;
  readonly relative_harm: number | null;
  readonly threshold: number;
  readonly z: number | null;
  readonly boundary: number | null;
}

/** The decision engine's verdict for an experiment, as of its latest evaluation. */
export interface GuardrailBreachStatus {
  readonly evaluated_at: string;
  /** The decision's status (ship, roll_back, keep_running, inconclusive) at that evaluation. */
  readonly status: string;
  /** The analysis method the decision followed (absent from an older server's decisions). */
  readonly method: string | null;
  /** The sequential SRM test's verdict: established, with its always-valid p (running minimum). */
  readonly srm: { readonly active: boolean; readonly p_value: number | null } | null;
  readonly breaches: ReadonlyArray<GuardrailBreach>;
  /** A breach made the experiment fail closed and nobody has re-enabled it yet. */
  readonly fail_closed: boolean;
}

interface StoredGuardrail extends GuardrailBreach {
  readonly breached?: boolean;
}

/**
 * The latest stored decision's guardrail breaches (the engine's sequential rule: harm beyond the threshold,
 * significant at the look's boundary) and the fail-closed guard, for the experiments the transaction's team
 * may see; an experiment the engine has not evaluated is absent.
 * @example const byKey = await readGuardrailBreaches(tx, ["exp_checkout"]); byKey.get("exp_checkout")?.breaches
 */
export async function readGuardrailBreaches(
  tx: Queryable,
  keys: ReadonlyArray<string>,
): Promise<Map<string, GuardrailBreachStatus>> {
  const out = new Map<string, GuardrailBreachStatus>();
  if (keys.length === 0) return out;
  const { rows } = await tx.query<{
    experiment_key: string;
    decision: {
      evaluatedAt?: string;
      status?: string;
      details?: {
        guardrails?: ReadonlyArray<StoredGuardrail>;
        method?: string;
        srm?: { active?: boolean; p_min?: number | null };
      };
    } | null;
    guard_active: boolean | null;
  }>(
    `select s.experiment_key, s.decision, g.active as guard_active
     from decision_state s left join experiment_guard g on g.experiment_key = s.experiment_key
     where s.experiment_key = any($1::text[])`,
    [[...keys]],
  );
  for (const r of rows) {
    if (r.decision?.evaluatedAt === undefined) continue;
    const srm = r.decision.details?.srm;
    out.set(r.experiment_key, {
      evaluated_at: r.decision.evaluatedAt,
      status: r.decision.status ?? "keep_running",
      method: r.decision.details?.method ?? null,
      srm: srm === undefined ? null : { active: srm.active === true, p_value: srm.p_min ?? null },
      breaches: (r.decision.details?.guardrails ?? [])
        .filter((g) => g.breached === true)
        .map(({ breached: _, ...g }) => g),
      fail_closed: r.guard_active === true,
    });
  }
  return out;
}
