// /api/encryption-keys/: registering one's own X25519 public key (versions only grow), refusing
// invalid, low-order and private keys with the field named, and the directory by user and project.
import assert from "node:assert/strict";
import { test } from "node:test";
import { generateKeyPair, hex } from "../../src/crypto/index.ts";
import { Api, userApi } from "../helpers/api.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();

const b64url = (b: Uint8Array) => Buffer.from(b).toString("base64url");
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const newKey = async () => b64url((await generateKeyPair()).publicKey);

test("a user registers their public key; versions increase; the directory serves current keys", async () => {
  const alice = await userApi(w.host);
  const pair = await generateKeyPair();
  const k1 = await alice.expect(201, alice.post("/api/encryption-keys/", { public_key: b64url(pair.publicKey) }));
  assert.equal(k1.key_version, 1);
  assert.equal(k1.key_id, hex(pair.keyId));
  assert.equal(k1.public_key, b64url(pair.publicKey));
  assert.equal(k1.user_uuid, alice.uuid);
  assert.equal(k1.algorithm, "X25519");
  assert.equal(k1.is_current, true);

  const same = await alice.call("POST", "/api/encryption-keys/", { public_key: b64url(pair.publicKey) });
  assert.equal(same.status, 400);
  assert.ok(same.body.public_key, JSON.stringify(same.body));

  const stale = await alice.call("POST", "/api/encryption-keys/", { public_key: await newKey(), key_version: 1 });
  assert.equal(stale.status, 400);
  assert.match(stale.body.key_version[0], /greater than the current version 1/);

  const k5 = await alice.expect(201, alice.post("/api/encryption-keys/", { public_key: await newKey(), key_version: 5 }));
  assert.equal(k5.key_version, 5);
  const k6 = await alice.expect(201, alice.post("/api/encryption-keys/", { public_key: await newKey() }));
  assert.equal(k6.key_version, 6);

  // Own history: every version, newest first; only the newest is current.
  const mine = await alice.expect(200, alice.get("/api/encryption-keys/"));
  assert.deepEqual(mine.map((k: { key_version: number }) => k.key_version), [6, 5, 1]);
  assert.deepEqual(mine.map((k: { is_current: boolean }) => k.is_current), [true, false, false]);

  // Directory by user: the current key only, to any authenticated caller.
  const bob = await userApi(w.host);
  const dir = await bob.expect(200, bob.get(`/api/encryption-keys/?user_uuid=${alice.uuid}`));
  assert.equal(dir.length, 1);
  assert.equal(dir[0].uuid, k6.uuid);
  assert.equal((await bob.expect(200, bob.get("/api/encryption-keys/"))).length, 0, "bob has no keys of his own");
  const one = await bob.expect(200, bob.get(`/api/encryption-keys/${k1.uuid}/`));
  assert.equal(one.is_current, false);
  assert.equal((await bob.get("/api/encryption-keys/0123456789abcdef0123456789abcdef/")).status, 404);
  assert.equal((await bob.get("/api/encryption-keys/?user_uuid=nope")).status, 400);
  assert.equal((await new Api(w.host).get("/api/encryption-keys/")).status, 401);
  assert.equal((await new Api(w.host).post("/api/encryption-keys/", { public_key: await newKey() })).status, 401);
});

test("the directory of a project: its members' current keys, only for those who can see the project", async () => {
  const owner = await userApi(w.host);
  const member = await userApi(w.host);
  const keyless = await userApi(w.host);
  const outsider = await userApi(w.host);
  const org = await owner.expect(201, owner.post("/api/customers/", { name: `Org ${owner.username}` }));
  const project = await owner.expect(201, owner.post("/api/projects/", { name: "P", customer: org.url }));
  for (const u of [member, keyless]) {
    await owner.expect(201, owner.post(`/api/projects/${project.uuid}/add_user/`, { user: u.uuid, role: "PROJECT.MEMBER" }));
  }
  const ko = await owner.expect(201, owner.post("/api/encryption-keys/", { public_key: await newKey() }));
  await member.expect(201, member.post("/api/encryption-keys/", { public_key: await newKey() }));
  const km = await member.expect(201, member.post("/api/encryption-keys/", { public_key: await newKey() }));
  await outsider.expect(201, outsider.post("/api/encryption-keys/", { public_key: await newKey() }));

  const dir = await member.expect(200, member.get(`/api/encryption-keys/?project_uuid=${project.uuid}`));
  assert.deepEqual(new Set(dir.map((k: { uuid: string }) => k.uuid)), new Set([ko.uuid, km.uuid]));
  // Membership is not public.
  assert.deepEqual(await outsider.expect(200, outsider.get(`/api/encryption-keys/?project_uuid=${project.uuid}`)), []);
  // Both filters: that user, if a member.
  const both = await owner.expect(200, owner.get(`/api/encryption-keys/?project_uuid=${project.uuid}&user_uuid=${member.uuid}`));
  assert.deepEqual(both.map((k: { uuid: string }) => k.uuid), [km.uuid]);
  assert.deepEqual(await owner.expect(200, owner.get(`/api/encryption-keys/?project_uuid=${project.uuid}&user_uuid=${outsider.uuid}`)), []);
});

