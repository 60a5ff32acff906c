// Mail transport for the email scope: SMTP over a TCP socket from `cloudflare:sockets` (workerd
// has no raw sockets otherwise; Miniflare runs the same API locally). Configured by
// VE_MAIL_TRANSPORT, e.g.
//   {"type": "smtp", "host": "smtp.example.org", "port": 587, "secure": false,
//    "user": "mailer", "password": {"$secret": "VE_SMTP_PASSWORD"}, "from": "VirtEngine <no-reply@example.org>"}
// "secure": true is implicit TLS (port 465); otherwise STARTTLS is used when the server offers it,
// and required before AUTH unless "allow_plaintext": true (only sensible on loopback). A value
// {"$secret": "<NAME>"} is read from the Worker binding of that name (a wrangler secret), so the
// password never sits in the JSON variable. Nothing here logs the message body (it holds the code).
import * as v from "valibot";
import { ApiError } from "../../http/errors.ts";
import type { IdentityEnv } from "./common.ts";

const secretRef = v.union([v.string(), v.object({ $secret: v.pipe(v.string(), v.nonEmpty()) })]);
const smtpSchema = v.object({
  type: v.literal("smtp"),
  host: v.pipe(v.string(), v.nonEmpty()),
  port: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)),
  secure: v.optional(v.boolean(), false),
  allow_plaintext: v.optional(v.boolean(), false),
  user: v.optional(v.string()),
  password: v.optional(secretRef),
  from: v.pipe(v.string(), v.nonEmpty()),
  helo: v.optional(v.string(), "virtengine.local"),
});

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  allowPlaintext: boolean;
  user?: string;
  password?: string;
  from: string;
  helo: string;
}

export class MailConfigError extends Error {}
export class MailSendError extends Error {}

/** The configured transport, or null when none is configured; MailConfigError when it is malformed. */
export function mailSettings(env: IdentityEnv): SmtpSettings | null {
  const raw = env.VE_MAIL_TRANSPORT;
  if (!raw || raw.trim() === "") return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new MailConfigError("VE_MAIL_TRANSPORT is not valid JSON");
  }
  const r = v.safeParse(smtpSchema, json);
  if (!r.success) {
    const i = r.issues[0]!;
    throw new MailConfigError(`VE_MAIL_TRANSPORT ${(i.path ?? []).map((p) => String(p.key)).join(".")}: ${i.message}`);
  }
  const c = r.output;
  let password: string | undefined;
  if (typeof c.password === "string") password = c.password;
  else if (c.password) {
    const val = env[c.password.$secret];
    if (typeof val !== "string") throw new MailConfigError(`VE_MAIL_TRANSPORT password: secret ${c.password.$secret} is not set`);
    password = val;
  }
  return { host: c.host, port: c.port, secure: c.secure, allowPlaintext: c.allow_plaintext, user: c.user, password, from: c.from, helo: c.helo };
}

const enc = new TextEncoder();
const b64 = (s: string) => btoa(String.fromCharCode(...enc.encode(s)));

/** Bare address from "Name <addr>" or "addr". */
const addressOf = (s: string) => (s.match(/<([^>]+)>/)?.[1] ?? s).trim();

/** RFC 2047 encoded-word when the header is not plain ASCII. */
const headerText = (s: string) => (/^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${b64(s)}?=`);

export function formatMessage(from: string, msg: MailMessage, now = new Date()): string {
  const domain = addressOf(from).split("@")[1] ?? "virtengine.local";
  const body = msg.text
    .replace(/\r?\n/g, "\r\n")
    .split("\r\n")
    .map((l) => (l.startsWith(".") ? `.${l}` : l))
    .join("\r\n");
  return [
    `From: ${from}`,
    `To: ${msg.to}`,
    `Subject: ${headerText(msg.subject)}`,
    `Date: ${now.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${crypto.randomUUID()}@${domain}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    body,
    ".",
    "",
  ].join("\r\n");
}

/** Line-oriented SMTP conversation over a socket's streams. */
class Conversation {
  private buf = "";
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private writer: WritableStreamDefaultWriter<Uint8Array>;
  private dec = new TextDecoder();

  constructor(socket: Socket) {
    this.reader = socket.readable.getReader();
    this.writer = socket.writable.getWriter();
  }

