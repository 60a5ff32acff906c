// Account settings sealed to the account: the owner seals them on the client to their own current
// key and PUTs the envelope; only the owner gets it back (404 to everyone else, staff included);
// envelopes sealed to anyone else too, for another user, of another kind, or replaying an older
// version are refused with 4xx and leave the stored one untouched; R2 holds only ciphertext.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hex, seal } from "../../src/crypto/index.ts";
import { executorKeyPair } from "../../src/marketplace/execution/outcome.ts";
import { type Api, staffApi, userApi } from "../helpers/api.ts";
import { useWorker } from "../helpers/worker.ts";
import { d1Dump, fetchEnvelope, findPlaintext, openAs, r2Dump, r2Keys, sealJson, withKey } from "./helpers.ts";

const w = useWorker();
const path = (uuid: string) => `/api/users/${uuid}/sealed_settings/`;

async function put(api: Api, uuid: string, bytes: Uint8Array, type = "application/octet-stream") {
  const res = await w.host.fetch(path(uuid), { method: "PUT", headers: { Authorization: `Token ${api.token}`, "Content-Type": type }, body: bytes as Uint8Array<ArrayBuffer> });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

test("settings: sealed to the owner's key only, served only to the owner, versions only grow", async () => {
  const alice = await userApi(w.host);
  const bob = await userApi(w.host);
  const staff = await staffApi(w.host);
  // Without a key there is nothing to seal to.
  assert.equal((await put(alice, alice.uuid, new Uint8Array([1, 2, 3]))).status, 409);
  const key = await withKey(alice);
  const bobKey = await withKey(bob);

  const dir = await alice.expect(200, alice.get(`${path(alice.uuid)}recipients/`));
  assert.equal(dir.version, 1);
  assert.deepEqual(dir.recipients.map((r: { key_id: string }) => r.key_id), [hex(key.keyId)]);
  assert.equal((await bob.get(`${path(alice.uuid)}recipients/`)).status, 404);

  const SECRET = "VeSettingsRecoveryPhoneQw77Zr";
  const settings = { recovery_phone: SECRET, theme: "dark" };
  const v1 = await sealJson(settings, { kind: "user-settings", recordId: alice.uuid, version: 1 }, dir.recipients);
  const stored = await put(alice, alice.uuid, v1);
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  assert.equal(stored.body?.version, 1);
  assert.deepEqual(await openAs(w.host, alice, key, path(alice.uuid)), settings);

  // Nobody else: 404 (staff too); bob cannot PUT alice's settings either.
  for (const other of [bob, staff]) assert.equal((await fetchEnvelope(w.host, other, path(alice.uuid))).status, 404);
  assert.equal((await put(bob, alice.uuid, v1)).status, 404);

  const bad = async (bytes: Uint8Array, pattern: RegExp, status = 400) => {
    const r = await put(alice, alice.uuid, bytes);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(JSON.stringify(r.body), pattern);
  };
  const ctx = (over = {}) => ({ kind: "user-settings", recordId: alice.uuid, version: 2, ...over });
  const bobListed = { public_key: Buffer.from(bobKey.publicKey).toString("base64url"), key_version: 1, key_id: hex(bobKey.keyId), holder: bob.uuid };
  // Sealed to bob as well: refused (only the owner's key).
  await bad(await sealJson(settings, ctx(), [...dir.recipients, bobListed]), /not among this record's readers/);
  // Sealed to bob instead of alice: alice's key is missing.
  await bad(await sealJson(settings, ctx(), [bobListed]), /every reader/);
  // Sealed to the executor key too (the Worker must not read settings): refused.
  const exec = await executorKeyPair({ VE_MODE: "local" });
  const execListed = { public_key: Buffer.from(exec.publicKey).toString("base64url"), key_version: 1, key_id: hex(exec.keyId), holder: "executor" };
  await bad(await sealJson(settings, ctx(), [...dir.recipients, execListed]), /not among this record's readers/);
  // Another user's record id, another kind, a replayed version.
  await bad(await sealJson(settings, ctx({ recordId: bob.uuid }), dir.recipients), /record id/);
  await bad(await sealJson(settings, ctx({ kind: "order-attributes" }), dir.recipients), /kind/);
  await bad(v1, /version 2/);
  await bad(await sealJson(settings, ctx({ version: 5 }), dir.recipients), /version 2/);
  // Not an envelope, wrong media type, empty.
  await bad(new TextEncoder().encode(JSON.stringify(settings)), /VEENV/);
  assert.equal((await put(alice, alice.uuid, v1, "application/json")).status, 415);
  assert.equal((await put(alice, alice.uuid, new Uint8Array())).status, 400);
  // Tampered payload: refused? The server cannot open it; the owner's client finds out. The header
  // is what the server checks, so a truncated envelope (no final chunk) is refused.
  await bad(v1.subarray(0, v1.length - 20), /not accepted|version/);
  // Still version 1, unchanged.
  assert.deepEqual(await openAs(w.host, alice, key, path(alice.uuid)), settings);

  // A rotated key: version 2 sealed to the new key replaces version 1; the old object is gone.
  const key2 = await withKey(alice);
  const dir2 = await alice.expect(200, alice.get(`${path(alice.uuid)}recipients/`));
  assert.equal(dir2.version, 2);
  const settings2 = { ...settings, theme: "light" };
  assert.equal((await put(alice, alice.uuid, await seal(new TextEncoder().encode(JSON.stringify(settings2)), { context: ctx(), recipients: [{ publicKey: key2.publicKey, keyVersion: 2 }] }))).status, 200);
  assert.deepEqual(await openAs(w.host, alice, key2, path(alice.uuid)), settings2);
  assert.equal((await r2Keys(w.host, `user-settings/${alice.uuid}/`)).length, 1);
  assert.deepEqual(findPlaintext({ secret: SECRET }, { "D1 table": await d1Dump(w.host), "R2 object": await r2Dump(w.host) }), []);

  // DELETE: gone for good.
  assert.equal((await w.host.fetch(path(alice.uuid), { method: "DELETE", headers: { Authorization: `Token ${bob.token}` } })).status, 404);
  assert.equal((await w.host.fetch(path(alice.uuid), { method: "DELETE", headers: { Authorization: `Token ${alice.token}` } })).status, 204);
  assert.equal((await fetchEnvelope(w.host, alice, path(alice.uuid))).status, 404);
  assert.deepEqual(await r2Keys(w.host, `user-settings/${alice.uuid}/`), []);
});
