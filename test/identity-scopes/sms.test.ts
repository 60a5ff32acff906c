import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { identityChallenges, identityScopes, users } from "../../src/db/schema/index.ts";
import { SmsConfigError, smsSettings } from "../../src/identity/scopes/sms-transport.ts";
import { type Api, dbOf, userApi } from "../helpers/api.ts";
import { startTwilioTestServer, type SentMessage, type TwilioTestServer } from "../servers/sms-twilio-test-server.ts";

let host: WorkerHost;
let serviceHost: WorkerHost;
let badTokenHost: WorkerHost;
let twilio: TwilioTestServer;
const SERVICE_SID = `MG${"ab".repeat(16)}`;

before(async () => {
  twilio = await startTwilioTestServer();
  const base = { VE_SMS_API_URL: twilio.url, VE_SMS_ACCOUNT_SID: twilio.accountSid, VE_SMS_AUTH_TOKEN: twilio.authToken };
  [host, serviceHost, badTokenHost] = await Promise.all([
    startWorkerHost({ vars: { ...base, VE_SMS_FROM: "+15005550006" } }),
    startWorkerHost({ vars: { ...base, VE_SMS_MESSAGING_SERVICE_SID: SERVICE_SID } }),
    startWorkerHost({ vars: { ...base, VE_SMS_FROM: "VirtEngine", VE_SMS_AUTH_TOKEN: "not-the-token" } }),
  ]);
});
after(async () => {
  await Promise.all([host?.dispose(), serviceHost?.dispose(), badTokenHost?.dispose()]);
  await twilio?.close();
});

/** The 6-digit code in a text message, read as the phone's owner would. */
const codeIn = (m: SentMessage) => {
  const code = m.body.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error("no code in message");
  return code;
};

async function requestCode(api: Api, typed: string, e164: string): Promise<string> {
  const got = twilio.next(e164);
  const r = await api.expect(200, api.post("/api/identity/sms/start/", { phone_number: typed }));
  assert.equal(r.phone_number, `${e164.slice(0, 2)}${"•".repeat(e164.length - 4)}${e164.slice(-2)}`);
  assert.ok(Date.parse(r.expires_at) > Date.now() + 9 * 60_000);
  return codeIn(await got);
}

test("sms: a code texted through the Messages API verifies the number once; D1 holds neither number nor code", async () => {
  const a = await userApi(host, "smsuser1");
  const code = await requestCode(a, "+44 (20) 7946-0958", "+442079460958");
  const msg = twilio.messages.at(-1)!;
  assert.equal(msg.from, "+15005550006");
  assert.equal(msg.messagingServiceSid, null);
  assert.equal(msg.accountSid, twilio.accountSid);
  assert.ok(msg.contentType.startsWith("application/x-www-form-urlencoded"));
  assert.match(msg.body, /VirtEngine verification code is \d{6}/);

  const db = dbOf(host);
  const dump = JSON.stringify([await db.select().from(identityChallenges).all(), await db.select().from(identityScopes).all()]);
  for (const secret of [code, "442079460958", "2079460958"]) assert.ok(!dump.includes(secret), `${secret} in D1`);

  const pending = await a.expect(200, a.get("/api/identity/scopes/"));
  assert.deepEqual(pending.map((s: Json) => [s.scope, s.subject, s.status]), [["sms", "+4•••••••••58", "pending"]]);
  // The code is bound to the number it was sent to.
  const other = await a.post("/api/identity/sms/verify/", { phone_number: "+442079460959", code });
  assert.deepEqual(other.body, { code: ["The code has expired or was not requested; ask for a new one."] });
  const s = await a.expect(200, a.post("/api/identity/sms/verify/", { phone_number: "+442079460958", code }));
  assert.equal(s.scope, "sms");
  assert.equal(s.status, "verified");
  assert.equal(s.method, "sms");
  assert.equal(s.subject, "+4•••••••••58");
  assert.ok(s.verified_at);
  const again = await a.post("/api/identity/sms/verify/", { phone_number: "+442079460958", code });
  assert.equal(again.status, 400);
  assert.ok(again.body.code);
  // Another account cannot use it, and sees nothing.
  const b = await userApi(host, "smsuser2");
  assert.equal((await b.post("/api/identity/sms/verify/", { phone_number: "+442079460958", code })).status, 400);
  assert.deepEqual(await b.expect(200, b.get("/api/identity/scopes/")), []);
});

