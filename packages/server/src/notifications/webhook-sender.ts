import { createHmac } from "node:crypto";
import type { NotificationEvent } from "./notification-event.js";

export interface WebhookSenderOptions {
  /** Injected HTTP transport; default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Injected wait between attempts; default a `setTimeout` promise. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
  /** Attempts in total; default 5. */
  readonly attempts?: number;
  /** First backoff; doubles after each failed attempt. Default 500 ms. */
  readonly backoffMs?: number;
  readonly timeoutMs?: number;
}

export interface WebhookDelivery {
  readonly delivered: boolean;
  readonly attempts: number;
  readonly status: number | null;
  readonly error: string | null;
}

/** A webhook delivery that failed after every attempt. */
export class WebhookDeliveryError extends Error {
  constructor(
    readonly url: string,
    readonly delivery: WebhookDelivery,
  ) {
    super(`webhook ${url} failed after ${delivery.attempts} attempts: ${delivery.error}`);
    this.name = "WebhookDeliveryError";
  }
}

/**
 * The HMAC-SHA256 signature sent in `X-Assay-Signature` (`sha256=<hex>` over `<timestamp>.<body>`);
 * receivers recompute it with the shared secret and compare in constant time.
 * @example signWebhook("s3cret", "1760000000", '{"text":"hi"}');
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** Slack-compatible JSON (`text` + `blocks`), with the structured event alongside for other receivers. */
export function webhookBody(event: NotificationEvent): string {
  return JSON.stringify({
    text: `[Assay] ${event.summary}`,
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `*${event.type}* · \`${event.experimentKey}\`\n${event.summary}` },
      },
    ],
    event: {
      type: event.type,
      team: event.team,
      experiment_key: event.experimentKey,
      at: event.at,
      details: event.details,
    },
  });
}

/**
 * Posts an event to a webhook, signed, retrying network errors, 429 and 5xx with exponential backoff.
 * @example const send = createWebhookSender(); await send("https://hooks.slack.com/...", "secret", event);
 */
export function createWebhookSender(options: WebhookSenderOptions = {}) {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? (() => new Date());
  const attempts = options.attempts ?? 5;
  const backoff = options.backoffMs ?? 500;
  return async (url: string, secret: string | null, event: NotificationEvent): Promise<WebhookDelivery> => {
    const body = webhookBody(event);
    let status: number | null = null;
    let error: string | null = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const timestamp = String(Math.floor(now().getTime() / 1000));
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "x-assay-event": event.type,
        "x-assay-timestamp": timestamp,
      };
      if (secret !== null) headers["x-assay-signature"] = signWebhook(secret, timestamp, body);
      try {
        const response = await doFetch(url, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return { delivered: true, attempts: attempt, status, error: null };
        error = `HTTP ${response.status}`;
        // A 4xx other than 429 will not get better by retrying.
        if (response.status < 500 && response.status !== 429) {
          return { delivered: false, attempts: attempt, status, error };
        }
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause);
      }
      if (attempt < attempts) await sleep(backoff * 2 ** (attempt - 1));
    }
    return { delivered: false, attempts, status, error };
  };
}
