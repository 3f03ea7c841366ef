import { connect, type Socket } from "node:net";

export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  /** Name sent in EHLO; default "assay". */
  readonly clientName?: string;
  readonly timeoutMs?: number;
  /** Injected transport (a connected socket factory); default `node:net`'s `connect`. */
  readonly connect?: (port: number, host: string) => Socket;
}

export interface MailMessage {
  readonly from: string;
  readonly to: ReadonlyArray<string>;
  readonly subject: string;
  readonly text: string;
  readonly date?: Date;
}

/** The server answered an SMTP command with an unexpected code. */
export class SmtpError extends Error {
  constructor(
    readonly command: string,
    readonly code: number,
    readonly reply: string,
  ) {
    super(`SMTP ${command} failed: ${reply}`);
    this.name = "SmtpError";
  }
}

const encodeHeader = (value: string) =>
  /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, "utf8").toString("base64")}?=`;

/** RFC 5322 message with CRLF line ends and dot-stuffing (RFC 5321 §4.5.2). */
export function formatMessage(message: MailMessage): string {
  const headers = [
    `From: ${message.from}`,
    `To: ${message.to.join(", ")}`,
    `Subject: ${encodeHeader(message.subject)}`,
    `Date: ${(message.date ?? new Date()).toUTCString()}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
  ];
  const body = message.text
    .replace(/\r?\n/g, "\r\n")
    .split("\r\n")
    .map((line) => (line.startsWith(".") ? `.${line}` : line))
    .join("\r\n");
  return `${headers.join("\r\n")}\r\n\r\n${body}\r\n`;
}

/**
 * Sends one plain-text message over SMTP (EHLO, MAIL, RCPT, DATA, QUIT) without TLS or AUTH: meant for a
 * local relay (Postfix, an SMTP sidecar) that forwards the mail.
 * @example await sendMail({ host: "127.0.0.1", port: 25 }, { from: "assay@x", to: ["ds@x"], subject: "SRM", text: "..." });
 */
export async function sendMail(options: SmtpOptions, message: MailMessage): Promise<void> {
  const socket = (options.connect ?? ((port, host) => connect(port, host)))(options.port, options.host);
  socket.setEncoding("utf8");
  socket.setTimeout(options.timeoutMs ?? 15_000);
  let buffer = "";
  const waiting: Array<(reply: { code: number; text: string }) => void> = [];
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const w of waiting.splice(0)) w({ code: -1, text: error.message });
  };
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    // A reply ends with a line "NNN text" (a hyphen after the code means more lines follow).
    for (;;) {
      const match = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
      if (match === null) break;
      const end = match.index + match[0].length;
      const text = buffer.slice(0, end).trim();
      buffer = buffer.slice(end);
      waiting.shift()?.({ code: Number(match[2]), text });
    }
  });
  socket.on("error", failAll);
  socket.on("timeout", () => {
    failAll(new Error("SMTP timeout"));
    socket.destroy();
  });
  socket.on("close", () => failAll(new Error("SMTP connection closed")));
  const reply = () =>
    new Promise<{ code: number; text: string }>((resolve) => {
      if (failure !== undefined) resolve({ code: -1, text: failure.message });
      else waiting.push(resolve);
    });
  const expect = async (command: string, line: string | null, ok: ReadonlyArray<number>) => {
    const pending = reply();
    if (line !== null) socket.write(`${line}\r\n`);
    const r = await pending;
    if (!ok.includes(r.code)) throw new SmtpError(command, r.code, r.text);
  };
  try {
    await expect("greeting", null, [220]);
    await expect("EHLO", `EHLO ${options.clientName ?? "assay"}`, [250]);
    await expect("MAIL FROM", `MAIL FROM:<${message.from}>`, [250]);
    for (const to of message.to) await expect("RCPT TO", `RCPT TO:<${to}>`, [250, 251]);
    await expect("DATA", "DATA", [354]);
    await expect("message", `${formatMessage(message)}.`, [250]);
    await expect("QUIT", "QUIT", [221]);
  } finally {
    socket.end();
  }
}
