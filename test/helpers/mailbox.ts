// A real SMTP server on loopback (smtp-server) that parses what it receives (mailparser), for the
// tests that follow a mail from the Worker to its reader: codes, invitations, broadcasts.
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface MailboxOptions {
  /** Require SMTP AUTH (PLAIN or LOGIN, plaintext on loopback) with these credentials. */
  auth?: { user: string; password: string };
  /** Addresses refused at RCPT TO, to see what a failed send leaves behind. */
  refuse?: string[];
}

export interface Mailbox {
  port: number;
  /** Every delivered message, in order. */
  messages: ParsedMail[];
  /** Users that authenticated. */
  logins: string[];
  /** Worker vars for this server: VE_MAIL_TRANSPORT, and with AUTH the password as the secret binding it names. */
  transport: { VE_MAIL_TRANSPORT: string; VE_SMTP_PASSWORD?: string };
  /** The first message to `to` (with `subject`, if given), delivered already or awaited. */
  waitFor(to: string, subject?: string, timeoutMs?: number): Promise<ParsedMail>;
  /** The oldest message to `to` not taken yet, awaited if there is none; each message is taken once. */
  take(to: string, timeoutMs?: number): Promise<ParsedMail>;
  /** Addresses a message was delivered to, lower-cased. */
  recipientsOf(m: ParsedMail): string[];
  close(): Promise<void>;
}

const recipientsOf = (m: ParsedMail) =>
  (Array.isArray(m.to) ? m.to : [m.to]).flatMap((a) => a?.value ?? []).map((a) => (a.address ?? "").toLowerCase());

export async function startMailbox(opts: MailboxOptions = {}): Promise<Mailbox> {
  const messages: ParsedMail[] = [];
  const logins: string[] = [];
  const taken = new Set<ParsedMail>();
  const refused = new Set((opts.refuse ?? []).map((a) => a.toLowerCase()));
  const listeners = new Set<() => void>();
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    authOptional: !opts.auth,
    authMethods: ["PLAIN", "LOGIN"],
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.password) {
        logins.push(auth.username);
        cb(null, { user: auth.username });
      } else cb(new Error("Invalid username or password"));
    },
    onRcptTo: (addr, _session, cb) => (refused.has(addr.address.toLowerCase()) ? cb(new Error("mailbox unavailable")) : cb()),
    onData(stream, _session, cb) {
      simpleParser(stream)
        .then((m) => {
          messages.push(m);
          for (const look of [...listeners]) look();
          cb();
        })
        .catch(cb);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;

  /** Resolves with the first message `pick` accepts, looking again after every delivery. */
  const awaitMessage = (what: string, pick: () => ParsedMail | undefined, timeoutMs: number) =>
    new Promise<ParsedMail>((resolve, reject) => {
      const look = () => {
        const m = pick();
        if (!m) return;
        listeners.delete(look);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        listeners.delete(look);
        reject(new Error(`no mail ${what}`));
      }, timeoutMs);
      listeners.add(look);
      look();
    });

  const transport = {
    VE_MAIL_TRANSPORT: JSON.stringify({
      type: "smtp",
      host: "127.0.0.1",
      port,
      allow_plaintext: true,
      ...(opts.auth ? { user: opts.auth.user, password: { $secret: "VE_SMTP_PASSWORD" } } : {}),
      from: "VirtEngine <no-reply@virtengine.test>",
    }),
    ...(opts.auth ? { VE_SMTP_PASSWORD: opts.auth.password } : {}),
  };

  return {
    port,
    messages,
    logins,
    transport,
    recipientsOf,
    waitFor: (to, subject, timeoutMs = 15_000) =>
      awaitMessage(
        `${subject ? `"${subject}" ` : ""}for ${to}`,
        () => messages.find((m) => recipientsOf(m).includes(to.toLowerCase()) && (subject === undefined || m.subject === subject)),
        timeoutMs,
      ),
    take: (to, timeoutMs = 15_000) =>
      awaitMessage(
        `for ${to}`,
        () => {
          // Marked as it is picked, so two takes waiting for the same address get different messages.
          const m = messages.find((x) => !taken.has(x) && recipientsOf(x).includes(to.toLowerCase()));
          if (m) taken.add(m);
          return m;
        },
        timeoutMs,
      ),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
