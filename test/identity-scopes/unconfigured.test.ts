// A channel this deployment has no (usable) transport for says so: 503 "not configured", which no
// retry can fix, told apart from a send that failed and may work later (README start QA: without
// VE_MAIL_TRANSPORT the email start said "try again later"). Nothing is issued or counted then;
// invitations by email answer the same way.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { identityChallenges, identityScopes, users } from "../../src/db/schema/index.ts";
import { type Api, dbOf, userApi } from "../helpers/api.ts";

const EMAIL_OFF = { detail: "Email verification is not configured on this deployment." };
const SMS_OFF = { detail: "Text message verification is not configured on this deployment." };

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  const port = await new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as { port: number }).port)));
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let bare: WorkerHost;
let malformed: WorkerHost;
let down: WorkerHost;
before(async () => {
  const port = await closedPort();
  [bare, malformed, down] = await Promise.all([
    startWorkerHost(),
    startWorkerHost({ vars: { VE_MAIL_TRANSPORT: '{"type": "smtp", "host": "mail.example.org"', VE_SMS_ACCOUNT_SID: "AC123" } }),
    startWorkerHost({
      vars: { VE_MAIL_TRANSPORT: JSON.stringify({ type: "smtp", host: "127.0.0.1", port, allow_plaintext: true, from: "VirtEngine <no-reply@virtengine.test>" }) },
    }),
  ]);
});
after(async () => {
  await Promise.all([bare?.dispose(), malformed?.dispose(), down?.dispose()]);
});

async function challengesOf(host: WorkerHost, api: Api & { uuid: string }) {
  const db = dbOf(host);
  const me = await db.select().from(users).where(eq(users.uuid, api.uuid)).get();
  return db.select().from(identityChallenges).where(eq(identityChallenges.userId, me!.id)).all();
}

test("no transport configured: email and sms start answer 503 'not configured', issue nothing and count nothing", async () => {
  const a = await userApi(bare, "offuser1");
  // More starts than the hourly limit: never a 429, since nothing was issued.
  for (let i = 0; i < 5; i++) {
    const e = await a.post("/api/identity/email/start/", { email: "someone@example.org" });
    assert.equal(e.status, 503);
    assert.deepEqual(e.body, EMAIL_OFF);
    const s = await a.post("/api/identity/sms/start/", { phone_number: "+442079460958" });
    assert.equal(s.status, 503);
    assert.deepEqual(s.body, SMS_OFF);
  }
  assert.deepEqual(await challengesOf(bare, a), []);
  assert.deepEqual(await dbOf(bare).select().from(identityScopes).all(), []);
  // Input is still checked first: a bad address is the user's to fix, whatever the deployment.
  assert.deepEqual((await a.post("/api/identity/email/start/", { email: "nope" })).body, { email: ["Enter a valid email address."] });
  assert.ok((await a.post("/api/identity/sms/start/", { phone_number: "555" })).body.phone_number);
});

test("a malformed transport setting is the operator's to fix: the same 'not configured' 503, no secrets in the answer", async () => {
  const a = await userApi(malformed, "offuser2");
  const e = await a.post("/api/identity/email/start/", { email: "someone@example.org" });
  assert.equal(e.status, 503);
  assert.deepEqual(e.body, EMAIL_OFF);
  const s = await a.post("/api/identity/sms/start/", { phone_number: "+442079460958" });
  assert.equal(s.status, 503);
  assert.deepEqual(s.body, SMS_OFF);
  assert.deepEqual(await challengesOf(malformed, a), []);
});

test("a configured mail server that cannot be reached is transient: 'try again later', the code killed but counted", async () => {
  const a = await userApi(down, "offuser3");
  const r = await a.post("/api/identity/email/start/", { email: "someone@example.org" });
  assert.equal(r.status, 503);
  assert.deepEqual(r.body, { detail: "The verification email could not be sent; try again later." });
  const rows = await challengesOf(down, a);
  assert.equal(rows.length, 1, "a failed send counts against the hourly limit");
  assert.ok(rows[0]!.usedAt, "no live code after a failed send");
  assert.deepEqual(await dbOf(down).select().from(identityScopes).all(), []);
});

test("invitations by email: 'not configured' without a transport, 'try again later' when the server is down; nothing kept either way", async () => {
  for (const [host, detail] of [
    [bare, "Email is not configured on this deployment, so invitations cannot be sent."],
    [down, "The invitation email could not be sent; try again later."],
  ] as const) {
    const owner = await userApi(host);
    const org = await owner.expect(201, owner.post("/api/customers/", { name: `Mail-less ${detail.length}` }));
    const r = await owner.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.MANAGER", email: "colleague@example.org" });
    assert.equal(r.status, 503);
    assert.deepEqual(r.body, { detail });
    assert.deepEqual(await owner.expect(200, owner.get("/api/user-invitations/")), []);
  }
});
