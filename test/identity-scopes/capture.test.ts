import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { toBech32 } from "@cosmjs/encoding";
import sharp from "sharp";
import { ChainRecordError, chainRecords } from "../../src/bridge/chain/records.ts";
import { identityValidators } from "../../src/identity/capture/validators.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { hex } from "../../src/crypto/bytes.ts";
import { open } from "../../src/crypto/envelope.ts";
import { generateKeyPair, type KeyPair } from "../../src/crypto/keys.ts";
import { identityCaptureNonces, identityCaptures } from "../../src/db/schema/index.ts";
import { CAPTURE_ENVELOPE_KIND } from "../../src/identity/capture/bundle.ts";
import { b64urlEncode } from "../../src/identity/sso/id-token.ts";
import { dbOf, userApi } from "../helpers/api.ts";
import { fixture, nonceFor, registerDevice, upload } from "./capture-client.ts";

const selfieJpeg = fixture("img1.jpg");
const otherJpeg = fixture("img2.jpg");
const VALOPERS = [toBech32("virtenginevaloper", new Uint8Array(20).fill(1)), toBech32("virtenginevaloper", new Uint8Array(20).fill(2))];

let host: WorkerHost;
let noKeysHost: WorkerHost;
let validators: KeyPair[];
let documentPng: Uint8Array;

before(async () => {
  validators = [await generateKeyPair(), await generateKeyPair()];
  documentPng = new Uint8Array(await sharp(otherJpeg).resize(640).png().toBuffer());
  const cfg = validators.map((k, i) => ({ validator: VALOPERS[i], public_key: b64urlEncode(k.publicKey), key_version: i + 1 }));
  [host, noKeysHost] = await Promise.all([startWorkerHost({ vars: { VE_IDENTITY_VALIDATORS: JSON.stringify(cfg) } }), startWorkerHost()]);
});
after(async () => {
  await Promise.all([host?.dispose(), noKeysHost?.dispose()]);
});

test("capture: a signed selfie is sealed to every identity validator, stored in R2 and committed by its salted hash", async () => {
  const a = await userApi(host, "capuser1");
  const phone = await registerDevice(a);
  const r = await upload(a, phone);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const c = r.body;
  assert.equal(c.scope, "selfie");
  assert.equal(c.status, "pending");
  assert.equal(c.format, "jpeg");
  assert.equal(c.image_sha256, r.metadata.image_sha256);
  assert.deepEqual(
    c.sealed_to.map((s: Json) => [s.validator, s.key_version]),
    [
      [VALOPERS[0], 1],
      [VALOPERS[1], 2],
    ],
  );
  // R2 holds the envelope only; its hash is the one recorded.
  const row = (await dbOf(host).select().from(identityCaptures).all()).find((x) => x.uuid === c.uuid)!;
  const obj = await host.blobs.get(row.objectKey);
  assert.ok(obj);
  const stored = new Uint8Array(await obj.arrayBuffer());
  assert.equal(hex(createHash("sha256").update(stored).digest()), c.envelope_sha256);
  assert.equal(stored.length, c.size);
  assert.ok(!Buffer.from(stored).includes(Buffer.from(selfieJpeg.subarray(1000, 1064))), "no plaintext image in R2");
  // Each validator opens it with its own key and finds the attested metadata and the exact image.
  for (const key of validators) {
    const opened = await open(stored, { key, context: { kind: CAPTURE_ENVELOPE_KIND, recordId: c.uuid, version: 1 } });
    assert.ok(opened.ok);
    const plain = opened.value.plaintext;
    const nl1 = plain.indexOf(0x0a);
    const nl2 = plain.indexOf(0x0a, nl1 + 1);
    assert.equal(new TextDecoder().decode(plain.subarray(0, nl1)), "VECAPTURE1");
    const meta = JSON.parse(new TextDecoder().decode(plain.subarray(nl1 + 1, nl2)));
    assert.equal(meta.account, a.uuid);
    assert.equal(meta.salt, r.metadata.salt);
    assert.equal(meta.signature, r.metadata.signature);
    assert.deepEqual(plain.subarray(nl2 + 1), selfieJpeg);
  }
  // Another key does not open it.
  const outsider = await generateKeyPair();
  assert.equal((await open(stored, { key: outsider, context: { kind: CAPTURE_ENVELOPE_KIND, recordId: c.uuid, version: 1 } })).ok, false);
  // D1 has a keyed nonce hash and the salted commitment, not the nonce or the salt.
  const dump = JSON.stringify([await dbOf(host).select().from(identityCaptureNonces).all(), await dbOf(host).select().from(identityCaptures).all()]);
  assert.ok(!dump.includes(r.metadata.nonce!) && !dump.includes(r.metadata.salt!));
  const scopes = await a.expect(200, a.get("/api/identity/scopes/"));
  assert.deepEqual(scopes.map((s: Json) => [s.scope, s.status, s.method]), [["selfie", "pending", "capture"]]);
  assert.deepEqual((await a.expect(200, a.get("/api/identity/captures/"))).map((x: Json) => x.uuid), [c.uuid]);
});

