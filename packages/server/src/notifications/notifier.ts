import type { Database } from "../db/database.js";
import { listRoutes, type NotificationRoute } from "../decisions/decision-store.js";
import { withTeam } from "../registry/team-scope.js";
import type { NotificationEvent } from "./notification-event.js";
import { type MailMessage, type SmtpOptions, sendMail } from "./smtp-client.js";
import { createWebhookSender, type WebhookDelivery, type WebhookSenderOptions } from "./webhook-sender.js";

export interface NotifierOptions {
  readonly db: Database;
  readonly webhook?: WebhookSenderOptions;
  /** SMTP relay for e-mail routes; without it e-mail routes report an error. */
  readonly smtp?: SmtpOptions & { readonly from: string };
  /** Injected mail transport; default {@link sendMail}. */
  readonly sendMail?: (options: SmtpOptions, message: MailMessage) => Promise<void>;
}

export interface DeliveryReport {
  readonly route: string;
  readonly channel: NotificationRoute["channel"];
  readonly delivered: boolean;
  readonly error: string | null;
  readonly attempts?: number;
}

export type Notifier = (event: NotificationEvent) => Promise<DeliveryReport[]>;

/**
 * Delivers an event to every route of the event's team that subscribes to its type: webhooks (signed,
 * retried) and e-mail over SMTP. A failing route never stops the others.
 * @example const notify = createNotifier({ db }); await notify(event);
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const post = createWebhookSender(options.webhook ?? {});
  const mail = options.sendMail ?? sendMail;
  return async (event) => {
    const routes = await withTeam(options.db, event.team, listRoutes);
    const chosen = routes.filter((r) => r.events.includes(event.type));
    return Promise.all(
      chosen.map(async (route): Promise<DeliveryReport> => {
        if (route.channel === "webhook") {
          const d: WebhookDelivery = await post(route.target, route.secret, event);
          return {
            route: route.id,
            channel: route.channel,
            delivered: d.delivered,
            error: d.error,
            attempts: d.attempts,
          };
        }
        if (options.smtp === undefined) {
          return {
            route: route.id,
            channel: route.channel,
            delivered: false,
            error: "no SMTP relay configured",
          };
        }
        try {
          await mail(options.smtp, {
            from: options.smtp.from,
            to: route.target
              .split(",")
              .map((s) => s.trim())
              .filter((s) => s !== ""),
            subject: `[Assay] ${event.summary}`,
            text: `${event.summary}\n\nexperiment: ${event.experimentKey}\nevent: ${event.type}\nat: ${event.at}\n\n${JSON.stringify(event.details, null, 2)}\n`,
          });
          return { route: route.id, channel: route.channel, delivered: true, error: null };
        } catch (error) {
          return {
            route: route.id,
            channel: route.channel,
            delivered: false,
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
  };
}
