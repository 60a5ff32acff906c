// Identity lifecycle, the account's side of its evidence: the cron's retention sweep, erasure on
// request and the export, through the real Worker (workerd, D1, R2) with real attested captures.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { toBech32 } from "@cosmjs/encoding";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { generateKeyPair, type KeyPair } from "../../src/crypto/keys.ts";
import {
  events,
  identityCaptures,
  identityEvidenceDisposals,
  identityScopes,
} from "../../src/db/schema/index.ts";
import {
  appealPeriodMs,
  borderlineBand,
  LifecycleConfigError,
  retentionMs,
  scoreBand,
} from "../../src/identity/lifecycle/config.ts";
import { b64urlEncode } from "../../src/identity/sso/id-token.ts";
import { Api, dbOf, staffApi, userApi } from "../helpers/api.ts";
import { fixture, registerDevice, upload } from "../identity-scopes/capture-client.ts";

const VALOPER = toBech32("virtenginevaloper", new Uint8Array(20).fill(7));
const PIPELINE = { pipeline_version: "face-1", pipeline_hash: "a".repeat(64) };
let host: WorkerHost;
let validatorKey: KeyPair;
let validator: Api;

before(async () => {
  validatorKey = await generateKeyPair();
  host = await startWorkerHost({
    vars: {
      VE_IDENTITY_VALIDATORS: JSON.stringify([
        { validator: VALOPER, public_key: b64urlEncode(validatorKey.publicKey), key_version: 1 },
      ]),
      VE_IDENTITY_RETENTION_DAYS: "7",
    },
  });
  validator = await userApi(host, "lcvalidator");
  await validator.expect(
    201,
    validator.post("/api/encryption-keys/", { public_key: b64urlEncode(validatorKey.publicKey) }),
  );
});
after(async () => {
  await host?.dispose();
});

/** An account with an ID document and a selfie captured, each sealed in R2. */
async function enrol(name: string) {
  const api = await userApi(host, name);
  const phone = await registerDevice(api);
  const doc = await upload(api, phone, { scope: "id_document", image: fixture("img2.jpg") });
  const selfie = await upload(api, phone, { scope: "selfie", image: fixture("img1.jpg") });
  assert.equal(doc.status, 201, JSON.stringify(doc.body));
  assert.equal(selfie.status, 201, JSON.stringify(selfie.body));
  return {
    api,
    document: doc.body.uuid as string,
    selfie: selfie.body.uuid as string,
    salts: [b64urlEncode(doc.salt), b64urlEncode(selfie.salt)],
  };
}

const captureRow = async (uuid: string) =>
  (await dbOf(host).select().from(identityCaptures).where(eq(identityCaptures.uuid, uuid)).get())!;
const inR2 = async (key: string) => (await host.blobs.head(key)) !== null;
const runCron = async () => (await host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });

