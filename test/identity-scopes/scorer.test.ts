// The scorer end to end: attested captures uploaded through the API, opened by a validator's
// scorer with its own key, scored with the face pipeline, verdicts posted back.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { toBech32 } from "@cosmjs/encoding";
import sharp from "sharp";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { exportPrivateKey, generateKeyPair, type KeyPair } from "../../src/crypto/keys.ts";
import { identityCaptures } from "../../src/db/schema/index.ts";
import { scoreOnce } from "../../src/identity/scoring/scorer.ts";
import { b64urlEncode } from "../../src/identity/sso/id-token.ts";
import { type Api, dbOf, userApi } from "../helpers/api.ts";
import { fixture, registerDevice, upload } from "./capture-client.ts";

const VALOPER = toBech32("virtenginevaloper", new Uint8Array(20).fill(3));
let host: WorkerHost;
let validatorKey: KeyPair;
let validator: Api;

before(async () => {
  validatorKey = await generateKeyPair();
  host = await startWorkerHost({
    vars: { VE_IDENTITY_VALIDATORS: JSON.stringify([{ validator: VALOPER, public_key: b64urlEncode(validatorKey.publicKey), key_version: 1 }]) },
  });
  validator = await userApi(host, "validator1");
  await validator.expect(201, validator.post("/api/encryption-keys/", { public_key: b64urlEncode(validatorKey.publicKey) }));
});
after(async () => {
  await host?.dispose();
});

async function enrol(name: string, document: Uint8Array | null, selfie: Uint8Array | null) {
  const api = await userApi(host, name);
  const phone = await registerDevice(api);
  const out: { api: Api; document?: string; selfie?: string } = { api };
  if (document) out.document = (await upload(api, phone, { scope: "id_document", image: document })).body.uuid;
  if (selfie) out.selfie = (await upload(api, phone, { scope: "selfie", image: selfie })).body.uuid;
  return out;
}

const statusOf = async (uuid: string) => (await dbOf(host).select().from(identityCaptures).all()).find((c) => c.uuid === uuid)?.status;