test("sms: five wrong codes kill it, an expired code is refused, a newer code replaces an older one", async () => {
  const a = await userApi(host, "smsuser3");
  const phone = "+14155550101";
  const code = await requestCode(a, phone, phone);
  const wrong = code === "000000" ? "111111" : "000000";
  for (let i = 0; i < 4; i++) assert.deepEqual((await a.post("/api/identity/sms/verify/", { phone_number: phone, code: wrong })).body, { code: ["The code is not valid."] });
  assert.deepEqual((await a.post("/api/identity/sms/verify/", { phone_number: phone, code: wrong })).body, {
    code: ["The code is not valid; too many wrong tries, ask for a new one."],
  });
  assert.equal((await a.post("/api/identity/sms/verify/", { phone_number: phone, code })).status, 400, "dead after five tries");

  const first = await requestCode(a, phone, phone);
  const second = await requestCode(a, phone, phone);
  if (first !== second) assert.equal((await a.post("/api/identity/sms/verify/", { phone_number: phone, code: first })).status, 400);
  // Expiry: move the live challenge's expiry into the past (no waiting in tests).
  const db = dbOf(host);
  await db.update(identityChallenges).set({ expiresAt: new Date(Date.now() - 1000).toISOString() }).where(eq(identityChallenges.kind, "sms"));
  assert.deepEqual((await a.post("/api/identity/sms/verify/", { phone_number: phone, code: second })).body, {
    code: ["The code has expired or was not requested; ask for a new one."],
  });
});

test("sms: at most 3 codes an hour per number (field named) and per account", async () => {
  const a = await userApi(host, "smsuser4");
  const b = await userApi(host, "smsuser5");
  const phone = "+4915112345678";
  for (let i = 0; i < 3; i++) await requestCode(i < 2 ? a : b, phone, phone);
  const sent = twilio.messages.length;
  const limited = await a.post("/api/identity/sms/start/", { phone_number: phone });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "3600");
  assert.deepEqual(limited.body.phone_number, ["At most 3 codes an hour."]);
  assert.equal(twilio.messages.length, sent, "nothing sent past the limit");
  // Per account, across numbers.
  const c = await userApi(host, "smsuser6");
  for (let i = 0; i < 3; i++) await requestCode(c, `+3361234567${i}`, `+3361234567${i}`);
  const perAccount = await c.post("/api/identity/sms/start/", { phone_number: "+33612345679" });
  assert.equal(perAccount.status, 429);
  assert.ok(perAccount.body.non_field_errors);
});

test("sms: malformed numbers and codes are 400s naming the field; nothing is sent", async () => {
  const a = await userApi(host, "smsuser7");
  const sent = twilio.messages.length;
  const bad: [unknown, string][] = [
    [undefined, "This field is required."],
    [12345678, "Not a valid string."],
    ["", "This field may not be blank."],
    ["07946 0958", "Enter a phone number in international format, e.g. +442079460958."],
    ["+0442079460958", "Enter a phone number in international format, e.g. +442079460958."],
    ["+44207946095812345", "Enter a phone number in international format, e.g. +442079460958."],
    ["+44 20 7946 O958", "Enter a phone number in international format, e.g. +442079460958."],
    ["+123", "Enter a phone number in international format, e.g. +442079460958."],
    ["+44\n2079460958\u0000", "Enter a phone number in international format, e.g. +442079460958."],
    ["+".padEnd(40, "1"), "Ensure this field has no more than 32 characters."],
  ];
  for (const [phone_number, message] of bad) {
    const r = await a.post("/api/identity/sms/start/", phone_number === undefined ? {} : { phone_number });
    assert.equal(r.status, 400, JSON.stringify(phone_number));
    assert.deepEqual(r.body, { phone_number: [message] }, JSON.stringify(phone_number));
  }
  assert.deepEqual((await a.post("/api/identity/sms/verify/", { phone_number: "+442079460958", code: "12ab56" })).body, { code: ["Enter the 6-digit code."] });
  assert.deepEqual((await a.post("/api/identity/sms/verify/", { phone_number: "+442079460958" })).body, { code: ["This field is required."] });
  assert.equal((await a.post("/api/identity/sms/start/", "[1,2]")).status, 400);
  assert.equal((await a.post("/api/identity/sms/start/", "{not json")).status, 400);
  assert.equal(twilio.messages.length, sent);
  const anon = await host.fetch("/api/identity/sms/start/", { method: "POST", body: JSON.stringify({ phone_number: "+442079460958" }), headers: { "Content-Type": "application/json" } });
  assert.equal(anon.status, 401);
});

