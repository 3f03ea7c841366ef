import { z } from "zod";
import { evaluate } from "./evaluate.js";
import {
  type PolicyExperiment,
  type PolicySnapshot,
  policyExperimentSchema,
  policySnapshotSchema,
} from "./policy-input.js";
import type { DecisionStatus, PolicyState } from "./policy-state.js";
import { admitSnapshot } from "./snapshot-admission.js";

/** The history without its snapshots' contents, which {@link admitSnapshot} admits one by one. */
const historyHeadSchema = z.object({
  id: z.union([z.string().min(1).max(500), z.number()]),
  experiment: policyExperimentSchema,
  snapshots: z.array(z.unknown()).max(100_000),
});

/** One history of decisions-contract.md: an experiment and its scheduled snapshots in time order. */
export const historySchema = z.object({
  id: z.union([z.string().min(1).max(500), z.number()]),
  experiment: policyExperimentSchema,
  snapshots: z.array(policySnapshotSchema).max(100_000),
});

/** One run of a replayed history, as `--trace` lists it. */
export interface ReplayTraceEntry {
  readonly at: string;
  readonly status: DecisionStatus;
  readonly fail_closed: boolean;
  readonly reasons: ReadonlyArray<{
    readonly kind: string;
    readonly severity: string;
    readonly code: string;
  }>;
}

/** One output line of `assay decide --replay`. */
export type ReplayOutcome =
  | {
      readonly id: string | number;
      readonly final_status: DecisionStatus;
      readonly fail_closed_at: string | null;
      readonly first_ship_at: string | null;
      readonly first_roll_back_at: string | null;
      readonly srm_alert_at: string | null;
      readonly runs: number;
      readonly decisions?: ReplayTraceEntry[];
    }
  | { readonly id: string | number | null; readonly error: string };

/** `snapshots[3].metrics.revenue.control.n`: the path of a zod issue. */
function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join("");
}

/** What zod cannot see: variants the experiment does not have, arms missing, kinds mismatched, time going back. */
function checkConsistency(
  experiment: PolicyExperiment,
  snapshots: ReadonlyArray<PolicySnapshot>,
): string | null {
  const variants = new Set(experiment.variants.map((v) => v.key));
  const kinds = new Map(experiment.metrics.map((m) => [m.key, m.kind]));
  let last = Number.NEGATIVE_INFINITY;
  for (const [i, s] of snapshots.entries()) {
    const at = Date.parse(s.at);
    if (at < last) return `snapshots[${i}].at: must not be earlier than the previous snapshot's`;
    last = at;
    for (const v of Object.keys(s.units)) {
      if (!variants.has(v)) return `snapshots[${i}].units.${v}: unknown variant`;
    }
    for (const [metric, arms] of Object.entries(s.metrics)) {
      const kind = kinds.get(metric);
      if (kind === undefined) return `snapshots[${i}].metrics.${metric}: not a metric of the experiment`;
      for (const v of Object.keys(arms)) {
        if (!variants.has(v)) return `snapshots[${i}].metrics.${metric}.${v}: unknown variant`;
      }
      for (const v of variants) {
        const arm = arms[v];
        if (arm === undefined) return `snapshots[${i}].metrics.${metric}.${v}: missing arm`;
        if (kind === "ratio" && !("sum_den" in arm)) {
          return `snapshots[${i}].metrics.${metric}.${v}: a ratio metric needs sum_num, sum_den, sum_num_squares, sum_den_squares, sum_num_den`;
        }
      }
    }
  }
  return null;
}

/**
 * Replays one history through {@link evaluate}, carrying the state from snapshot to snapshot exactly as the
 * server does. Bad input gives `{id, error}` naming the field.
 * @example replayHistory(JSON.parse(line), { trace: false }).final_status;
 */
export function replayHistory(input: unknown, options: { readonly trace?: boolean } = {}): ReplayOutcome {
  const rawId = typeof input === "object" && input !== null ? (input as { id?: unknown }).id : undefined;
  const id = typeof rawId === "string" || typeof rawId === "number" ? rawId : null;
  const parsed = historyHeadSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { id, error: `${pathOf(issue?.path ?? []) || "history"}: ${issue?.message ?? "invalid"}` };
  }
  const { experiment } = parsed.data;
  const rawSnapshots = parsed.data.snapshots;
  const snapshots: PolicySnapshot[] = [];
  for (const [i, raw] of rawSnapshots.entries()) {
    const admitted = admitSnapshot(raw);
    if (!admitted.success) {
      const issue = admitted.error.issues[0];
      return {
        id,
        error: `${pathOf(["snapshots", i, ...(issue?.path ?? [])])}: ${issue?.message ?? "invalid"}`,
      };
    }
    snapshots.push(admitted.data);
  }
  const problem = checkConsistency(experiment, snapshots);
  if (problem !== null) return { id, error: problem };
  let state: PolicyState | null = null;
  let failClosedAt: string | null = null;
  let firstShipAt: string | null = null;
  let firstRollBackAt: string | null = null;
  let finalStatus: DecisionStatus = "keep_running";
  const trace: ReplayTraceEntry[] = [];
  for (const snapshot of snapshots) {
    const result = evaluate(experiment, snapshot, state, { explain: false });
    state = result.state;
    const status = result.decision.status;
    finalStatus = status;
    const tripped = result.effects.some((e) => e.type === "fail_closed");
    if (tripped && failClosedAt === null) failClosedAt = snapshot.at;
    if (status === "ship" && firstShipAt === null) firstShipAt = snapshot.at;
    if (status === "roll_back" && firstRollBackAt === null) firstRollBackAt = snapshot.at;
    if (options.trace === true) {
      trace.push({
        at: snapshot.at,
        status,
        fail_closed: state.guard.active,
        reasons: result.decision.reasons.map((r) => ({ kind: r.kind, severity: r.severity, code: r.code })),
      });
    }
  }
  return {
    id: parsed.data.id,
    final_status: finalStatus,
    fail_closed_at: failClosedAt,
    first_ship_at: firstShipAt,
    first_roll_back_at: firstRollBackAt,
    srm_alert_at: state?.srm.alertedAt ?? null,
    runs: snapshots.length,
    ...(options.trace === true ? { decisions: trace } : {}),
  };
}

/**
 * Replays JSON Lines text: one output per non-empty line; a line that is not JSON gives `{id: null, error}`.
 * @example replayLines('{"id":"h-1",...}\n').map((o) => JSON.stringify(o)).join("\n");
 */
export function replayLine(
  line: string,
  lineNumber: number,
  options: { readonly trace?: boolean } = {},
): ReplayOutcome {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { id: null, error: `line ${lineNumber}: not valid JSON (${(error as Error).message})` };
  }
  return replayHistory(value, options);
}
