/**
 * The SDK's event client queues `{event_id, event_name, user_id, event_time_utc, ...properties}` and
 * exposures as `event_name: "exp.exposed"`, while `POST /api/events` expects
 * `{type, event_id, user_id, timestamp, event_name, value, properties}` and `{type: "exposure", ...}`:
 * sent as they are, the collector answers 200 and rejects every event (`timestamp: is required`).
 * Until the two agree, the simulator rewrites each batch on the wire with this function.
 */
export function toCollectorEvent(event: Record<string, unknown>): Record<string, unknown> {
  if (event.type === "identify" || typeof event.timestamp === "string") return event;
  const {
    event_id,
    event_name,
    user_id,
    event_time_utc,
    analytics_consent,
    experiment_id,
    variant_id,
    is_control: _isControl,
    iteration: _iteration,
    reason: _reason,
    value,
    ...properties
  } = event;
  const consent = analytics_consent === undefined ? {} : { analytics_consent };
  if (event_name === "exp.exposed") {
    return {
      type: "exposure",
      event_id,
      user_id,
      experiment_id,
      variant_id,
      timestamp: event_time_utc,
      ...consent,
    };
  }
  return {
    type: "event",
    event_id,
    user_id,
    event_name,
    timestamp: event_time_utc,
    value: typeof value === "number" ? value : null,
    properties,
    ...consent,
  };
}

/**
 * Rewrites a `{"events": [...]}` body from the SDK's shape to the collector's.
 * @example toCollectorBatch('{"events":[{"event_id":"e1","event_name":"purchase","user_id":"u","event_time_utc":"2026-01-01T00:00:00Z","value":3}]}')
 */
export function toCollectorBatch(body: string): string {
  const parsed = JSON.parse(body) as { events: Array<Record<string, unknown>> };
  return JSON.stringify({ events: parsed.events.map(toCollectorEvent) });
}