test("sms: provider refusals map to clear errors (landline 400 on the field, outage 503) and kill the code", async () => {
  const a = await userApi(host, "smsuser8");
  twilio.landlines.add("+441632960001");
  const landline = await a.post("/api/identity/sms/start/", { phone_number: "+441632960001" });
  assert.deepEqual(landline.body, { phone_number: ["This number cannot receive text messages."] });
  twilio.failNext(1, 500, 20500);
  const outage = await a.post("/api/identity/sms/start/", { phone_number: "+441632960002" });
  assert.equal(outage.status, 503);
  assert.deepEqual(outage.body, { detail: "The text message could not be sent; try again later." });
  twilio.failNext(1, 429, 20429);
  assert.equal((await a.post("/api/identity/sms/start/", { phone_number: "+441632960003" })).status, 503);
  // No live challenge was left behind by the failed sends; no scope was created for them.
  const db = dbOf(host);
  const me = await db.select().from(users).where(eq(users.uuid, a.uuid)).get();
  const mineChallenges = await db.select().from(identityChallenges).where(eq(identityChallenges.userId, me!.id)).all();
  assert.equal(mineChallenges.length, 3, "failed sends still count against the hourly limit");
  assert.ok(mineChallenges.every((c) => c.usedAt !== null), "no live code after a failed send");
  assert.deepEqual(await a.expect(200, a.get("/api/identity/scopes/")), []);
});

test("sms: a messaging service sid is sent instead of From; a wrong auth token is a 503 and the provider saw a failed login", async () => {
  const a = await userApi(serviceHost, "smsuser9");
  const got = twilio.next("+61491570006");
  await a.expect(200, a.post("/api/identity/sms/start/", { phone_number: "+61 491 570 006" }));
  const m = await got;
  assert.equal(m.messagingServiceSid, SERVICE_SID);
  assert.equal(m.from, null);
  await a.expect(200, a.post("/api/identity/sms/verify/", { phone_number: "+61491570006", code: codeIn(m) }));

  const b = await userApi(badTokenHost, "smsuser10");
  const before = twilio.unauthorized;
  const r = await b.post("/api/identity/sms/start/", { phone_number: "+61491570007" });
  assert.equal(r.status, 503);
  assert.equal(twilio.unauthorized, before + 1);
  assert.equal((await b.post("/api/identity/sms/verify/", { phone_number: "+61491570007", code: "123456" })).status, 400);
});

test("sms settings: unset is off, malformed values are named, plain http only to loopback in local mode", () => {
  const sid = `AC${"0".repeat(32)}`;
  assert.equal(smsSettings({ VE_MODE: "production" }), null);
  const ok = smsSettings({ VE_MODE: "production", VE_SMS_ACCOUNT_SID: sid, VE_SMS_AUTH_TOKEN: "t", VE_SMS_FROM: "+15005550006" });
  assert.deepEqual(ok, { apiUrl: "https://api.twilio.com", accountSid: sid, authToken: "t", from: "+15005550006", messagingServiceSid: undefined });
  const bad: [Record<string, string>, RegExp][] = [
    [{ VE_SMS_ACCOUNT_SID: "AC123" }, /VE_SMS_ACCOUNT_SID/],
    [{ VE_SMS_ACCOUNT_SID: sid, VE_SMS_FROM: "+15005550006" }, /VE_SMS_AUTH_TOKEN/],
    [{ VE_SMS_ACCOUNT_SID: sid, VE_SMS_AUTH_TOKEN: "t" }, /VE_SMS_FROM or VE_SMS_MESSAGING_SERVICE_SID/],
    [{ VE_SMS_ACCOUNT_SID: sid, VE_SMS_AUTH_TOKEN: "t", VE_SMS_FROM: "555-0100" }, /VE_SMS_FROM/],
    [{ VE_SMS_ACCOUNT_SID: sid, VE_SMS_AUTH_TOKEN: "t", VE_SMS_MESSAGING_SERVICE_SID: "MG1" }, /VE_SMS_MESSAGING_SERVICE_SID/],
    [{ VE_SMS_ACCOUNT_SID: sid, VE_SMS_AUTH_TOKEN: "t", VE_SMS_FROM: "Ve", VE_SMS_API_URL: "http://127.0.0.1:1" }, /must be https/],
    [{ VE_SMS_ACCOUNT_SID: sid, VE_SMS_AUTH_TOKEN: "t", VE_SMS_FROM: "Ve", VE_SMS_API_URL: "not a url" }, /not a URL/],
  ];
  for (const [vars, msg] of bad) assert.throws(() => smsSettings({ VE_MODE: "production", ...vars }), (e: Error) => e instanceof SmsConfigError && msg.test(e.message));
  assert.throws(() => smsSettings({ VE_MODE: "local", VE_SMS_ACCOUNT_SID: sid, VE_SMS_AUTH_TOKEN: "t", VE_SMS_FROM: "Ve", VE_SMS_API_URL: "http://sms.example:80" }), /must be https/);
  assert.equal(smsSettings({ VE_MODE: "local", VE_SMS_ACCOUNT_SID: sid, VE_SMS_AUTH_TOKEN: "t", VE_SMS_FROM: "Ve", VE_SMS_API_URL: "http://127.0.0.1:9/" })?.apiUrl, "http://127.0.0.1:9");
});

// biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field
type Json = any;
