import type { ExperimentStatus } from "../api/api-types.js";

export interface LifecycleAction {
  readonly to: ExperimentStatus;
  readonly label: string;
  /** Part of the preregistration workflow (submit, approve, send back). */
  readonly prereg: boolean;
}

/** The registry's legal moves (packages/server registry/experiment-rules.ts) as buttons. */
const actions: Readonly<Record<ExperimentStatus, ReadonlyArray<LifecycleAction>>> = {
  draft: [
    { to: "submitted", label: "Submit preregistration", prereg: true },
    { to: "archived", label: "Archive", prereg: false },
  ],
  submitted: [
    { to: "approved", label: "Approve preregistration", prereg: true },
    { to: "draft", label: "Send back to draft", prereg: true },
  ],
  approved: [
    { to: "running", label: "Start", prereg: false },
    { to: "draft", label: "Back to draft", prereg: true },
  ],
  running: [
    { to: "paused", label: "Pause", prereg: false },
    { to: "completed", label: "Complete", prereg: false },
  ],
  paused: [
    { to: "running", label: "Resume", prereg: false },
    { to: "completed", label: "Complete", prereg: false },
  ],
  completed: [{ to: "archived", label: "Archive", prereg: false }],
  archived: [],
};

/**
 * The buttons an experiment in `status` offers.
 * @example lifecycleActions("submitted").map((a) => a.label) // ["Approve preregistration", "Send back to draft"]
 */
export function lifecycleActions(status: ExperimentStatus): ReadonlyArray<LifecycleAction> {
  return actions[status];
}