test("capture: a P-256 device and a PNG ID document work too", async () => {
  const a = await userApi(host, "capuser2");
  const tablet = await registerDevice(a, "P-256");
  const r = await upload(a, tablet, { scope: "id_document", image: documentPng });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.format, "png");
  assert.equal(r.body.scope, "id_document");
});

test("capture: replayed, foreign, expired and wrong-scope nonces are refused, naming the nonce", async () => {
  const a = await userApi(host, "capuser3");
  const b = await userApi(host, "capuser4");
  const da = await registerDevice(a);
  const db_ = await registerDevice(b);
  const first = await upload(a, da);
  assert.equal(first.status, 201);
  const replay = await upload(a, da, { nonce: first.metadata.nonce });
  assert.deepEqual(replay.body, { nonce: ["This nonce was already used."] });
  const foreign = await upload(a, da, { nonce: await nonceFor(b, "selfie") });
  assert.deepEqual(foreign.body, { nonce: ["This nonce was not issued to this account."] });
  const wrongScope = await upload(a, da, { nonce: await nonceFor(a, "id_document") });
  assert.deepEqual(wrongScope.body, { nonce: ["This nonce was issued for id_document, not selfie."] });
  const stale = await nonceFor(a, "selfie");
  await dbOf(host).update(identityCaptureNonces).set({ expiresAt: new Date(Date.now() - 1000).toISOString() });
  assert.deepEqual((await upload(a, da, { nonce: stale })).body, { nonce: ["This nonce has expired; ask for a new one."] });
  assert.deepEqual((await upload(a, da, { nonce: "A".repeat(43) })).body, { nonce: ["This nonce was not issued to this account."] });
  // Uploading for another account: b cannot use a's device.
  assert.deepEqual((await upload(b, da)).body, { device: ["Not an active device of this account."] });
  assert.equal((await upload(b, db_)).status, 201);
  assert.equal((await a.expect(200, a.get("/api/identity/captures/"))).length, 1);
});

test("capture: bad signature, hash mismatch, capture time outside the nonce, revoked device", async () => {
  const a = await userApi(host, "capuser5");
  const phone = await registerDevice(a);
  const other = await registerDevice(a);
  assert.deepEqual((await upload(a, phone, { signer: other })).body, { signature: ["The device signature does not verify."] });
  const tampered = await upload(a, phone, { edit: (m) => (m.captured_at = new Date(Date.now() - 1000).toISOString()) });
  assert.deepEqual(tampered.body, { signature: ["The device signature does not verify."] });
  // The signed hash is of another picture (a gallery image swapped in after signing).
  assert.deepEqual((await upload(a, phone, { hashOf: otherJpeg })).body, { image_sha256: ["Does not match the salted hash of the uploaded image."] });
  assert.deepEqual((await upload(a, phone, { capturedAt: new Date(Date.now() - 3600_000).toISOString() })).body, { captured_at: ["The capture time is outside the nonce's life."] });
  await a.expect(204, a.delete(`/api/identity/devices/${phone.uuid}/`).then((r) => ({ ...r, body: r.body ?? "" })));
  assert.deepEqual((await upload(a, phone)).body, { device: ["Not an active device of this account."] });
  assert.deepEqual(await a.expect(200, a.get("/api/identity/captures/")), []);
});

test("capture: non-images, wrong types, truncated, tiny and huge images are clear 4xx", async () => {
  const a = await userApi(host, "capuser6");
  const phone = await registerDevice(a);
  const text = new TextEncoder().encode("this is not a picture at all, just text");
  assert.deepEqual((await upload(a, phone, { image: text, contentType: "image/jpeg" })).body, { image: ["Not a JPEG or PNG image."] });
  assert.equal((await upload(a, phone, { image: text, contentType: "image/jpeg" })).status, 415);
  assert.equal((await upload(a, phone, { contentType: "application/octet-stream" })).status, 415);
  assert.deepEqual((await upload(a, phone, { image: documentPng, contentType: "image/jpeg" })).body, { image: ["The bytes are PNG, not image/jpeg."] });
  const truncated = await upload(a, phone, { image: selfieJpeg.subarray(0, Math.floor(selfieJpeg.length / 2)) });
  assert.deepEqual(truncated.body, { image: ["The image is truncated."] });
  const tiny = new Uint8Array(await sharp({ create: { width: 50, height: 40, channels: 3, background: "#888" } }).jpeg().toBuffer());
  assert.deepEqual((await upload(a, phone, { image: tiny })).body, { image: ["The image is too small (50×40; at least 200 pixels a side)."] });
  const empty = await upload(a, phone, { image: new Uint8Array(0), contentType: "image/jpeg" });
  assert.deepEqual(empty.body, { image: ["The image is empty."] });
  const huge = new Uint8Array(11 * 1024 * 1024);
  huge.set(selfieJpeg);
  const big = await upload(a, phone, { image: huge });
  assert.equal(big.status, 413);
  assert.equal((await a.expect(200, a.get("/api/identity/captures/"))).length, 0);
});

