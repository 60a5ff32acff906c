// Identity lifecycle, the moderators' side: appeals once per period, the manual review queue for
// borderline results, and the evidence re-sealed by an identity validator to the claiming moderator
// alone. Real Worker, real envelopes: the moderators open (or fail to open) the bytes themselves.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { toBech32 } from "@cosmjs/encoding";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { open } from "../../src/crypto/envelope.ts";
import { generateKeyPair, type KeyPair } from "../../src/crypto/keys.ts";
import {
  identityAppeals,
  identityCaptures,
  identityReviews,
  identityReviewEvidence,
  identityScopes,
  users,
} from "../../src/db/schema/index.ts";
import { decodeBundle } from "../../src/identity/capture/bundle.ts";
import { captureContext, resealHeaderFor, resealOnce } from "../../src/identity/lifecycle/reseal-client.ts";
import { b64urlEncode } from "../../src/identity/sso/id-token.ts";
import { type Api, dbOf, staffApi, userApi } from "../helpers/api.ts";
import { fixture, registerDevice, upload } from "../identity-scopes/capture-client.ts";

const VALOPER = toBech32("virtenginevaloper", new Uint8Array(20).fill(9));
const PIPELINE = { pipeline_version: "face-1", pipeline_hash: "b".repeat(64) };
let host: WorkerHost;
let validatorKey: KeyPair;
let validator: Api;
let mod1: Api;
let mod2: Api;
let mod1Key: KeyPair;
let mod2Key: KeyPair;

before(async () => {
  validatorKey = await generateKeyPair();
  host = await startWorkerHost({
    vars: {
      VE_IDENTITY_VALIDATORS: JSON.stringify([
        { validator: VALOPER, public_key: b64urlEncode(validatorKey.publicKey), key_version: 1 },
      ]),
      VE_IDENTITY_APPEAL_PERIOD_DAYS: "30",
    },
  });
  validator = await userApi(host, "rvvalidator");
  await validator.expect(
    201,
    validator.post("/api/encryption-keys/", { public_key: b64urlEncode(validatorKey.publicKey) }),
  );
  // Two moderators: the staff account, and a support user.
  mod1 = await staffApi(host);
  mod2 = await userApi(host, "rvsupport");
  await dbOf(host).update(users).set({ isSupport: true }).where(eq(users.username, "rvsupport"));
  mod1Key = await generateKeyPair();
  mod2Key = await generateKeyPair();
  await mod1.expect(201, mod1.post("/api/encryption-keys/", { public_key: b64urlEncode(mod1Key.publicKey) }));
  await mod2.expect(201, mod2.post("/api/encryption-keys/", { public_key: b64urlEncode(mod2Key.publicKey) }));
});
after(async () => {
  await host?.dispose();
});

