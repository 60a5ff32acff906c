// A real SMTP server on loopback (smtp-server, parsed by mailparser) for the broadcast tests, API
// and browser: every delivered message is kept, and waitFor(to, subject) finds or awaits one.
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface Mailbox {
  port: number;
  messages: ParsedMail[];
  /** The Worker's VE_MAIL_TRANSPORT for this server (no TLS, loopback only). */
  transport: string;
  waitFor(to: string, subject: string, timeoutMs?: number): Promise<ParsedMail>;
  /** Addresses a message was delivered to. */
  recipientsOf(m: ParsedMail): string[];
  close(): Promise<void>;
}

const addresses = (m: ParsedMail) =>
  (Array.isArray(m.to) ? m.to : [m.to]).flatMap((a) => a?.value ?? []).map((a) => (a.address ?? "").toLowerCase());

export async function startMailbox(): Promise<Mailbox> {
  const messages: ParsedMail[] = [];
  const waiters: { to: string; subject: string; resolve: (m: ParsedMail) => void }[] = [];
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, cb) {
      simpleParser(stream)
        .then((m) => {
          messages.push(m);
          const to = addresses(m);
          for (let i = waiters.length - 1; i >= 0; i--) {
            if (to.includes(waiters[i]!.to) && m.subject === waiters[i]!.subject) waiters.splice(i, 1)[0]!.resolve(m);
          }
          cb();
        })
        .catch(cb);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    transport: JSON.stringify({ type: "smtp", host: "127.0.0.1", port, allow_plaintext: true, from: "VirtEngine <no-reply@virtengine.test>" }),
    recipientsOf: addresses,
    waitFor: (to, subject, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const seen = messages.find((m) => addresses(m).includes(to.toLowerCase()) && m.subject === subject);
        if (seen) return resolve(seen);
        const t = setTimeout(() => reject(new Error(`no mail "${subject}" for ${to}`)), timeoutMs);
        waiters.push({
          to: to.toLowerCase(),
          subject,
          resolve: (m) => {
            clearTimeout(t);
            resolve(m);
          },
        });
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
