import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { identityChallenges } from "../../src/db/schema/index.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { Api, dbOf, userApi } from "../helpers/api.ts";
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

// A real SMTP server on loopback (smtp-server) that parses what it receives (mailparser).
interface Mailbox {
  port: number;
  messages: ParsedMail[];
  logins: string[];
  /** Resolves with the next message delivered to the address. */
  next(to: string): Promise<ParsedMail>;
  close(): Promise<void>;
}

async function startSmtp(opts: { user: string; password: string }): Promise<Mailbox> {
  const messages: ParsedMail[] = [];
  const logins: string[] = [];
  const waiters: { to: string; resolve: (m: ParsedMail) => void }[] = [];
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.password) {
        logins.push(auth.username);
        cb(null, { user: auth.username });
      } else cb(new Error("Invalid username or password"));
    },
    onData(stream, _session, cb) {
      simpleParser(stream)
        .then((m) => {
          messages.push(m);
          const to = (Array.isArray(m.to) ? m.to : [m.to]).flatMap((a) => a?.value ?? []).map((a) => a.address);
          for (let i = waiters.length - 1; i >= 0; i--) {
            if (to.includes(waiters[i]!.to)) waiters.splice(i, 1)[0]!.resolve(m);
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
    logins,
    next: (to) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no mail for ${to}`)), 10_000);
        waiters.push({
          to,
          resolve: (m) => {
            clearTimeout(t);
            resolve(m);
          },
        });
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The 6-digit code in a verification message. */
function codeIn(m: ParsedMail): string {
  const code = m.text?.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error("no code in message");
  return code;
}

let host: WorkerHost;
let smtp: Mailbox;
before(async () => {
  smtp = await startSmtp({ user: "mailer", password: "smtp-pass-123" });
  host = await startWorkerHost({
    vars: {
      VE_MAIL_TRANSPORT: JSON.stringify({
        type: "smtp",
        host: "127.0.0.1",
        port: smtp.port,
        secure: false,
        allow_plaintext: true,
        user: "mailer",
        password: { $secret: "VE_SMTP_PASSWORD" },
        from: "VirtEngine <no-reply@virtengine.test>",
      }),
      VE_SMTP_PASSWORD: "smtp-pass-123",
    },
  });
});
after(async () => {
  await host?.dispose();
  await smtp?.close();
});

async function requestCode(api: Api, email: string): Promise<string> {
  const got = smtp.next(email);
  const r = await api.expect(200, api.post("/api/identity/email/start/", { email }));
  assert.equal(r.email, email);
  assert.ok(Date.parse(r.expires_at) > Date.now() + 9 * 60_000);
  return codeIn(await got);
}

test("email: a code sent over real SMTP verifies the address once; scopes list shows it without secrets", async () => {
  const a = await userApi(host, "mailuser1");
  const code = await requestCode(a, "Alice@Example.ORG".toLowerCase());
  const msg = smtp.messages.at(-1)!;
  assert.equal(msg.subject, "Your VirtEngine verification code");
  assert.equal(msg.from?.value[0]?.address, "no-reply@virtengine.test");
  assert.ok(smtp.logins.includes("mailer"));
  // D1 holds a keyed hash, not the code.
  const rows = await dbOf(host).select().from(identityChallenges).all();
  assert.ok(rows.length > 0 && rows.every((r) => !JSON.stringify(r).includes(code)));
  const pending = await a.expect(200, a.get("/api/identity/scopes/"));
  assert.equal(pending.length, 1);
  assert.equal(pending[0].status, "pending");
  assert.equal(pending[0].verified_at, null);
  const s = await a.expect(200, a.post("/api/identity/email/verify/", { email: "alice@example.org", code }));
  assert.equal(s.scope, "email");
  assert.equal(s.status, "verified");
  assert.ok(s.verified_at);
  const again = await a.post("/api/identity/email/verify/", { email: "alice@example.org", code });
  assert.equal(again.status, 400);
  assert.ok(again.body.code);
  const list = await a.expect(200, a.get("/api/identity/scopes/"));
  assert.deepEqual(
    list.map((x: { scope: string; subject: string; status: string }) => [x.scope, x.subject, x.status]),
    [["email", "alice@example.org", "verified"]],
  );
  assert.ok(!JSON.stringify(list).includes(code));
  // Another user sees none of it.
  const b = await userApi(host, "mailuser2");
  assert.deepEqual(await b.expect(200, b.get("/api/identity/scopes/")), []);
  assert.equal((await b.post("/api/identity/email/verify/", { email: "alice@example.org", code })).status, 400);
});

test("email: wrong codes count, the fifth wrong try kills the code; a newer code replaces the old", async () => {
  const a = await userApi(host, "mailuser3");
  const code = await requestCode(a, "bob@example.org");
  const wrong = code === "000000" ? "111111" : "000000";
  for (let i = 0; i < 4; i++) {
    const r = await a.post("/api/identity/email/verify/", { email: "bob@example.org", code: wrong });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { code: ["The code is not valid."] });
  }
  const fifth = await a.post("/api/identity/email/verify/", { email: "bob@example.org", code: wrong });
  assert.match(fifth.body.code[0], /too many wrong tries/);
  const dead = await a.post("/api/identity/email/verify/", { email: "bob@example.org", code });
  assert.equal(dead.status, 400);
  assert.match(dead.body.code[0], /expired or was not requested/);
  const first = await requestCode(a, "bob@example.org");
  const second = await requestCode(a, "bob@example.org");
  if (first !== second) {
    assert.equal((await a.post("/api/identity/email/verify/", { email: "bob@example.org", code: first })).status, 400);
  }
  await a.expect(200, a.post("/api/identity/email/verify/", { email: "bob@example.org", code: second }));
});

test("email: expired code refused", async () => {
  const a = await userApi(host, "mailuser4");
  const code = await requestCode(a, "carol@example.org");
  const db = dbOf(host);
  await db.update(identityChallenges).set({ expiresAt: new Date(Date.now() - 1000).toISOString() }).where(eq(identityChallenges.subject, "carol@example.org"));
  const r = await a.post("/api/identity/email/verify/", { email: "carol@example.org", code });
  assert.equal(r.status, 400);
  assert.match(r.body.code[0], /expired/);
});

test("email: at most 3 sends an hour per account and per address (429)", async () => {
  const a = await userApi(host, "mailuser5");
  for (let i = 0; i < 3; i++) await requestCode(a, `dave${i}@example.org`);
  const r = await a.post("/api/identity/email/start/", { email: "dave9@example.org" });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get("retry-after"), "3600");
  // Per address: three other accounts cannot flood one inbox either.
  for (let i = 0; i < 3; i++) {
    const u = await userApi(host, `mailflood${i}`);
    await requestCode(u, "victim@example.org");
  }
  const u = await userApi(host, "mailflood9");
  const flood = await u.post("/api/identity/email/start/", { email: "victim@example.org" });
  assert.equal(flood.status, 429);
  assert.ok(flood.body.email);
});

test("email: malformed input is a 400 naming the field; anonymous is 401", async () => {
  const a = await userApi(host, "mailuser6");
  assert.deepEqual((await a.post("/api/identity/email/start/", { email: "not-an-email" })).body, { email: ["Enter a valid email address."] });
  assert.deepEqual((await a.post("/api/identity/email/start/", {})).body, { email: ["This field is required."] });
  assert.equal((await a.post("/api/identity/email/start/", { email: "x@example.org\r\nBcc: y@example.org" })).status, 400);
  assert.deepEqual((await a.post("/api/identity/email/verify/", { email: "a@example.org", code: "12ab56" })).body, { code: ["Enter the 6-digit code."] });
  assert.ok((await a.post("/api/identity/email/verify/", { email: 5, code: 123456 })).body.email);
  assert.equal((await a.post("/api/identity/email/start/", "[1]")).status, 400);
  assert.equal((await new Api(host).post("/api/identity/email/start/", { email: "a@example.org" })).status, 401);
});