test("capture: metadata problems name the field; anonymous is 401; no identity keys is 503", async () => {
  const a = await userApi(host, "capuser7");
  const phone = await registerDevice(a);
  const post = (headers: Record<string, string>) =>
    host.fetch("/api/identity/capture/", { method: "POST", headers: { Authorization: `Token ${a.token}`, "Content-Type": "image/jpeg", ...headers }, body: selfieJpeg }).then(async (r) => ({ status: r.status, body: await r.json() }));
  assert.deepEqual(await post({}), { status: 400, body: { metadata: ["The X-Capture-Metadata header is required."] } });
  assert.deepEqual((await post({ "X-Capture-Metadata": "{nope" })).body, { metadata: ["The X-Capture-Metadata header is not JSON."] });
  assert.deepEqual((await post({ "X-Capture-Metadata": "[1]" })).body, { metadata: ["The X-Capture-Metadata header must be a JSON object."] });
  const bad = await upload(a, phone, { edit: (m) => Object.assign(m, { salt: "abc", captured_at: "yesterday", device: "x", image_sha256: "zz", signature: "!!" }) });
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys(bad.body).sort(), ["captured_at", "device", "image_sha256", "salt", "signature"]);
  const noScope = await upload(a, phone, { edit: (m) => Object.assign(m, { scope: "passport" }) });
  assert.deepEqual(noScope.body, { scope: ['"passport" is not a valid choice.'] });
  assert.deepEqual((await a.post("/api/identity/capture/nonce/", { scope: "fingerprint" })).body, { scope: ['"fingerprint" is not a valid choice.'] });
  const anon = await host.fetch("/api/identity/capture/", { method: "POST", headers: { "Content-Type": "image/jpeg" }, body: selfieJpeg });
  assert.equal(anon.status, 401);
  await anon.arrayBuffer();

  const n = await userApi(noKeysHost, "capuser8");
  const nd = await registerDevice(n);
  const r = await upload(n, nd);
  assert.equal(r.status, 503);
});

test("capture erasure: the owner deletes the sealed image from R2; the commitment hashes stay; others get 404", async () => {
  const a = await userApi(host, "capuser11");
  const b = await userApi(host, "capuser12");
  const phone = await registerDevice(a);
  const c = (await upload(a, phone)).body;
  const row = (await dbOf(host).select().from(identityCaptures).all()).find((x) => x.uuid === c.uuid)!;
  assert.ok(await host.blobs.head(row.objectKey));
  assert.equal((await b.delete(`/api/identity/captures/${c.uuid}/`)).status, 404);
  assert.ok(await host.blobs.head(row.objectKey), "another account cannot erase it");
  assert.equal((await a.delete(`/api/identity/captures/${c.uuid}/`)).status, 204);
  assert.equal(await host.blobs.head(row.objectKey), null);
  const [listed] = await a.expect(200, a.get("/api/identity/captures/"));
  assert.equal(listed.status, "erased");
  assert.equal(listed.image_sha256, c.image_sha256);
  assert.equal(listed.envelope_sha256, c.envelope_sha256);
  assert.equal((await a.delete(`/api/identity/captures/${c.uuid}/`)).status, 204, "erasing twice is harmless");
  assert.equal((await a.delete("/api/identity/captures/not-a-uuid/")).status, 404);
});

