// Organization content sealed to its members with the reading role (owners and managers), all on
// the client: an owner makes content key v1 and seals its private half to the readers; content is
// sealed to v1; a new manager gets v1 when another reader re-wraps it for them (rewrap() + PUT of
// the new header) and then reads the old content; a removed manager forces a rotation (new content
// to v1 is refused with 409), the rotated key v2 is sealed to the remaining readers only, and the
// removed manager — who kept v1's private key — cannot open content sealed after the removal.
import assert from "node:assert/strict";
import { test } from "node:test";
import { exportPrivateKey, generateKeyPair, hex, importPrivateKey, type KeyPair, open, parseHeader, rewrap, seal } from "../../src/crypto/index.ts";
import { newUuid } from "../../src/http/ids.ts";
import { type Api, type Json, staffApi, userApi } from "../helpers/api.ts";
import { useWorker } from "../helpers/worker.ts";
import { b64url, d1Dump, fetchEnvelope, findPlaintext, type ListedRecipient, r2Dump, toRecipients, withKey } from "./helpers.ts";

const w = useWorker();

test("organization content: readers only, re-wrap for a new member, rotation after a removal, the removed member cannot read new data", async () => {
  const owner = await userApi(w.host);
  const ownerKey = await withKey(owner);
  const manager = await userApi(w.host);
  const managerKey = await withKey(manager);
  const newcomer = await userApi(w.host);
  const newcomerKey = await withKey(newcomer);
  const projectMember = await userApi(w.host);
  await withKey(projectMember);
  const org = await owner.expect(201, owner.post("/api/customers/", { name: `Org ${owner.username}` }));
  await owner.expect(201, owner.post(`/api/customers/${org.uuid}/add_user/`, { user: manager.uuid, role: "CUSTOMER.MANAGER" }));
  const base = `/api/customers/${org.uuid}`;

  const raw = async (api: Api, method: string, path: string, bytes: Uint8Array) => {
    const res = await w.host.fetch(path, { method, headers: { Authorization: `Token ${api.token}`, "Content-Type": "application/octet-stream" }, body: bytes as Uint8Array<ArrayBuffer> });
    return { status: res.status, body: (await res.json().catch(() => null)) as Json };
  };

  // The first content key: made on the owner's client, its private half sealed to the readers.
  const state = await owner.expect(200, owner.get(`${base}/content_keys/`));
  assert.equal(state.current_version, null);
  assert.deepEqual(state.recipients.map((r: ListedRecipient) => r.holder).sort(), [owner.uuid, manager.uuid].sort());
  const makeKey = async (version: number, readers: ListedRecipient[]) => {
    const pair = await generateKeyPair();
    const envelope = await seal(await exportPrivateKey(pair.privateKey), { context: { kind: "org-key", recordId: `${org.uuid}.${version}`, version: 1 }, recipients: toRecipients(readers) });
    return { pair, body: { public_key: b64url(pair.publicKey), key_version: version, envelope: b64url(envelope) } };
  };
  // Refused: sealed to a non-reader too, or missing a reader; wrong version; wrong record.
  const outsiderListed = (await projectMember.expect(200, projectMember.get(`/api/users/${projectMember.uuid}/sealed_settings/recipients/`))).recipients;
  assert.equal((await owner.post(`${base}/content_keys/`, (await makeKey(1, [...state.recipients, ...outsiderListed])).body)).status, 400);
  assert.equal((await owner.post(`${base}/content_keys/`, (await makeKey(1, state.recipients.slice(0, 1))).body)).status, 400);
  assert.equal((await owner.post(`${base}/content_keys/`, (await makeKey(2, state.recipients)).body)).status, 400);
  const v1 = await makeKey(1, state.recipients);
  assert.equal((await owner.post(`${base}/content_keys/`, { ...v1.body, public_key: "AAAA" })).status, 400);
  await owner.expect(201, owner.post(`${base}/content_keys/`, v1.body));
  assert.equal((await owner.post(`${base}/content_keys/`, v1.body)).status, 400, "version 1 exists");

  /** A reader's client: fetch the wrapped private half of a version and open it with the reader's key. */
  const orgKey = async (api: Api, key: KeyPair, version: number): Promise<KeyPair> => {
    const e = await fetchEnvelope(w.host, api, `${base}/content_keys/${version}/`);
    assert.equal(e.status, 200);
    const o = await open(e.bytes, { key, context: e.context });
    assert.ok(o.ok, !o.ok ? o.error.code : "");
    return importPrivateKey(o.value.plaintext);
  };
  const postContent = async (api: Api, value: unknown, pub: Uint8Array, version: number) => {
    const uuid = newUuid();
    const bytes = await seal(new TextEncoder().encode(JSON.stringify(value)), { context: { kind: "org-content", recordId: uuid, version: 1 }, recipients: [{ publicKey: pub, keyVersion: version }] });
    return { uuid, ...(await raw(api, "POST", `${base}/sealed_content/`, bytes)) };
  };
  const readContent = async (api: Api, key: KeyPair, uuid: string) => {
    const e = await fetchEnvelope(w.host, api, `${base}/sealed_content/${uuid}/`);
    assert.equal(e.status, 200);
    const o = await open(e.bytes, { key, context: e.context });
    return o.ok ? JSON.parse(new TextDecoder().decode(o.value.plaintext)) : o.error.code;
  };

  const OLD = { board_minutes: "VeOrgOldSecretDk39Tq" };
  const c1 = await postContent(owner, OLD, v1.pair.publicKey, 1);
  assert.equal(c1.status, 201, JSON.stringify(c1.body));
  const managerV1 = await orgKey(manager, managerKey, 1);
  assert.deepEqual(await readContent(manager, managerV1, c1.uuid), OLD);
  // Content must be sealed to the current org key only.
  const toMember = newUuid();
  const wrongRecipient = await seal(new Uint8Array([1]), { context: { kind: "org-content", recordId: toMember, version: 1 }, recipients: [{ publicKey: managerKey.publicKey, keyVersion: 1 }] });
  assert.equal((await raw(owner, "POST", `${base}/sealed_content/`, wrongRecipient)).status, 400);
  // Not readers: 404 everywhere (a project member, staff).
  for (const other of [projectMember, await staffApi(w.host)]) {
    assert.equal((await other.get(`${base}/content_keys/`)).status, 404);
    assert.equal((await other.get(`${base}/sealed_content/`)).status, 404);
    assert.equal((await fetchEnvelope(w.host, other, `${base}/sealed_content/${c1.uuid}/`)).status, 404);
  }

  // A new manager: a reader but not yet a recipient of v1, until the manager re-wraps v1 for them.
  await owner.expect(201, owner.post(`/api/customers/${org.uuid}/add_user/`, { user: newcomer.uuid, role: "CUSTOMER.MANAGER" }));
  assert.equal((await fetchEnvelope(w.host, newcomer, `${base}/content_keys/1/`)).status, 404);
  const listedNow = await manager.expect(200, manager.get(`${base}/content_keys/`));
  assert.equal(listedNow.rotation_required, null, "adding a member needs a re-wrap, not a rotation");
  const wrapped = await fetchEnvelope(w.host, manager, `${base}/content_keys/1/`);
  const newcomerListed = listedNow.recipients.filter((r: ListedRecipient) => r.holder === newcomer.uuid);
  const re = await rewrap(wrapped.bytes, { key: managerKey, context: wrapped.context, add: toRecipients(newcomerListed) });
  assert.ok(re.ok);
  // A header missing a reader is refused; the full re-wrapped header is accepted.
  const oldHeader = parseHeader(wrapped.bytes);
  assert.ok(oldHeader.ok);
  assert.equal((await raw(manager, "PUT", `${base}/content_keys/1/`, oldHeader.value.bytes)).status, 400);
  assert.equal((await raw(newcomer, "PUT", `${base}/content_keys/1/`, re.value.header)).status, 404, "only a recipient re-wraps");
  const put = await raw(manager, "PUT", `${base}/content_keys/1/`, re.value.header);
  assert.equal(put.status, 204, JSON.stringify(put.body));
  const newcomerV1 = await orgKey(newcomer, newcomerKey, 1);
  assert.deepEqual(await readContent(newcomer, newcomerV1, c1.uuid), OLD, "the new member reads existing content");
  assert.deepEqual(await readContent(owner, await orgKey(owner, ownerKey, 1), c1.uuid), OLD, "the others still can");

  // The manager is removed: v1 must be rotated before new content; the manager keeps v1's key.
  await owner.expect(200, owner.post(`/api/customers/${org.uuid}/delete_user/`, { user: manager.uuid, role: "CUSTOMER.MANAGER" }));
  assert.equal((await manager.get(`${base}/sealed_content/`)).status, 404);
  const after = await owner.expect(200, owner.get(`${base}/content_keys/`));
  assert.match(String(after.rotation_required), new RegExp(manager.uuid));
  const NEW = { board_minutes: "VeOrgNewSecretHw52Jx" };
  const refused = await postContent(owner, NEW, v1.pair.publicKey, 1);
  assert.equal(refused.status, 409, "new content to the old key is refused");
  assert.deepEqual(after.recipients.map((r: ListedRecipient) => r.holder).sort(), [owner.uuid, newcomer.uuid].sort());
  const v2 = await makeKey(2, after.recipients);
  await owner.expect(201, owner.post(`${base}/content_keys/`, v2.body));
  const c2 = await postContent(newcomer, NEW, v2.pair.publicKey, 2);
  assert.equal(c2.status, 201, JSON.stringify(c2.body));
  assert.deepEqual(await readContent(owner, await orgKey(owner, ownerKey, 2), c2.uuid), NEW);
  assert.deepEqual(await readContent(newcomer, await orgKey(newcomer, newcomerKey, 2), c2.uuid), NEW);
  // The removed manager: no access through the API, and even with the bytes, neither its own key nor
  // the v1 org key it kept opens anything sealed after the removal.
  assert.equal((await fetchEnvelope(w.host, manager, `${base}/sealed_content/${c2.uuid}/`)).status, 404);
  const bytes = await fetchEnvelope(w.host, owner, `${base}/sealed_content/${c2.uuid}/`);
  for (const k of [managerV1, managerKey]) {
    const o = await open(bytes.bytes, { key: k, context: bytes.context });
    assert.ok(!o.ok && o.error.code === "not_a_recipient");
  }
  const v2Header = parseHeader((await fetchEnvelope(w.host, owner, `${base}/content_keys/2/`)).bytes);
  assert.ok(v2Header.ok);
  assert.ok(!v2Header.value.recipients.some((r) => hex(r.keyId) === hex(managerKey.keyId)), "v2 is not sealed to the removed manager");

  assert.deepEqual(findPlaintext({ OLD: OLD.board_minutes, NEW: NEW.board_minutes }, { "D1 table": await d1Dump(w.host), "R2 object": await r2Dump(w.host) }), []);
});
