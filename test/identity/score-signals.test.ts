// The score's signals from real D1 rows: sessions recorded by the authentication middleware as
// keyed hashes, scopes verified through the API (SMS through the Twilio test server, TOTP, captures
// with a validator's verdict), served to validators as rows, turned into features by the scorer's
// feature code, scored by the model and posted back with the pipeline hash; reasons stay off chain.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { toBech32 } from "@cosmjs/encoding";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { generateKeyPair, type KeyPair } from "../../src/crypto/keys.ts";
import { chainOutbox, identityScores, identitySessionSightings, users } from "../../src/db/schema/index.ts";
import { base32Decode, hotp, timeStep } from "../../src/identity/scopes/totp.ts";
import { extractFeatures } from "../../src/identity/scoring/features.ts";
import { loadScoreModel, scoreAccount } from "../../src/identity/scoring/model.ts";
import { pipelineVersion } from "../../src/identity/scoring/pipeline.ts";
import { scoreOnce } from "../../src/identity/scoring/scorer.ts";
import { deviceOf, networkOf } from "../../src/identity/scoring/sessions.ts";
import { signalRows } from "../../src/identity/scoring/signals.ts";
import { b64urlEncode } from "../../src/identity/sso/id-token.ts";
import { createUser } from "../../src/structure/users.ts";
import { Api, dbOf } from "../helpers/api.ts";
import { startTwilioTestServer, type TwilioTestServer } from "../servers/sms-twilio-test-server.ts";
import { fixture, registerDevice, upload } from "../identity-scopes/capture-client.ts";

// biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field
type Json = any;

const VALOPER = toBech32("virtenginevaloper", new Uint8Array(20).fill(7));
const PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile";
const LAPTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0";
let host: WorkerHost;
let twilio: TwilioTestServer;
let validatorKey: KeyPair;
let validator: Api;

before(async () => {
  validatorKey = await generateKeyPair();
  twilio = await startTwilioTestServer();
  host = await startWorkerHost({
    vars: {
      VE_IDENTITY_VALIDATORS: JSON.stringify([
        { validator: VALOPER, public_key: b64urlEncode(validatorKey.publicKey), key_version: 1 },
      ]),
      VE_SMS_API_URL: twilio.url,
      VE_SMS_ACCOUNT_SID: twilio.accountSid,
      VE_SMS_AUTH_TOKEN: twilio.authToken,
      VE_SMS_FROM: "+15005550006",
    },
  });
  validator = await loginFrom("scorevalidator", LAPTOP_UA, "192.0.2.1", true);
  await validator.expect(
    201,
    validator.post("/api/encryption-keys/", { public_key: b64urlEncode(validatorKey.publicKey) }),
  );
});
after(async () => {
  await host?.dispose();
  await twilio?.close();
});

