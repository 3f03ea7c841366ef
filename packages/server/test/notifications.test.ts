import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replaceRoutes } from "../src/decisions/decision-store.js";
import { createPgliteDatabase, type Database, migrate, withTeam } from "../src/index.js";
import type { NotificationEvent } from "../src/notifications/notification-event.js";
import { createNotifier } from "../src/notifications/notifier.js";
import { sendMail } from "../src/notifications/smtp-client.js";
import { createWebhookSender, signWebhook } from "../src/notifications/webhook-sender.js";

interface Mail {
  readonly from: string;
  readonly to: string[];
  readonly data: string;
}

/** A minimal SMTP receiver on 127.0.0.1 (RFC 5321 commands, dot-unstuffing). */
async function startSmtpReceiver(): Promise<{ port: number; mails: Mail[]; server: Server }> {
  const mails: Mail[] = [];
  const server = createTcpServer((socket) => {
    socket.setEncoding("utf8");
    let buffer = "";
    let inData = false;
    let from = "";
    let to: string[] = [];
    let data: string[] = [];
    socket.write("220 test ESMTP\r\n");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let i = buffer.indexOf("\r\n");
      while (i >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            mails.push({ from, to, data: data.join("\r\n") });
            socket.write("250 queued\r\n");
          } else data.push(line.startsWith("..") ? line.slice(1) : line);
        } else if (/^EHLO /i.test(line)) socket.write("250-test\r\n250 8BITMIME\r\n");
        else if (/^MAIL FROM:/i.test(line)) {
          from = line.slice(10).replace(/[<>]/g, "");
          to = [];
          data = [];
          socket.write("250 ok\r\n");
        } else if (/^RCPT TO:/i.test(line)) {
          to.push(line.slice(8).replace(/[<>]/g, ""));
          socket.write("250 ok\r\n");
        } else if (line === "DATA") {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (line === "QUIT") {
          socket.end("221 bye\r\n");
        } else socket.write("500 unknown\r\n");
        i = buffer.indexOf("\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { port: typeof address === "object" && address !== null ? address.port : 0, mails, server };
}

const event: NotificationEvent = {
  type: "srm_alert",
  team: "growth",
  experimentKey: "exp_a",
  summary: "exp_a: sample ratio mismatch for 3 consecutive intervals",
  details: { p_value: 1e-5, observed_shares: { control: 0.53, treatment: 0.47 } },
  at: "2026-02-22T03:00:00.000Z",
};

describe("webhooks", () => {
  it("retries 5xx with exponential backoff and signs every attempt", async () => {
    let calls = 0;
    const signatures: boolean[] = [];
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        calls++;
        const body = Buffer.concat(chunks).toString();
        signatures.push(
          req.headers["x-assay-signature"] ===
            signWebhook("k".repeat(16), String(req.headers["x-assay-timestamp"]), body),
        );
        res.statusCode = calls < 3 ? 503 : 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const waits: number[] = [];
    const send = createWebhookSender({ backoffMs: 100, sleep: async (ms) => void waits.push(ms) });
    const result = await send(`http://127.0.0.1:${port}/`, "k".repeat(16), event);
    server.close();
    expect(result).toEqual({ delivered: true, attempts: 3, status: 200, error: null });
    expect(waits).toEqual([100, 200]);
    expect(signatures).toEqual([true, true, true]);
  });

  it("does not retry a 4xx, and reports a refused connection after every attempt", async () => {
    const server = createHttpServer((_req, res) => {
      res.statusCode = 410;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const send = createWebhookSender({ attempts: 4, sleep: async () => undefined });
    expect(await send(`http://127.0.0.1:${port}/`, null, event)).toMatchObject({
      delivered: false,
      attempts: 1,
      status: 410,
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const refused = await send(`http://127.0.0.1:${port}/`, null, event);
    expect(refused).toMatchObject({ delivered: false, attempts: 4, status: null });
  });
});

describe("e-mail over SMTP and per-team routes", () => {
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let db: Database;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    db = await createPgliteDatabase();
    await migrate(db);
  });
  afterAll(async () => {
    smtp.server.close();
    await db.close();
  });

  it("delivers a message with its headers and a dot-stuffed body intact", async () => {
    await sendMail(
      { host: "127.0.0.1", port: smtp.port },
      {
        from: "assay@example.com",
        to: ["ds@example.com", "pm@example.com"],
        subject: "Grüße: SRM",
        text: "line 1\n.leading dot\nend",
      },
    );
    const mail = smtp.mails.at(-1)!;
    expect(mail.from).toBe("assay@example.com");
    expect(mail.to).toEqual(["ds@example.com", "pm@example.com"]);
    expect(mail.data).toMatch(/^Subject: =\?UTF-8\?B\?/m);
    expect(mail.data.split("\r\n\r\n")[1]).toBe("line 1\r\n.leading dot\r\nend");
  });

  it("sends each event only to the routes of its team that subscribe to it", async () => {
    await withTeam(db, "growth", (tx) =>
      replaceRoutes(tx, "growth", [
        {
          id: "ds-mail",
          events: ["srm_alert", "guardrail_breach"],
          channel: "email",
          target: "ds@example.com, lead@example.com",
          secret: null,
        },
        {
          id: "pm-mail",
          events: ["power_warning"],
          channel: "email",
          target: "pm@example.com",
          secret: null,
        },
      ]),
    );
    await withTeam(db, "payments", (tx) =>
      replaceRoutes(tx, "payments", [
        { id: "pay-mail", events: ["srm_alert"], channel: "email", target: "pay@example.com", secret: null },
      ]),
    );
    const notify = createNotifier({
      db,
      smtp: { host: "127.0.0.1", port: smtp.port, from: "assay@example.com" },
    });
    const before = smtp.mails.length;
    const reports = await notify(event);
    expect(reports).toEqual([{ route: "ds-mail", channel: "email", delivered: true, error: null }]);
    const sent = smtp.mails.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.to).toEqual(["ds@example.com", "lead@example.com"]);
    expect(sent[0]?.data).toMatch(/Subject: \[Assay\] exp_a: sample ratio mismatch/);
    expect(sent[0]?.data).toMatch(/"treatment": 0.47/);
  });
});