test("appeals: once per period (429 with the next date), fields named, moderators alone list everyone's and decide; the account sees outcome and reason", async () => {
  const carol = await userApi(host, "rvcarol");
  const dave = await userApi(host, "rvdave");
  const short = await carol.post("/api/identity/appeals/", { reason: "no" });
  assert.equal(short.status, 400);
  assert.deepEqual(Object.keys(short.body), ["reason"]);
  assert.deepEqual(Object.keys((await carol.post("/api/identity/appeals/", {})).body), ["reason"]);
  assert.deepEqual(Object.keys((await carol.post("/api/identity/appeals/", { reason: 42 })).body), [
    "reason",
  ]);

  const appeal = await carol.expect(
    201,
    carol.post("/api/identity/appeals/", { reason: "My selfie was taken in poor light; please look again." }),
  );
  assert.equal(appeal.status, "open");
  assert.equal(appeal.reason, "My selfie was taken in poor light; please look again.");
  // D1 holds the reason sealed, never in the clear.
  const stored = (await dbOf(host)
    .select()
    .from(identityAppeals)
    .where(eq(identityAppeals.uuid, appeal.uuid))
    .get())!;
  assert.match(stored.reason, /^v2\./);
  assert.ok(!stored.reason.includes("poor light"));
  const soon = await carol.post("/api/identity/appeals/", {
    reason: "Trying again straight away, which is too soon.",
  });
  assert.equal(soon.status, 429);
  assert.match(soon.body.detail, /once every 30 days/);
  assert.ok(Date.parse(soon.body.next_appeal_at) > Date.now() + 29 * 86_400_000);
  assert.ok(Number(soon.headers.get("retry-after")) > 29 * 86_400);

  // A non-moderator lists only their own and cannot decide, not even their own.
  assert.deepEqual(await dave.expect(200, dave.get("/api/identity/appeals/")), []);
  assert.equal((await dave.get(`/api/identity/appeals/${appeal.uuid}/`)).status, 404);
  assert.equal(
    (await dave.post(`/api/identity/appeals/${appeal.uuid}/decide/`, { outcome: "denied", reason: "nope" }))
      .status,
    403,
  );
  assert.equal(
    (await carol.post(`/api/identity/appeals/${appeal.uuid}/decide/`, { outcome: "granted", reason: "me" }))
      .status,
    403,
  );
  assert.equal((await carol.expect(200, carol.get("/api/identity/appeals/"))).length, 1);

  const all = await mod2.expect(200, mod2.get("/api/identity/appeals/?status=open"));
  assert.ok(all.some((a: { uuid: string }) => a.uuid === appeal.uuid));
  assert.deepEqual(Object.keys((await mod2.get("/api/identity/appeals/?status=maybe")).body), ["status"]);
  const bad = await mod2.post(`/api/identity/appeals/${appeal.uuid}/decide/`, {
    outcome: "upheld",
    reason: "",
  });
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys(bad.body), ["outcome", "reason"], "both bad fields named");
  assert.deepEqual(
    Object.keys(
      (await mod2.post(`/api/identity/appeals/${appeal.uuid}/decide/`, { outcome: "denied" })).body,
    ),
    ["reason"],
  );
  assert.equal(
    (
      await mod2.post("/api/identity/appeals/not-a-uuid/decide/", {
        outcome: "denied",
        reason: "a valid reason",
      })
    ).status,
    404,
  );

  const decided = await mod2.expect(
    200,
    mod2.post(`/api/identity/appeals/${appeal.uuid}/decide/`, {
      outcome: "denied",
      reason: "Both captures were clear; the score stands.",
    }),
  );
  assert.equal(decided.outcome, "denied");
  assert.equal(decided.review, null, "a denied appeal queues nothing");
  assert.equal(
    (
      await mod1.post(`/api/identity/appeals/${appeal.uuid}/decide/`, {
        outcome: "granted",
        reason: "changed my mind",
      })
    ).status,
    409,
  );
  const seen = await carol.expect(200, carol.get(`/api/identity/appeals/${appeal.uuid}/`));
  assert.equal(seen.outcome, "denied");
  assert.equal(seen.decision_reason, "Both captures were clear; the score stands.");
  assert.equal(seen.decided_by, null, "the account sees the decision, not the moderator");
  assert.ok(seen.decided_at);
});