test("retention: the cron deletes sealed images older than the period from R2 and keeps hashes, outcomes and scope statuses", async () => {
  const old = await enrol("lcold");
  const fresh = await enrol("lcfresh");
  await validator.expect(
    201,
    validator.post("/api/identity/scoring/attestations/", {
      document: old.document,
      selfie: old.selfie,
      outcome: "match",
      distance: 0.31,
      ...PIPELINE,
    }),
  );
  const before = {
    doc: await captureRow(old.document),
    selfie: await captureRow(old.selfie),
    fresh: await captureRow(fresh.document),
  };
  assert.ok(await inR2(before.doc.objectKey));
  assert.ok(await inR2(before.fresh.objectKey));

  // Captured eight days ago (the period is seven); the other account captured just now.
  const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000).toISOString();
  await dbOf(host)
    .update(identityCaptures)
    .set({ created: eightDaysAgo })
    .where(eq(identityCaptures.userId, before.doc.userId));
  await runCron();

  assert.equal(await inR2(before.doc.objectKey), false, "old ID document deleted");
  assert.equal(await inR2(before.selfie.objectKey), false, "old selfie deleted");
  assert.ok(await inR2(before.fresh.objectKey), "a capture inside the period stays");
  const after = await captureRow(old.document);
  assert.equal(after.status, "erased");
  assert.equal(after.imageHash, before.doc.imageHash);
  assert.equal(after.envelopeSha256, before.doc.envelopeSha256);
  const disposal = await dbOf(host)
    .select()
    .from(identityEvidenceDisposals)
    .where(eq(identityEvidenceDisposals.captureId, after.id))
    .get();
  assert.equal(disposal?.reason, "retention");
  assert.equal(disposal?.previousStatus, "verified");
  const scopes = await dbOf(host)
    .select()
    .from(identityScopes)
    .where(eq(identityScopes.userId, before.doc.userId))
    .all();
  assert.deepEqual(scopes.map((s) => [s.kind, s.status]).sort(), [
    ["id_document", "verified"],
    ["selfie", "verified"],
  ]);

  // The owner still sees the commitments; the scorer is told the evidence is gone.
  const listed = await old.api.expect(200, old.api.get("/api/identity/captures/"));
  assert.deepEqual(
    listed.map((c: { status: string }) => c.status),
    ["erased", "erased"],
  );
  assert.equal(
    listed.find((c: { uuid: string }) => c.uuid === old.document).image_sha256,
    before.doc.imageHash,
  );
  assert.equal((await validator.get(`/api/identity/scoring/captures/${old.document}/envelope/`)).status, 404);

  // A second run finds nothing more to delete and leaves the fresh capture alone.
  await runCron();
  assert.ok(await inR2(before.fresh.objectKey));
  assert.equal((await dbOf(host).select().from(identityEvidenceDisposals).all()).length, 2);
});

test("lifecycle settings: malformed values are named, not replaced by the default", () => {
  assert.deepEqual(scoreBand({}), { thresholds: [50], margin: 5 });
  assert.deepEqual(
    scoreBand({ VE_IDENTITY_REVIEW_SCORE_THRESHOLDS: "40, 70", VE_IDENTITY_REVIEW_SCORE_MARGIN: "3" }),
    { thresholds: [40, 70], margin: 3 },
  );
  assert.throws(
    () => scoreBand({ VE_IDENTITY_REVIEW_SCORE_THRESHOLDS: "50,high" }),
    /VE_IDENTITY_REVIEW_SCORE_THRESHOLDS/,
  );
  assert.throws(
    () => scoreBand({ VE_IDENTITY_REVIEW_SCORE_MARGIN: "-2" }),
    /VE_IDENTITY_REVIEW_SCORE_MARGIN/,
  );
  assert.throws(
    () => appealPeriodMs({ VE_IDENTITY_APPEAL_PERIOD_DAYS: "0" }),
    /VE_IDENTITY_APPEAL_PERIOD_DAYS/,
  );
  assert.throws(() => borderlineBand({ VE_IDENTITY_REVIEW_MARGIN: "2" }), /VE_IDENTITY_REVIEW_MARGIN/);
  assert.equal(retentionMs({}), 30 * 86_400_000);
  assert.equal(retentionMs({ VE_IDENTITY_RETENTION_DAYS: "0" }), 0);
  for (const bad of ["seven", "-1", "1.5", "99999"]) {
    assert.throws(
      () => retentionMs({ VE_IDENTITY_RETENTION_DAYS: bad }),
      (e: unknown) => e instanceof LifecycleConfigError && e.message.includes("VE_IDENTITY_RETENTION_DAYS"),
    );
  }
});