test("scorer: opens the sealed captures with its validator key, matches document against selfie, posts verdicts", async () => {
  const noFace = new Uint8Array(await sharp({ create: { width: 480, height: 320, channels: 3, background: "#7a8a9a" } }).jpeg().toBuffer());
  const alice = await enrol("scoreralice", fixture("img2.jpg"), fixture("img1.jpg")); // same person (D00)
  const bob = await enrol("scorerbob", fixture("img20.jpg"), fixture("img1.jpg")); // D05 vs D00
  const carol = await enrol("scorercarol", noFace, fixture("img1.jpg"));
  const dave = await enrol("scorerdave", null, fixture("img1.jpg"));

  // Only identity validators see the queue.
  assert.equal((await alice.api.get("/api/identity/scoring/pending/")).status, 403);
  const pending = await validator.expect(200, validator.get("/api/identity/scoring/pending/"));
  assert.equal(pending.length, 7);

  // A scorer holding another key opens nothing and posts nothing.
  const wrong = await scoreOnce({ apiUrl: host.url, token: validator.token!, key: await generateKeyPair() });
  assert.deepEqual(wrong.posted, []);
  assert.equal(wrong.skipped.length, 6);
  assert.ok(wrong.skipped.every((s) => /cannot open the envelope/.test(s.reason)), JSON.stringify(wrong.skipped));
  assert.equal(await statusOf(alice.selfie!), "pending");

  // Evidence replaced in R2 is refused by its commitment, not scored.
  const carolKey = (await dbOf(host).select().from(identityCaptures).all()).find((c) => c.uuid === carol.selfie)!.objectKey;
  const original = new Uint8Array(await (await host.blobs.get(carolKey))!.arrayBuffer());
  await host.blobs.put(carolKey, new Uint8Array(original.length).fill(1));

  const r = await scoreOnce({ apiUrl: host.url, token: validator.token!, key: validatorKey });
  assert.equal(r.waiting, 1, "dave has no document yet");
  assert.deepEqual(r.skipped, [{ capture: carol.selfie, reason: "envelope hash differs from the commitment" }]);
  const byDoc = new Map(r.posted.map((p) => [p.document, p]));
  const a = byDoc.get(alice.document!)!;
  assert.equal(a.outcome, "match");
  assert.ok(a.distance! < 0.5, `alice distance ${a.distance}`);
  const b = byDoc.get(bob.document!)!;
  assert.equal(b.outcome, "no_match");
  assert.ok(b.distance! >= 0.5, `bob distance ${b.distance}`);
  assert.equal(r.posted.length, 2);

  // The verdicts reached the accounts.
  const aliceScopes = await alice.api.expect(200, alice.api.get("/api/identity/scopes/"));
  assert.deepEqual(aliceScopes.map((s: { scope: string; status: string }) => [s.scope, s.status]).sort(), [["id_document", "verified"], ["selfie", "verified"]]);
  assert.equal(await statusOf(bob.document!), "rejected");
  assert.equal(await statusOf(bob.selfie!), "rejected");
  assert.equal(await statusOf(carol.document!), "pending");

  // Restored evidence: the document has no face, a clear rejection naming the image and reason.
  await host.blobs.put(carolKey, original);
  const r2 = await scoreOnce({ apiUrl: host.url, token: validator.token!, key: validatorKey });
  assert.deepEqual(r2.posted, [{ document: carol.document, selfie: carol.selfie, outcome: "rejected", rejected_image: "document", reason: "no_face" }]);

  // A second verdict on the same pair, or junk, is refused.
  const again = await validator.post("/api/identity/scoring/attestations/", {
    document: alice.document,
    selfie: alice.selfie,
    outcome: "match",
    distance: 0.1,
    pipeline_version: "face-v1",
    pipeline_hash: "a".repeat(64),
  });
  assert.equal(again.status, 409);
  const junk = await validator.post("/api/identity/scoring/attestations/", { document: "x", selfie: dave.selfie, outcome: "maybe", pipeline_hash: "zz" });
  assert.equal(junk.status, 400);
  assert.deepEqual(Object.keys(junk.body).sort(), ["document", "outcome", "pipeline_hash", "pipeline_version"]);
  const mixed = await validator.post("/api/identity/scoring/attestations/", {
    document: dave.selfie,
    selfie: dave.selfie,
    outcome: "match",
    distance: 0.1,
    pipeline_version: "face-v1",
    pipeline_hash: "a".repeat(64),
  });
  assert.deepEqual(mixed.body, { document: ["Not an ID document capture."] });
  assert.equal((await validator.get(`/api/identity/scoring/captures/${"0".repeat(32)}/envelope/`)).status, 404);
  assert.equal((await alice.api.get(`/api/identity/scoring/captures/${dave.selfie}/envelope/`)).status, 403);
});

test("npm run scorer -- --once: the command scores what is pending and says so", async () => {
  const erin = await enrol("scorererin", fixture("img4.jpg"), fixture("img1.jpg")); // D00 both
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/scorer.ts", "--once"], {
    env: { ...process.env, VE_API_URL: host.url, VE_SCORER_TOKEN: validator.token!, VE_SCORER_KEY: b64urlEncode(await exportPrivateKey(validatorKey.privateKey)) },
    timeout: 120_000,
  });
  assert.match(stdout, /scorer: posted=1 skipped=0 waiting=1/);
  assert.match(stdout, /scorer: review evidence resealed=0 failed=0/, "the re-seal round ran (no review claimed)");
  assert.match(stdout, /: match \(0\.\d+\)/);
  assert.equal(await statusOf(erin.selfie!), "verified");
  // Misconfigured: refuses to start, naming the variable.
  const bad = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/scorer.ts", "--once"], { env: { ...process.env, VE_SCORER_TOKEN: "" } }).catch((e) => e);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /VE_SCORER_KEY|VE_SCORER_TOKEN/);
});
