/** Events the decision engine (and the rollout scheduler) announces; teams choose which go where (`PUT /api/notifications`). */
export const notificationEventTypes = [
  "guardrail_breach",
  "srm_alert",
  "run_failed",
  "power_warning",
  "decision_changed",
  "reenabled",
  // A guarded flag rollout stopped (guardrail breach: the flag is rolled back). `experimentKey` is the flag's key.
  "rollout_stopped",
] as const;
export type NotificationEventType = (typeof notificationEventTypes)[number];

export interface NotificationEvent {
  readonly type: NotificationEventType;
  readonly team: string;
  readonly experimentKey: string;
  /** One line for people (Slack `text`, e-mail subject). */
  readonly summary: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly at: string;
}