test("erasure: confirmation by field, sealed evidence gone from R2, hashes kept, idempotent, audited without the values", async () => {
  const bob = await enrol("lcbob");
  const rows = await dbOf(host)
    .select()
    .from(identityCaptures)
    .where(eq(identityCaptures.uuid, bob.document))
    .all();
  const prefix = `identity/captures/${bob.api.uuid}/`;
  assert.equal((await host.blobs.list({ prefix })).objects.length, 2);

  assert.equal((await new Api(host).post("/api/identity/erasure/", { confirm: "lcbob" })).status, 401);
  const missing = await bob.api.post("/api/identity/erasure/", {});
  assert.equal(missing.status, 400);
  assert.ok(missing.body.confirm, JSON.stringify(missing.body));
  const wrongType = await bob.api.post("/api/identity/erasure/", { confirm: 12 });
  assert.deepEqual(Object.keys(wrongType.body), ["confirm"]);
  const wrong = await bob.api.post("/api/identity/erasure/", { confirm: "someone-else" });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.confirm[0], /username/);
  const notArray = await bob.api.post("/api/identity/erasure/", []);
  assert.equal(notArray.status, 400);
  assert.equal((await host.blobs.list({ prefix })).objects.length, 2, "refusals erase nothing");

  const first = await bob.api.expect(200, bob.api.post("/api/identity/erasure/", { confirm: "lcbob" }));
  assert.deepEqual(first, { erased: 2, already_erased: 0, captures: 2 });
  assert.equal((await host.blobs.list({ prefix })).objects.length, 0, "no object left");
  const again = await bob.api.expect(200, bob.api.post("/api/identity/erasure/", { confirm: "lcbob" }));
  assert.deepEqual(again, { erased: 0, already_erased: 2, captures: 2 });
  assert.equal((await host.blobs.list({ prefix })).objects.length, 0);

  const kept = await captureRow(bob.document);
  assert.equal(kept.status, "erased");
  assert.equal(kept.imageHash, rows[0]!.imageHash);
  assert.equal(kept.envelopeSha256, rows[0]!.envelopeSha256);
  const disposals = await dbOf(host)
    .select()
    .from(identityEvidenceDisposals)
    .where(eq(identityEvidenceDisposals.captureId, kept.id))
    .all();
  assert.deepEqual(
    disposals.map((d) => [d.reason, d.previousStatus]),
    [["erasure", "pending"]],
  );

  const audit = (await dbOf(host).select().from(events).all()).filter(
    (e) => e.eventType === "identity_erasure_create",
  );
  assert.equal(audit.length, 2, "each accepted request is in the trail");
  for (const e of audit) {
    const text = JSON.stringify(e);
    for (const salt of bob.salts) assert.ok(!text.includes(salt));
    assert.ok(
      !text.includes(kept.imageHash) && !text.includes(kept.objectKey),
      "no evidence reference in the audit entry",
    );
  }
});

test("export: everything held about the account as JSON, sealed values only by object key and hash", async () => {
  const carol = await enrol("lccarol");
  await validator.expect(
    201,
    validator.post("/api/identity/scoring/attestations/", {
      document: carol.document,
      selfie: carol.selfie,
      outcome: "no_match",
      distance: 0.71,
      ...PIPELINE,
    }),
  );
  await validator.expect(
    201,
    validator.post("/api/identity/scoring/scores/", {
      account: carol.api.uuid,
      score: 37,
      reasons: [],
      ...PIPELINE,
    }),
  );
  const totp = await carol.api.expect(200, carol.api.post("/api/identity/totp/setup/", {}));
  const key = await generateKeyPair();
  await carol.api.expect(
    201,
    carol.api.post("/api/encryption-keys/", { public_key: b64urlEncode(key.publicKey) }),
  );
  await carol.api.expect(
    201,
    carol.api.post("/api/identity/appeals/", { reason: "The document photo is ten years old." }),
  );

  assert.equal((await new Api(host).get("/api/identity/export/")).status, 401);
  const r = await carol.api.get("/api/identity/export/");
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-disposition") ?? "", /attachment/);
  const x = r.body;
  assert.deepEqual(Object.keys(x).sort(), [
    "account",
    "appeals",
    "captures",
    "devices",
    "encryption_keys",
    "events",
    "exported_at",
    "face_verdicts",
    "format",
    "reviews",
    "scopes",
    "scores",
    "sealed_blobs",
    "session_sightings",
    "sessions",
    "totp",
  ]);
  assert.equal(x.account.uuid, carol.api.uuid);
  assert.equal(x.captures.length, 2);
  const doc = x.captures.find((c: { uuid: string }) => c.uuid === carol.document);
  const row = await captureRow(carol.document);
  assert.equal(doc.object_key, row.objectKey);
  assert.equal(doc.envelope_sha256, row.envelopeSha256);
  assert.equal(doc.image_sha256, row.imageHash);
  assert.equal(doc.evidence_held, true);
  assert.equal(x.face_verdicts.length, 1);
  assert.equal(x.face_verdicts[0].outcome, "no_match");
  assert.equal(x.face_verdicts[0].distance, 0.71);
  assert.equal(x.scores.length, 1);
  assert.equal(x.scores[0].score, 37);
  assert.deepEqual(x.scopes.map((s: { kind: string }) => s.kind).sort(), ["id_document", "selfie", "totp"]);
  assert.equal(x.totp.enabled, false);
  assert.equal(x.devices.length, 1);
  assert.ok(
    x.sessions.length >= 1 && x.sessions.every((s: object) => Object.keys(s).join() === "created,last_used"),
  );
  assert.ok(x.session_sightings.length >= 1, "the scorer's sign-in signals are listed");
  assert.match(x.session_sightings[0].network_hash, /^[0-9a-f]{16,}$/);
  assert.equal(x.encryption_keys[0].public_key, b64urlEncode(key.publicKey));
  assert.equal(x.appeals.length, 1);
  assert.ok(x.events.some((e: { event_type: string }) => e.event_type === "identity_appeals_create"));
  assert.ok(x.events.some((e: { event_type: string }) => e.event_type === "identity_capture_create"));

  // Nothing sensitive in the clear: not the TOTP seed, the capture salts, the API token or image bytes.
  const text = JSON.stringify(x);
  assert.ok(totp.secret && !text.includes(totp.secret), "TOTP secret absent");
  for (const salt of carol.salts) assert.ok(!text.includes(salt), "capture salt absent");
  assert.ok(!text.includes(carol.api.token!), "API token absent");
  assert.ok(!text.includes("127.0.0.1"), "no address in the clear");
  assert.ok(
    !text.includes(Buffer.from(fixture("img1.jpg").subarray(0, 48)).toString("base64")),
    "no image bytes",
  );

  // Another account's export says nothing about carol.
  const dave = await userApi(host, "lcdave");
  const other = JSON.stringify(await dave.expect(200, dave.get("/api/identity/export/")));
  assert.ok(!other.includes(carol.document) && !other.includes(carol.api.uuid));
});