/** A password login, then the token's first use from this device and address (what records a sighting). */
async function loginFrom(username: string, ua: string, ip: string, create = false): Promise<Api> {
  if (create)
    await createUser(dbOf(host), { username, password: "user-password-1", email: `${username}@example.org` });
  const r = await new Api(host).post("/api-auth/password/", { username, password: "user-password-1" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const api = new Api(host, r.body.token);
  await api.expect(
    200,
    api.call("GET", "/api/users/me/", undefined, { "User-Agent": ua, "CF-Connecting-IP": ip }),
  );
  // Within the minute, further use of the same token is not another sighting.
  await api.expect(
    200,
    api.call("GET", "/api/users/me/", undefined, { "User-Agent": ua, "CF-Connecting-IP": ip }),
  );
  return api;
}

const userId = async (username: string) =>
  (await dbOf(host).select().from(users).where(eq(users.username, username)).get())!;
const sightingsOf = async (id: number) =>
  dbOf(host).select().from(identitySessionSightings).where(eq(identitySessionSightings.userId, id)).all();

async function verifyPhone(api: Api, phone: string) {
  const got = twilio.next(phone);
  await api.expect(200, api.post("/api/identity/sms/start/", { phone_number: phone }));
  const code = (await got).body.match(/\b(\d{6})\b/)![1];
  await api.expect(200, api.post("/api/identity/sms/verify/", { phone_number: phone, code }));
}

async function enableTotp(api: Api) {
  const s = await api.expect(200, api.post("/api/identity/totp/setup/"));
  const code = await hotp(base32Decode(s.secret), timeStep(Date.now() / 1000));
  await api.expect(200, api.post("/api/identity/totp/confirm/", { code }));
}

const dueFor = async (uuid: string) =>
  ((await validator.expect(200, validator.get("/api/identity/scoring/due/"))) as Json[]).find(
    (d) => d.account === uuid,
  );

test("networks and devices: /24 and /48 prefixes, IPv4-mapped addresses, junk is unknown", () => {
  assert.equal(networkOf("203.0.113.77"), "203.0.113.0/24");
  assert.equal(networkOf("::ffff:203.0.113.5"), "203.0.113.0/24");
  assert.equal(networkOf("2001:db8:abcd:12::1"), "2001:db8:abcd::/48");
  assert.equal(networkOf("2001:DB8::1"), "2001:db8:0::/48");
  assert.equal(networkOf("::1"), "0:0:0::/48");
  for (const junk of [
    undefined,
    null,
    "",
    "999.1.1.1",
    "1.2.3",
    "2001:db8::1::2",
    "1:2:3",
    "hello",
    "12345::1",
  ])
    assert.equal(networkOf(junk), "unknown", String(junk));
  assert.equal(deviceOf("  "), "unknown");
  assert.equal(deviceOf("x".repeat(2000)).length, 512);
});

test("sessions: each token's first use is one sighting per (network, device), as keyed hashes bound to the account", async () => {
  await loginFrom("sigalice", PHONE_UA, "203.0.113.7", true);
  await loginFrom("sigalice", PHONE_UA, "203.0.113.99"); // same /24
  await loginFrom("sigalice", LAPTOP_UA, "198.51.100.4");
  const alice = await userId("sigalice");
  const rows = await sightingsOf(alice.id);
  assert.deepEqual(rows.map((r) => r.hits).sort(), [1, 2]);
  for (const r of rows) {
    assert.match(r.networkHash, /^[0-9a-f]{32}$/);
    assert.match(r.deviceHash, /^[0-9a-f]{32}$/);
  }
  const dump = JSON.stringify(await dbOf(host).select().from(identitySessionSightings).all());
  for (const plain of ["203.0.113", "198.51.100", "Pixel", "Firefox", "Mozilla"])
    assert.ok(!dump.includes(plain), `${plain} in D1`);
  // The same phone and network in another account hash differently: nothing links the two.
  await loginFrom("sigbob", PHONE_UA, "203.0.113.7", true);
  const bob = await sightingsOf((await userId("sigbob")).id);
  assert.equal(bob.length, 1);
  assert.ok(rows.every((r) => r.networkHash !== bob[0]!.networkHash && r.deviceHash !== bob[0]!.deviceHash));
  // No identity evidence yet: neither account is due for a score.
  assert.equal(await dueFor(alice.uuid), undefined);
});

test("features from real D1 rows: phone over SMS, TOTP, a face match verdict and two devices, as the validator's scorer sees them", async () => {
  const alice = await loginFrom("sigalice", PHONE_UA, "203.0.113.8");
  const row = await userId("sigalice");
  await verifyPhone(alice, "+442079460111");
  await enableTotp(alice);
  const device = await registerDevice(alice);
  const doc = (await upload(alice, device, { scope: "id_document", image: fixture("img2.jpg") })).body.uuid;
  const selfie = (await upload(alice, device, { scope: "selfie", image: fixture("img1.jpg") })).body.uuid;
  const verdict = {
    document: doc,
    selfie,
    outcome: "match",
    distance: 0.31,
    pipeline_version: "face-v1",
    pipeline_hash: "b".repeat(64),
  };
  await validator.expect(201, validator.post("/api/identity/scoring/attestations/", verdict));

  // Only identity validators read signals.
  assert.equal((await alice.get("/api/identity/scoring/due/")).status, 403);
  const due = await dueFor(row.uuid);
  assert.ok(due, "alice is due for a score");
  assert.equal(due.last_scored, null);
  const text = JSON.stringify(due);
  for (const secret of ["442079460111", "2079460111", doc, selfie, "sigalice"])
    assert.ok(!text.includes(secret), `${secret} served to the validator`);
  assert.deepEqual(
    due.signals.sessions.map((s: Json) => [s.device, s.network, s.hits]),
    [
      ["d0", "n0", 3],
      ["d1", "n1", 1],
    ],
  );

  const f = extractFeatures(due.signals, new Date(due.as_of));
  assert.equal(f.phone_verified, 1);
  assert.ok(f.phone_age_days >= 0 && f.phone_age_days < 0.01, `phone age ${f.phone_age_days}`);
  assert.equal(f.email_verified, 0, "an email on the user record is not a verified scope");
  assert.equal(f.sso_verified, 0);
  assert.equal(f.totp_enabled, 1);
  assert.equal(f.domain_verified, 0);
  assert.deepEqual([f.face_checked, f.face_passed, f.face_distance, f.face_mismatch], [1, 1, 0.31, 0]);
  assert.deepEqual(
    [f.sightings, f.devices, f.networks, f.device_consistency, f.ip_consistency],
    [4, 2, 2, 0.75, 0.75],
  );

  // The loader reads the same rows straight from D1.
  const direct = (await signalRows(dbOf(host), [{ id: row.id, uuid: row.uuid }])).get(row.id)!;
  assert.deepEqual(direct, due.signals);
});

test("scorer: due accounts scored by the model and posted with the pipeline hash; a new scope never lowers the score; reasons off chain", async () => {
  const alice = await userId("sigalice");
  const r = await scoreOnce({ apiUrl: host.url, token: validator.token!, key: validatorKey });
  assert.deepEqual(r.unscored, []);
  const mine = r.scores.find((s) => s.account === alice.uuid)!;
  assert.ok(mine.score >= 40 && mine.score <= 80, `phone + TOTP + face match: ${mine.score}`);
  assert.ok(mine.reasons.some((x) => x.input === "face_passed" && x.points > 0));
  const stored = await dbOf(host)
    .select()
    .from(identityScores)
    .where(eq(identityScores.userId, alice.id))
    .all();
  assert.equal(stored.length, 1);
  const pipeline = await pipelineVersion();
  assert.equal(stored[0]!.score, mine.score);
  assert.equal(stored[0]!.validator, VALOPER);
  assert.equal(stored[0]!.pipelineVersion, "score-v1");
  assert.equal(stored[0]!.pipelineHash, pipeline.hash);
  assert.deepEqual(stored[0]!.reasons, mine.reasons);
  // The scorer's score is the model's on the same rows.
  const model = await loadScoreModel();
  assert.equal(
    mine.score,
    scoreAccount(model, (await signalRows(dbOf(host), [alice])).get(alice.id), new Date()).score,
  );
  // Reasons are not in anything bound for the chain.
  const outbox = JSON.stringify(await dbOf(host).select().from(chainOutbox).all());
  assert.ok(!outbox.includes("face_passed") && !outbox.includes("device_consistency"));

  // Nothing changed: nothing due, nothing posted.
  const again = await scoreOnce({ apiUrl: host.url, token: validator.token!, key: validatorKey });
  assert.deepEqual(again.scores, []);

  // Bob verifies TOTP, is scored, then verifies a phone: the new score is not lower.
  const bob = await loginFrom("sigbob", PHONE_UA, "203.0.113.7");
  const bobId = await userId("sigbob");
  await enableTotp(bob);
  const first = (await scoreOnce({ apiUrl: host.url, token: validator.token!, key: validatorKey })).scores;
  assert.deepEqual(
    first.map((s) => s.account),
    [bobId.uuid],
  );
  await verifyPhone(bob, "+442079460222");
  assert.ok((await dueFor(bobId.uuid)).last_scored, "due again after the change");
  const second = (await scoreOnce({ apiUrl: host.url, token: validator.token!, key: validatorKey })).scores;
  assert.equal(second.length, 1);
  assert.ok(second[0]!.score >= first[0]!.score, `${first[0]!.score} → ${second[0]!.score}`);
  assert.ok(second[0]!.score > first[0]!.score, "a verified phone adds points");
});

test("scores endpoint: validators only; bad input refused naming the field, nothing written", async () => {
  const alice = await userId("sigalice");
  const before = (await dbOf(host).select().from(identityScores).all()).length;
  const good = {
    account: alice.uuid,
    score: 50,
    pipeline_version: "score-v1",
    pipeline_hash: "c".repeat(64),
    reasons: [{ input: "phone_verified", points: 9.5 }],
  };
  const outsider = await loginFrom("sigalice", PHONE_UA, "203.0.113.8");
  assert.equal((await outsider.post("/api/identity/scoring/scores/", good)).status, 403);
  assert.equal((await new Api(host).get("/api/identity/scoring/due/")).status, 401);
  const junk = await validator.post("/api/identity/scoring/scores/", {
    account: "nope",
    score: "high",
    pipeline_hash: "zz",
    reasons: "many",
  });
  assert.equal(junk.status, 400);
  assert.deepEqual(Object.keys(junk.body).sort(), [
    "account",
    "pipeline_hash",
    "pipeline_version",
    "reasons",
    "score",
  ]);
  for (const [patch, field] of [
    [{ score: 101 }, "score"],
    [{ score: -1 }, "score"],
    [{ score: 50.5 }, "score"],
    [{ reasons: [{ input: "shoe_size", points: 1 }] }, "reasons"],
    [{ reasons: [{ input: "phone_verified", points: Number.NaN }] }, "reasons"],
    [{ reasons: Array.from({ length: 14 }, () => ({ input: "phone_verified", points: 1 })) }, "reasons"],
    [{ pipeline_version: "" }, "pipeline_version"],
  ] as const) {
    const r = await validator.post("/api/identity/scoring/scores/", { ...good, ...patch });
    assert.equal(r.status, 400, JSON.stringify(patch));
    assert.ok(field in r.body, `${JSON.stringify(patch)} → ${JSON.stringify(r.body)}`);
  }
  const unknown = await validator.post("/api/identity/scoring/scores/", { ...good, account: "0".repeat(32) });
  assert.deepEqual(unknown.body, { account: ["No such account."] });
  assert.equal((await dbOf(host).select().from(identityScores).all()).length, before);
  const ok = await validator.expect(201, validator.post("/api/identity/scoring/scores/", good));
  assert.equal(ok.account, alice.uuid);
  assert.equal(ok.score, 50);
  assert.deepEqual(ok.reasons, good.reasons);
});