test("manual review: borderline score queued, one moderator claims, evidence re-sealed to that moderator alone, decision recorded", async () => {
  const erin = await userApi(host, "rverin");
  const phone = await registerDevice(erin);
  const doc = (await upload(erin, phone, { scope: "id_document", image: fixture("img2.jpg") })).body
    .uuid as string;
  const selfieImage = fixture("img1.jpg");
  const selfie = (await upload(erin, phone, { scope: "selfie", image: selfieImage })).body.uuid as string;
  // Just above the 0.5 threshold: a no_match within the review margin.
  await validator.expect(
    201,
    validator.post("/api/identity/scoring/attestations/", {
      document: doc,
      selfie,
      outcome: "no_match",
      distance: 0.52,
      ...PIPELINE,
    }),
  );

  // Only moderators see the queue.
  assert.equal((await erin.get("/api/identity/reviews/")).status, 403);
  assert.equal((await validator.get("/api/identity/reviews/")).status, 403);
  const queue = await mod1.expect(200, mod1.get("/api/identity/reviews/?status=queued"));
  const item = queue.find((r: { account: string }) => r.account === erin.uuid);
  assert.ok(item, JSON.stringify(queue));
  assert.equal(item.trigger, "borderline");
  assert.equal(item.distance, 0.52);
  assert.deepEqual(
    item.evidence.map((e: { capture: string }) => e.capture),
    [doc, selfie],
  );
  assert.equal(
    (await mod1.expect(200, mod1.get("/api/identity/reviews/"))).filter(
      (r: { account: string }) => r.account === erin.uuid,
    ).length,
    1,
    "queued once",
  );
  assert.deepEqual(Object.keys((await mod1.get("/api/identity/reviews/?status=later")).body), ["status"]);

  // A moderator without an encryption key cannot claim: nothing could be sealed to them.
  const keyless = await userApi(host, "rvkeyless");
  await dbOf(host).update(users).set({ isSupport: true }).where(eq(users.username, "rvkeyless"));
  const noKey = await keyless.post(`/api/identity/reviews/${item.uuid}/claim/`);
  assert.equal(noKey.status, 409);
  assert.match(noKey.body.detail, /encryption key/);
  assert.equal((await erin.post(`/api/identity/reviews/${item.uuid}/claim/`)).status, 403);

  const claimed = await mod1.expect(200, mod1.post(`/api/identity/reviews/${item.uuid}/claim/`));
  assert.equal(claimed.status, "claimed");
  assert.equal(claimed.moderator_key_id, Buffer.from(mod1Key.keyId).toString("hex"));
  assert.equal((await mod2.post(`/api/identity/reviews/${item.uuid}/claim/`)).status, 409);
  assert.equal(
    (await mod1.get(`/api/identity/reviews/${item.uuid}/evidence/${doc}/`)).status,
    404,
    "not re-sealed yet",
  );

  // The identity validator re-seals each capture to the claimant's key.
  assert.equal((await erin.get("/api/identity/reviews/reseal/")).status, 403);
  const todo = (await validator.expect(200, validator.get("/api/identity/reviews/reseal/"))).filter(
    (t: { review: string }) => t.review === item.uuid,
  );
  assert.deepEqual(todo.map((t: { capture: string }) => t.capture).sort(), [doc, selfie].sort());
  assert.equal(todo[0].moderator.key_id, claimed.moderator_key_id);
  const headerOf = async (capture: string) => {
    const res = await host.fetch(`/api/identity/reviews/${item.uuid}/evidence/${capture}/header/`, {
      headers: { Authorization: `Token ${validator.token}` },
    });
    assert.equal(res.status, 200);
    return new Uint8Array(await res.arrayBuffer());
  };
  const put = (capture: string, bytes: Uint8Array, api: Api = validator, type = "application/octet-stream") =>
    host.fetch(`/api/identity/reviews/${item.uuid}/evidence/${capture}/`, {
      method: "PUT",
      headers: { Authorization: `Token ${api.token}`, "Content-Type": type },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
  assert.equal(
    (
      await host.fetch(`/api/identity/reviews/${item.uuid}/evidence/${doc}/header/`, {
        headers: { Authorization: `Token ${mod1.token}` },
      })
    ).status,
    403,
  );

  // Refusals, each naming what is wrong and storing nothing.
  const toOther = await resealHeaderFor(await headerOf(doc), validatorKey, doc, {
    publicKey: mod2Key.publicKey,
    keyVersion: 1,
  });
  assert.ok(toOther.ok);
  const wrongKey = await put(doc, toOther.value);
  assert.equal(wrongKey.status, 400);
  assert.match(JSON.stringify(await wrongKey.json()), /"header":.*exactly one recipient/);
  const garbage = await put(doc, new Uint8Array(64).fill(7));
  assert.equal(garbage.status, 400);
  assert.ok(((await garbage.json()) as { header?: string[] }).header);
  assert.equal((await put(doc, new Uint8Array(0))).status, 400);
  assert.equal((await put(doc, new Uint8Array(10), validator, "text/plain")).status, 415);
  assert.equal((await put(doc, toOther.value, mod1)).status, 403, "only identity validators re-seal");
  const ownHeader = await headerOf(doc);
  const forSelfie = await resealHeaderFor(ownHeader, validatorKey, doc, {
    publicKey: mod1Key.publicKey,
    keyVersion: 1,
  });
  assert.ok(forSelfie.ok);
  assert.equal(
    (await put(selfie, forSelfie.value)).status,
    400,
    "a header re-wrapped for another capture does not fit",
  );
  assert.equal((await dbOf(host).select().from(identityReviewEvidence).all()).length, 0);
  assert.equal((await host.blobs.list({ prefix: `identity/reviews/${item.uuid}/` })).objects.length, 0);

  // Evidence under an open review outlives the retention period until the decision.
  const erinId = (await dbOf(host).select().from(users).where(eq(users.uuid, erin.uuid)).get())!.id;
  await dbOf(host)
    .update(identityCaptures)
    .set({ created: new Date(Date.now() - 31 * 86_400_000).toISOString() })
    .where(eq(identityCaptures.userId, erinId));
  await (await host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
  const originals = await dbOf(host)
    .select()
    .from(identityCaptures)
    .where(eq(identityCaptures.userId, erinId))
    .all();
  for (const c of originals) assert.ok(await host.blobs.head(c.objectKey), "kept while under review");

  // A validator key that is not the one sealed to re-seals nothing.
  const stranger = await resealOnce({
    apiUrl: host.url,
    token: validator.token!,
    key: await generateKeyPair(),
  });
  assert.deepEqual(stranger.resealed, []);
  assert.equal(stranger.failed.length, 2);
  assert.ok(
    stranger.failed.every((f) => /cannot re-wrap/.test(f.reason)),
    JSON.stringify(stranger.failed),
  );

  // The validator's re-seal round, as it runs beside the scorer.
  const round = await resealOnce({ apiUrl: host.url, token: validator.token!, key: validatorKey });
  assert.deepEqual(round.failed, []);
  assert.deepEqual(round.resealed.map((x) => x.capture).sort(), [doc, selfie].sort());
  const again = await resealHeaderFor(await headerOf(doc), validatorKey, doc, {
    publicKey: mod1Key.publicKey,
    keyVersion: 1,
  });
  assert.ok(again.ok);
  assert.equal((await put(doc, again.value)).status, 409, "re-sealed once");
  assert.deepEqual(await validator.expect(200, validator.get("/api/identity/reviews/reseal/")), []);

  // The claimant fetches and opens the copy; the image inside is the one captured.
  const res = await host.fetch(`/api/identity/reviews/${item.uuid}/evidence/${selfie}/`, {
    headers: { Authorization: `Token ${mod1.token}` },
  });
  assert.equal(res.status, 200);
  const copy = new Uint8Array(await res.arrayBuffer());
  const opened = await open(copy, { key: mod1Key, context: captureContext(selfie) });
  assert.ok(opened.ok, "the claimant opens it");
  const bundle = decodeBundle(opened.value.plaintext)!;
  assert.equal(bundle.head.capture, selfie);
  assert.deepEqual(Buffer.from(bundle.image), Buffer.from(selfieImage));
  assert.equal(opened.value.header.recipients.length, 1);

  // Nobody else: the other moderator is refused by the API and cannot open the bytes either; the
  // validator's key was removed from the copy; erin's original stays sealed to the validator.
  const other = await host.fetch(`/api/identity/reviews/${item.uuid}/evidence/${selfie}/`, {
    headers: { Authorization: `Token ${mod2.token}` },
  });
  assert.equal(other.status, 403);
  assert.equal((await erin.get(`/api/identity/reviews/${item.uuid}/evidence/${selfie}/`)).status, 403);
  assert.equal(
    (await open(copy, { key: mod2Key, context: captureContext(selfie) })).ok,
    false,
    "second moderator cannot open",
  );
  assert.equal(
    (await open(copy, { key: validatorKey, context: captureContext(selfie) })).ok,
    false,
    "validator key removed",
  );
  const original = (await dbOf(host)
    .select()
    .from(identityCaptures)
    .where(eq(identityCaptures.uuid, selfie))
    .get())!;
  const originalBytes = new Uint8Array(await (await host.blobs.get(original.objectKey))!.arrayBuffer());
  assert.equal(
    (await open(originalBytes, { key: mod1Key, context: captureContext(selfie) })).ok,
    false,
    "the original is not opened up",
  );

  // Only the claimant decides; fields are named.
  assert.equal(
    (
      await mod2.post(`/api/identity/reviews/${item.uuid}/decide/`, {
        outcome: "approve",
        reason: "looks fine",
      })
    ).status,
    403,
  );
  assert.deepEqual(
    Object.keys(
      (await mod1.post(`/api/identity/reviews/${item.uuid}/decide/`, { outcome: "maybe", reason: "hmm" }))
        .body,
    ),
    ["outcome"],
  );
  assert.deepEqual(
    Object.keys((await mod1.post(`/api/identity/reviews/${item.uuid}/decide/`, { outcome: "approve" })).body),
    ["reason"],
  );
  const decided = await mod1.expect(
    200,
    mod1.post(`/api/identity/reviews/${item.uuid}/decide/`, {
      outcome: "approve",
      reason: "Same person; the document photo is old.",
    }),
  );
  assert.equal(decided.status, "decided");
  assert.equal(decided.outcome, "approve");
  assert.equal(
    (await mod1.post(`/api/identity/reviews/${item.uuid}/decide/`, { outcome: "reject", reason: "again" }))
      .status,
    409,
  );
  assert.equal(
    (await host.blobs.list({ prefix: `identity/reviews/${item.uuid}/` })).objects.length,
    0,
    "copies deleted after the decision",
  );
  const scopes = await dbOf(host)
    .select()
    .from(identityScopes)
    .where(
      eq(
        identityScopes.userId,
        (await dbOf(host).select().from(users).where(eq(users.uuid, erin.uuid)).get())!.id,
      ),
    )
    .all();
  assert.deepEqual(scopes.map((s) => [s.kind, s.status, s.method]).sort(), [
    ["id_document", "verified", "review"],
    ["selfie", "verified", "review"],
  ]);

  // Decided: the next retention sweep takes the (long expired) originals.
  await (await host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
  for (const c of originals) assert.equal(await host.blobs.head(c.objectKey), null, "deleted once decided");

  // The account sees the outcome and reason in its export, not the moderator.
  const exported = await erin.expect(200, erin.get("/api/identity/export/"));
  assert.equal(exported.reviews[0].outcome, "approve");
  assert.equal(exported.reviews[0].decision_reason, "Same person; the document photo is old.");
  assert.equal(exported.reviews[0].moderator, null);
});

test("flagging and granted appeals queue reviews; bad input is named by field", async () => {
  const fay = await userApi(host, "rvfay");
  const phone = await registerDevice(fay);
  const doc = (await upload(fay, phone, { scope: "id_document", image: fixture("img2.jpg") })).body
    .uuid as string;
  const selfie = (await upload(fay, phone, { scope: "selfie", image: fixture("img1.jpg") })).body
    .uuid as string;

  assert.equal(
    (await fay.post("/api/identity/reviews/", { document: doc, selfie, note: "please" })).status,
    403,
  );
  assert.deepEqual(
    Object.keys((await mod1.post("/api/identity/reviews/", { document: "x", selfie, note: "check" })).body),
    ["document"],
  );
  assert.deepEqual(
    Object.keys(
      (await mod1.post("/api/identity/reviews/", { document: selfie, selfie, note: "check" })).body,
    ),
    ["document"],
  );
  assert.deepEqual(
    Object.keys(
      (await mod1.post("/api/identity/reviews/", { document: doc, selfie: doc, note: "check" })).body,
    ),
    ["selfie"],
  );
  assert.deepEqual(Object.keys((await mod1.post("/api/identity/reviews/", { document: doc, selfie })).body), [
    "note",
  ]);
  const flagged = await mod1.expect(
    201,
    mod1.post("/api/identity/reviews/", { document: doc, selfie, note: "Document looks edited." }),
  );
  assert.equal(flagged.trigger, "flagged");
  assert.equal(flagged.note, "Document looks edited.");
  const storedNote = (await dbOf(host)
    .select()
    .from(identityReviews)
    .where(eq(identityReviews.uuid, flagged.uuid))
    .get())!.note;
  assert.ok(storedNote.startsWith("v2.") && !storedNote.includes("edited"), "note sealed in D1");
  assert.equal(
    (await mod2.post("/api/identity/reviews/", { document: doc, selfie, note: "Again." })).status,
    409,
  );

  // A granted appeal queues the latest pair when no review of it is open (here one is: nothing new).
  const appeal = await fay.expect(
    201,
    fay.post("/api/identity/appeals/", { reason: "My score seems wrong to me." }),
  );
  const granted = await mod2.expect(
    200,
    mod2.post(`/api/identity/appeals/${appeal.uuid}/decide/`, {
      outcome: "granted",
      reason: "Under review already.",
    }),
  );
  assert.equal(granted.review, null);

  // After erasure the evidence cannot be claimed: nothing is left to re-seal.
  await fay.expect(200, fay.post("/api/identity/erasure/", { confirm: "rvfay" }));
  const gone = await mod2.post(`/api/identity/reviews/${flagged.uuid}/claim/`);
  assert.equal(gone.status, 409);
  assert.match(gone.body.detail, /erased/);
});

test("a latest score near a threshold queues the account's evidence for review; a clear score does not", async () => {
  const enrolled = async (name: string, score: number) => {
    const api = await userApi(host, name);
    const phone = await registerDevice(api);
    await upload(api, phone, { scope: "id_document", image: fixture("img2.jpg") });
    await upload(api, phone, { scope: "selfie", image: fixture("img1.jpg") });
    await validator.expect(
      201,
      validator.post("/api/identity/scoring/scores/", { account: api.uuid, score, reasons: [], ...PIPELINE }),
    );
    return api;
  };
  const gus = await enrolled("rvgus", 53);
  const hal = await enrolled("rvhal", 81);
  const queue = await mod2.expect(200, mod2.get("/api/identity/reviews/?status=queued"));
  const forGus = queue.filter((r: { account: string }) => r.account === gus.uuid);
  assert.equal(forGus.length, 1);
  assert.equal(forGus[0].trigger, "borderline");
  assert.equal(forGus[0].note, "Score 53 is within 5 of the threshold 50.");
  assert.ok(!queue.some((r: { account: string }) => r.account === hal.uuid));
  // Asked again (or by the cron) nothing is queued twice for the same score.
  await (await host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
  const again = await mod2.expect(200, mod2.get("/api/identity/reviews/"));
  assert.equal(again.filter((r: { account: string }) => r.account === gus.uuid).length, 1);

  // A review left open for longer than the retention period no longer holds the evidence back.
  const gusId = (await dbOf(host).select().from(users).where(eq(users.uuid, gus.uuid)).get())!.id;
  const longAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
  await dbOf(host)
    .update(identityCaptures)
    .set({ created: longAgo })
    .where(eq(identityCaptures.userId, gusId));
  await dbOf(host)
    .update(identityReviews)
    .set({ created: longAgo })
    .where(eq(identityReviews.uuid, forGus[0].uuid));
  await (await host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
  const gone = await dbOf(host)
    .select()
    .from(identityCaptures)
    .where(eq(identityCaptures.userId, gusId))
    .all();
  assert.deepEqual(
    gone.map((c) => c.status),
    ["erased", "erased"],
  );
  for (const c of gone) assert.equal(await host.blobs.head(c.objectKey), null);
});

test("a capture deleted on its own takes the moderator's re-sealed copy with it at the next cron", async () => {
  const ivy = await userApi(host, "rvivy");
  const phone = await registerDevice(ivy);
  const doc = (await upload(ivy, phone, { scope: "id_document", image: fixture("img2.jpg") })).body
    .uuid as string;
  const selfie = (await upload(ivy, phone, { scope: "selfie", image: fixture("img1.jpg") })).body
    .uuid as string;
  const review = await mod1.expect(
    201,
    mod1.post("/api/identity/reviews/", { document: doc, selfie, note: "Spot check." }),
  );
  await mod1.expect(200, mod1.post(`/api/identity/reviews/${review.uuid}/claim/`));
  const round = await resealOnce({ apiUrl: host.url, token: validator.token!, key: validatorKey });
  assert.equal(round.resealed.filter((x) => x.review === review.uuid).length, 2);
  const prefix = `identity/reviews/${review.uuid}/`;
  assert.equal((await host.blobs.list({ prefix })).objects.length, 2);

  await ivy.expect(204, ivy.delete(`/api/identity/captures/${doc}/`));
  await (await host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
  assert.deepEqual(
    (await host.blobs.list({ prefix })).objects.map((o) => o.key),
    [`${prefix}${selfie}.veenv`],
    "only the selfie's copy is left",
  );
  assert.equal((await mod1.get(`/api/identity/reviews/${review.uuid}/evidence/${doc}/`)).status, 404);
  assert.equal(
    (
      await host.fetch(`/api/identity/reviews/${review.uuid}/evidence/${selfie}/`, {
        headers: { Authorization: `Token ${mod1.token}` },
      })
    ).status,
    200,
  );
});