test("junk at every lifecycle endpoint is a 4xx, never a 5xx", async () => {
  const staff = await staffApi(host);
  const user = await userApi(host, "lcjunk");
  const some = "0123456789abcdef0123456789abcdef";
  const routes: [string, string][] = [
    ["POST", "/api/identity/erasure/"],
    ["GET", "/api/identity/export/"],
    ["GET", "/api/identity/appeals/?status=%00"],
    ["POST", "/api/identity/appeals/"],
    ["GET", `/api/identity/appeals/${some}/`],
    ["POST", `/api/identity/appeals/${some}/decide/`],
    ["GET", "/api/identity/reviews/?status=1"],
    ["POST", "/api/identity/reviews/"],
    ["GET", "/api/identity/reviews/reseal/"],
    ["GET", `/api/identity/reviews/${some}/`],
    ["POST", `/api/identity/reviews/not-a-uuid/claim/`],
    ["POST", `/api/identity/reviews/${some}/decide/`],
    ["GET", `/api/identity/reviews/${some}/evidence/${some}/`],
    ["PUT", `/api/identity/reviews/${some}/evidence/not-a-uuid/`],
    ["GET", `/api/identity/reviews/${some}/evidence/${some}/header/`],
  ];
  const bodies = [
    "{not json",
    "[1,2,3]",
    '"text"',
    "null",
    JSON.stringify({
      confirm: null,
      reason: 1e308,
      outcome: ["x"],
      document: {},
      selfie: -1,
      note: "\u0000",
    }),
    JSON.stringify({ reason: "x".repeat(5000) }),
  ];
  const failures: string[] = [];
  for (const caller of [staff, user, new Api(host)]) {
    for (const [method, path] of routes) {
      for (const b of method === "GET" ? [undefined] : bodies) {
        const r = await caller.call(method, path, b);
        if (r.status >= 500 || r.status < 400)
          failures.push(
            `${method} ${path} ${b?.slice(0, 40)} -> ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`,
          );
      }
    }
  }
  // Only the export, for the two signed-in callers, answers with a success.
  assert.deepEqual(
    failures.map((f) => f.replace(/ \{.*$/, "")),
    ["GET /api/identity/export/ undefined -> 200", "GET /api/identity/export/ undefined -> 200"],
  );
});