test("bad public keys are refused with the field named", async () => {
  const u = await userApi(w.host);
  const p = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"; // p = 2^255 - 19
  const bad: [unknown, string, RegExp][] = [
    [{}, "public_key", /required/],
    [{ public_key: "" }, "public_key", /blank/],
    [{ public_key: 42 }, "public_key", /string/],
    [{ public_key: "not base64url!" }, "public_key", /base64url/],
    [{ public_key: b64url(new Uint8Array(31).fill(7)) }, "public_key", /32 bytes/],
    [{ public_key: b64url(new Uint8Array(33).fill(7)) }, "public_key", /32 bytes/],
    // Small-order points (RFC 7748 §6.1 / the usual blocklist): 0, 1, the order-8 points, p - 1.
    [{ public_key: b64url(new Uint8Array(32)) }, "public_key", /low-order/],
    [{ public_key: b64url(fromHex(`01${"00".repeat(31)}`)) }, "public_key", /low-order/],
    [{ public_key: b64url(fromHex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")) }, "public_key", /low-order/],
    [{ public_key: b64url(fromHex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157")) }, "public_key", /low-order/],
    [{ public_key: b64url(fromHex(`ec${"ff".repeat(30)}7f`)) }, "public_key", /low-order/],
    // Non-canonical encodings: u >= p, and the high bit set.
    [{ public_key: b64url(fromHex(p)) }, "public_key", /canonical/],
    [{ public_key: b64url(fromHex(`ee${"ff".repeat(30)}7f`)) }, "public_key", /canonical/],
    [{ public_key: b64url(fromHex(`09${"00".repeat(30)}80`)) }, "public_key", /canonical/],
    [{ public_key: await newKey(), key_version: 0 }, "key_version", /greater than or equal to 1/],
    [{ public_key: await newKey(), key_version: 2 ** 32 }, "key_version", /less than or equal/],
    [{ public_key: await newKey(), key_version: "two" }, "key_version", /integer/],
    [{ public_key: await newKey(), algorithm: "P-256" }, "algorithm", /not a valid choice/],
  ];
  for (const [body, field, message] of bad) {
    const r = await u.call("POST", "/api/encryption-keys/", body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
    assert.ok(Array.isArray(r.body[field]), `${JSON.stringify(body)}: ${JSON.stringify(r.body)} names ${field}`);
    assert.match(r.body[field][0], message, JSON.stringify(r.body));
  }
  assert.equal((await u.call("POST", "/api/encryption-keys/", "[1]")).status, 400);
  assert.equal((await u.call("POST", "/api/encryption-keys/", "{oops")).status, 400);
  assert.deepEqual(await u.expect(200, u.get("/api/encryption-keys/")), [], "nothing was registered");
});

test("anything that looks like a private key is refused, and none is stored", async () => {
  const u = await userApi(w.host);
  const pair = await generateKeyPair();
  const { exportPrivateKey } = await import("../../src/crypto/index.ts");
  const raw = await exportPrivateKey(pair.privateKey);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const pem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8).toString("base64")}\n-----END PRIVATE KEY-----`;
  const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
  const pub = b64url(pair.publicKey);
  const cases: [Record<string, unknown>, string][] = [
    [{ public_key: pub, private_key: b64url(raw) }, "private_key"],
    [{ public_key: pub, privateKey: b64url(raw) }, "privateKey"],
    [{ public_key: pub, secret_key: b64url(raw) }, "secret_key"],
    [{ public_key: pub, mnemonic }, "mnemonic"],
    [{ public_key: pub, seed: "00" }, "seed"],
    [{ public_key: pub, d: jwk.d }, "d"],
    [{ public_key: pem }, "public_key"],
    [{ public_key: Buffer.from(pkcs8).toString("base64") }, "public_key"],
    [{ public_key: b64url(pkcs8) }, "public_key"],
    [{ public_key: jwk }, "public_key"],
    [{ public_key: mnemonic }, "public_key"],
    [{ public_key: b64url(new Uint8Array([...raw, ...pair.publicKey])) }, "public_key"],
  ];
  for (const [body, field] of cases) {
    const r = await u.call("POST", "/api/encryption-keys/", body);
    assert.equal(r.status, 400, `${Object.keys(body)} → ${r.status}`);
    assert.ok(r.body[field], `${JSON.stringify(r.body)} names ${field}`);
    assert.match(JSON.stringify(r.body[field]), /private key/i);
    assert.ok(!JSON.stringify(r.body).includes(b64url(raw)), "the refusal does not echo the secret");
  }
  assert.deepEqual(await u.expect(200, u.get("/api/encryption-keys/")), [], "nothing was registered");
  const rows = (await w.host.db.prepare("SELECT * FROM encryption_keys").all()).results;
  assert.ok(!JSON.stringify(rows).includes(b64url(raw)));
});