test("device keys: invalid keys named, duplicates 409, revocation is per account", async () => {
  const a = await userApi(host, "capuser9");
  const b = await userApi(host, "capuser10");
  const bad: [Json, Json][] = [
    [{ algorithm: "Ed25519", public_key: b64urlEncode(new Uint8Array(31)) }, { public_key: ["Not a valid Ed25519 public key (base64url of 32 bytes)."] }],
    [{ algorithm: "P-256", public_key: b64urlEncode(Uint8Array.from([4, ...new Uint8Array(64).fill(7)])) }, { public_key: ["Not a valid P-256 public key (base64url of a 65-byte uncompressed point)."] }],
    [{ algorithm: "RSA", public_key: "AAAA" }, { algorithm: ['"RSA" is not a valid choice.'] }],
    [{ algorithm: "Ed25519", public_key: "***" }, { public_key: ["Not a valid Ed25519 public key (base64url of 32 bytes)."] }],
    [{ algorithm: "Ed25519" }, { public_key: ["This field is required."] }],
  ];
  for (const [req, want] of bad) assert.deepEqual((await a.post("/api/identity/devices/", req)).body, want, JSON.stringify(req));
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const pk = b64urlEncode(new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey)));
  const d = await a.expect(201, a.post("/api/identity/devices/", { algorithm: "Ed25519", public_key: pk }));
  assert.equal((await a.post("/api/identity/devices/", { algorithm: "Ed25519", public_key: pk })).status, 409);
  assert.deepEqual((await b.expect(200, b.get("/api/identity/devices/"))), []);
  assert.equal((await b.delete(`/api/identity/devices/${d.uuid}/`)).status, 404);
  assert.equal((await a.delete(`/api/identity/devices/${d.uuid}/`)).status, 204);
  assert.equal((await a.delete(`/api/identity/devices/${d.uuid}/`)).status, 404);
  const list = await a.expect(200, a.get("/api/identity/devices/"));
  assert.equal(list.length, 1);
  assert.ok(list[0].revoked_at);
});

test("the x/veid scope commitment record: the capture's salted hash, object key and validator keys, nothing else", async () => {
  const owner = toBech32("virtengine", new Uint8Array(20).fill(9));
  const rec = chainRecords.scopeSubmitted({
    owner,
    scopeUuid: "0123456789abcdef0123456789abcdef",
    scopeType: "selfie",
    objectKey: "identity/captures/u/0123456789abcdef0123456789abcdef.veenv",
    contentHash: "ab".repeat(32),
    sealedTo: [{ validator: VALOPERS[0]!, keyVersion: 1 }],
    expiresAt: 1_900_000_000,
  });
  assert.equal(rec.typeUrl, "/virtengine.veid.v1.MsgSubmitScope");
  assert.equal(rec.signer, owner);
  assert.deepEqual(rec.payload, {
    owner,
    scopeId: "0123456789abcdef0123456789abcdef",
    scopeType: 7,
    objectKey: "identity/captures/u/0123456789abcdef0123456789abcdef.veenv",
    contentHash: { $b64: Buffer.from("ab".repeat(32), "hex").toString("base64") },
    sealedTo: [{ validator: VALOPERS[0], keyVersion: 1 }],
    expiresAt: "1900000000",
  });
  const base = { owner, scopeUuid: "0123456789abcdef0123456789abcdef", scopeType: "selfie" as const, objectKey: "k/1", contentHash: "ab".repeat(32), sealedTo: [{ validator: VALOPERS[0]!, keyVersion: 1 }], expiresAt: 1 };
  const bad: Record<string, unknown>[] = [
    { contentHash: "ab" },
    { objectKey: "" },
    { objectKey: "alice's passport.jpg" },
    { sealedTo: [] },
    { sealedTo: [{ validator: owner, keyVersion: 1 }] },
    { sealedTo: [{ validator: VALOPERS[0], keyVersion: 0 }] },
    { sealedTo: [{ validator: VALOPERS[0], keyVersion: 1 }, { validator: VALOPERS[0], keyVersion: 2 }] },
    { expiresAt: 0 },
    { owner: "cosmos1xyz" },
    { scopeType: "passport" },
  ];
  for (const b of bad) assert.throws(() => chainRecords.scopeSubmitted({ ...base, ...b } as never), ChainRecordError, JSON.stringify(b));
  // The identity validators configuration takes only real valoper addresses and X25519 keys.
  const key = b64urlEncode(validators[0]!.publicKey);
  assert.equal((await identityValidators({ VE_MODE: "local", VE_IDENTITY_VALIDATORS: JSON.stringify([{ validator: VALOPERS[0], public_key: key, key_version: 1 }]) }))?.length, 1);
  for (const cfg of [[{ validator: owner, public_key: key, key_version: 1 }], [{ validator: VALOPERS[0], public_key: "AAAA", key_version: 1 }], [], "{"]) {
    await assert.rejects(identityValidators({ VE_MODE: "local", VE_IDENTITY_VALIDATORS: typeof cfg === "string" ? cfg : JSON.stringify(cfg) }), /VE_IDENTITY_VALIDATORS/);
  }
});

// biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field
type Json = any;
