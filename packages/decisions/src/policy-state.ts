import type { PowerReport } from "./power-monitor.js";

/** Where the primary metric's analysis stands. */
export type PrimaryOutcome = "continue" | "efficacy" | "harm" | "final_no_effect";

export type DecisionStatus = "ship" | "roll_back" | "keep_running" | "inconclusive";

/**
 * What one run of the policy leaves for the next: the only memory the policy has. The server persists it
 * per experiment; `assay decide --replay` carries it from snapshot to snapshot in the same way.
 */
export interface PolicyState {
  readonly version: 2;
  /** Runs evaluated so far. */
  readonly runs: number;
  /** The snapshot time of the last run (snapshots must not go back in time). */
  readonly lastAt: string | null;
  readonly primary: {
    /** A crossing (efficacy, harm) is kept once reached; `final_no_effect` only by fixed-horizon and group-sequential designs. */
    readonly outcome: PrimaryOutcome;
    /** group_sequential: the last planned look analysed (each look is analysed once). */
    readonly look: number;
    readonly decidedAt: string | null;
  };
  readonly srm: {
    /** Running minimum of the always-valid p (valid at any stopping time). */
    readonly pMin: number;
    readonly alertedAt: string | null;
  };
  /** The fail-closed guard as the policy last left it (the server clears it on a deliberate re-enable). */
  readonly guard: { readonly active: boolean; readonly trippedAt: string | null };
  readonly power: PowerReport | null;
  /** UTC day (YYYY-MM-DD) the power report was computed on: it is recomputed once a day. */
  readonly powerDay: string | null;
  readonly lastStatus: DecisionStatus | null;
}

export const initialPolicyState: PolicyState = {
  version: 2,
  runs: 0,
  lastAt: null,
  primary: { outcome: "continue", look: 0, decidedAt: null },
  srm: { pMin: 1, alertedAt: null },
  guard: { active: false, trippedAt: null },
  power: null,
  powerDay: null,
  lastStatus: null,
};

const outcomes: ReadonlyArray<PrimaryOutcome> = ["continue", "efficacy", "harm", "final_no_effect"];

/**
 * A stored state as the policy reads it: a state of this version is taken as it is; an older server's state
 * (`primaryLook`, `primaryOutcome`, `power`) keeps its group-sequential look and outcome; anything else starts fresh.
 * @example readPolicyState(null) === initialPolicyState; // true
 */
export function readPolicyState(stored: unknown): PolicyState {
  if (typeof stored !== "object" || stored === null) return initialPolicyState;
  const s = stored as Record<string, unknown>;
  if (s.version === 2) return stored as PolicyState;
  const look = typeof s.primaryLook === "number" ? s.primaryLook : 0;
  const outcome = outcomes.includes(s.primaryOutcome as PrimaryOutcome)
    ? (s.primaryOutcome as PrimaryOutcome)
    : "continue";
  return { ...initialPolicyState, primary: { outcome, look, decidedAt: null } };
}