  /** Reads one (possibly multi-line) reply. */
  async reply(): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    for (;;) {
      let nl = this.buf.indexOf("\n");
      while (nl < 0) {
        const { value, done } = await this.reader.read();
        if (done) throw new MailSendError("SMTP server closed the connection");
        this.buf += this.dec.decode(value, { stream: true });
        if (this.buf.length > 64_000) throw new MailSendError("SMTP reply too long");
        nl = this.buf.indexOf("\n");
      }
      const line = this.buf.slice(0, nl).replace(/\r$/, "");
      this.buf = this.buf.slice(nl + 1);
      lines.push(line.slice(4));
      if (!/^\d{3}[ -]/.test(line) && !/^\d{3}$/.test(line)) throw new MailSendError("malformed SMTP reply");
      if (line[3] !== "-") return { code: Number(line.slice(0, 3)), lines };
    }
  }

  async send(line: string) {
    await this.writer.write(enc.encode(line));
  }

  /** Sends a command and expects one of the codes; the error names the command verb only. */
  async command(cmd: string, expect: number[], label = cmd.split(" ")[0]!) {
    await this.send(`${cmd}\r\n`);
    const r = await this.reply();
    if (!expect.includes(r.code)) throw new MailSendError(`SMTP ${label} refused: ${r.code} ${r.lines.join(" ").slice(0, 200)}`);
    return r;
  }

  release() {
    this.reader.releaseLock();
    this.writer.releaseLock();
  }
}

const TIMEOUT_MS = 15_000;

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new MailSendError("SMTP timed out")), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

export async function sendSmtp(s: SmtpSettings, msg: MailMessage): Promise<void> {
  if (/[\r\n]/.test(msg.to) || /[\r\n]/.test(msg.subject)) throw new MailSendError("header injection refused");
  let socket: Socket;
  try {
    // Loaded when used: the route table is also read under Node (scripts/lib/routes.ts), which has no cloudflare: modules.
    const { connect } = await import("cloudflare:sockets");
    socket = connect({ hostname: s.host, port: s.port }, { secureTransport: s.secure ? "on" : "starttls", allowHalfOpen: false });
  } catch (e) {
    throw new MailSendError(`SMTP connect failed: ${(e as Error).message}`);
  }
  const run = async () => {
    let conv = new Conversation(socket);
    const greet = await conv.reply();
    if (greet.code !== 220) throw new MailSendError(`SMTP greeting ${greet.code}`);
    let ehlo = await conv.command(`EHLO ${s.helo}`, [250]);
    let tls = s.secure;
    if (!tls && ehlo.lines.some((l) => /^STARTTLS\b/i.test(l))) {
      await conv.command("STARTTLS", [220]);
      conv.release();
      socket = socket.startTls({ expectedServerHostname: s.host });
      conv = new Conversation(socket);
      ehlo = await conv.command(`EHLO ${s.helo}`, [250]);
      tls = true;
    }
    if (s.user !== undefined && s.password !== undefined) {
      if (!tls && !s.allowPlaintext) throw new MailSendError("SMTP server offers no TLS; refusing to send credentials in the clear");
      await conv.command(`AUTH PLAIN ${b64(`\0${s.user}\0${s.password}`)}`, [235], "AUTH");
    }
    await conv.command(`MAIL FROM:<${addressOf(s.from)}>`, [250], "MAIL");
    await conv.command(`RCPT TO:<${msg.to}>`, [250, 251], "RCPT");
    await conv.command("DATA", [354]);
    await conv.send(formatMessage(s.from, msg));
    const done = await conv.reply();
    if (done.code !== 250) throw new MailSendError(`SMTP message refused: ${done.code}`);
    await conv.send("QUIT\r\n").catch(() => {});
  };
  try {
    await withTimeout(run(), TIMEOUT_MS);
  } catch (e) {
    if (e instanceof MailSendError) throw e;
    throw new MailSendError(`SMTP failed: ${(e as Error).message.slice(0, 200)}`);
  } finally {
    await socket.close().catch(() => {});
  }
}

/**
 * The transport, or a 503 with `detail` when there is none or it is malformed (logged: the
 * operator's to fix). No retry can help then, unlike a failed send, so callers check this before
 * they issue or store anything.
 */
export function configuredMail(env: IdentityEnv, detail: string): SmtpSettings {
  let settings: SmtpSettings | null;
  try {
    settings = mailSettings(env);
  } catch (e) {
    if (!(e instanceof MailConfigError)) throw e;
    console.error(e.message);
    settings = null;
  }
  if (!settings) throw new ApiError(503, { detail });
  return settings;
}
