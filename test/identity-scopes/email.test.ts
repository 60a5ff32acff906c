import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { identityChallenges } from "../../src/db/schema/index.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { Api, dbOf, userApi } from "../helpers/api.ts";
import type { ParsedMail } from "mailparser";
import { type Mailbox, startMailbox } from "../helpers/mailbox.ts";

/** The 6-digit code in a verification message. */
function codeIn(m: ParsedMail): string {
  const code = m.text?.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error("no code in message");
  return code;
}

let host: WorkerHost;
let smtp: Mailbox;
before(async () => {
  smtp = await startMailbox({ auth: { user: "mailer", password: "smtp-pass-123" } });
  host = await startWorkerHost({ vars: smtp.transport });
});
after(async () => {
  await host?.dispose();
  await smtp?.close();
});

async function requestCode(api: Api, email: string): Promise<string> {
  const got = smtp.take(email);
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
