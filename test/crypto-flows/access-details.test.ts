// Resource access details sealed to the project's readers: a namespace order through the queue and
// the kubernetes plugin (against the Kubernetes test server), then GET .../access_details/ returns
// the VEENV envelope, which a member opens with their own private key; a non-member gets 404; R2
// holds no plaintext; a member removed from the project is not a recipient of what is sealed after
// the removal (re-sealed at the next update), and a rotated key replaces the old one.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { WorkerHost } from "../../scripts/lib/worker-host.ts";
import { generateKeyPair, hex, type KeyPair, open, parseHeader } from "../../src/crypto/index.ts";
import { type Api, type Json, staffApi, userApi } from "../helpers/api.ts";
import { createOffering, createProvider } from "../helpers/catalog.ts";
import { KubernetesTestServer } from "../servers/kubernetes-test-server.ts";
import { NAMESPACE_COMPONENTS, useKubernetesWorker } from "../helpers/kubernetes-worker.ts";

const k8s = new KubernetesTestServer();
let host: WorkerHost;

useKubernetesWorker(k8s, (h) => {
  host = h;
});

const COMPONENTS = NAMESPACE_COMPONENTS;

async function waitOrder(api: Api, uuid: string): Promise<Json> {
  for (let i = 0; i < 240; i++) {
    const o = await api.expect(200, api.get(`/api/marketplace-orders/${uuid}/`));
    if (["done", "erred"].includes(o.state)) return o;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`order ${uuid} did not finish`);
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString("base64url");

async function withKey(api: Api): Promise<KeyPair> {
  const pair = await generateKeyPair();
  await api.expect(201, api.post("/api/encryption-keys/", { public_key: b64url(pair.publicKey) }));
  return pair;
}

/** GET access_details as raw bytes with the envelope context from the headers. */
async function fetchEnvelope(api: Api, resourceUuid: string) {
  const res = await host.fetch(`/api/marketplace-resources/${resourceUuid}/access_details/`, { headers: { Authorization: `Token ${api.token}` } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const context = {
    kind: res.headers.get("x-envelope-kind") ?? "",
    recordId: res.headers.get("x-envelope-record-id") ?? "",
    version: Number(res.headers.get("x-envelope-version")),
  };
  return { status: res.status, type: res.headers.get("content-type"), sha256: res.headers.get("x-envelope-sha256"), bytes, context };
}

async function openAs(api: Api, key: KeyPair, resourceUuid: string): Promise<Record<string, unknown>> {
  const e = await fetchEnvelope(api, resourceUuid);
  assert.equal(e.status, 200);
  const o = await open(e.bytes, { key, context: e.context });
  assert.ok(o.ok, `opens: ${!o.ok && o.error.code}`);
  return JSON.parse(new TextDecoder().decode(o.value.plaintext));
}

const recipientIds = (bytes: Uint8Array) => {
  const h = parseHeader(bytes);
  assert.ok(h.ok);
  return h.value.recipients.map((r) => hex(r.keyId));
};

async function r2Objects(prefix: string) {
  const listed = (await host.blobs.list({ prefix })).objects;
  return Promise.all(listed.map(async (o) => ({ key: o.key, bytes: new Uint8Array(await (await host.blobs.get(o.key))!.arrayBuffer()) })));
}

test("access details: sealed to the project's readers and the executor, opened by a member, 404 to others, re-sealed without a removed member", async () => {
  const f = await createProvider(host);
  const offering = await createOffering(f, {
    type: "Kubernetes.Namespace",
    components: COMPONENTS,
    plans: [{ name: "NS", unit: "month", prices: { cpu: "1", ram: "0.01", storage: "0.1", pods: "0" } }],
    secret_options: { k8s_token: k8s.token },
  });
  const owner = await userApi(host);
  const member = await userApi(host);
  const leaver = await userApi(host);
  const keyless = await userApi(host);
  const outsider = await userApi(host);
  const org = await owner.expect(201, owner.post("/api/customers/", { name: `Org ${owner.username}` }));
  const project = await owner.expect(201, owner.post("/api/projects/", { name: "Apps", customer: org.url }));
  for (const u of [member, leaver, keyless]) {
    await owner.expect(201, owner.post(`/api/projects/${project.uuid}/add_user/`, { user: u.uuid, role: "PROJECT.MEMBER" }));
  }
  const ownerKey = await withKey(owner);
  const memberKey = await withKey(member);
  const leaverKey = await withKey(leaver);
  const outsiderKey = await withKey(outsider);

  const plans = await owner.expect(200, owner.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
  const created = await owner.expect(
    201,
    owner.post("/api/marketplace-orders/", {
      offering: `${host.url}/api/marketplace-public-offerings/${offering.uuid}/`,
      project: project.url,
      plan: plans[0].url,
      attributes: { name: "apps" },
      limits: { cpu: 2, ram: 2048, storage: 10, pods: 5 },
    }),
  );
  const done = await waitOrder(owner, created.uuid);
  assert.equal(done.state, "done", done.error_message);
  const uuid: string = created.marketplace_resource_uuid;

  // The envelope, served as bytes with its context; the header names the readers' keys and the executor.
  const e1 = await fetchEnvelope(member, uuid);
  assert.equal(e1.status, 200);
  assert.equal(e1.type, "application/octet-stream");
  assert.deepEqual(e1.context, { kind: "resource-access", recordId: uuid, version: 1 });
  const ids1 = recipientIds(e1.bytes);
  for (const k of [ownerKey, memberKey, leaverKey]) assert.ok(ids1.includes(hex(k.keyId)), "each reader with a key is a recipient");
  assert.ok(!ids1.includes(hex(outsiderKey.keyId)));
  assert.equal(ids1.length, 4, "owner, member, leaver and the executor");

  // Members open it with their own private keys; the content is what the plugin returned.
  const details = await openAs(member, memberKey, uuid);
  assert.equal(details.server, k8s.url);
  assert.match(String(details.kubeconfig), /token:/);
  assert.deepEqual(await openAs(owner, ownerKey, uuid), details);
  const token = /token: "?([^"\s]+)/.exec(String(details.kubeconfig))![1]!;
  assert.ok(token.length > 8);

  // Others: 404, staff included; a key that is not a recipient cannot open the bytes anyway.
  assert.equal((await fetchEnvelope(outsider, uuid)).status, 404);
  assert.equal((await fetchEnvelope(await staffApi(host), uuid)).status, 404);
  assert.equal((await fetchEnvelope(f.provider, uuid)).status, 404);
  assert.equal((await fetchEnvelope(keyless, uuid)).status, 200, "a reader without a key gets the bytes but is no recipient");
  const wrong = await open(e1.bytes, { key: outsiderKey, context: e1.context });
  assert.ok(!wrong.ok && wrong.error.code === "not_a_recipient");
  assert.equal((await fetchEnvelope(member, "0123456789abcdef0123456789abcdef")).status, 404);

  // R2 holds only the envelope; D1 only the reference.
  const objects1 = await r2Objects(`access-details/${uuid}/`);
  assert.deepEqual(objects1.map((o) => o.key), [`access-details/${uuid}/1`]);
  const r2Text = Buffer.from(objects1[0]!.bytes).toString("latin1");
  for (const secret of [token, k8s.url, "apiVersion", "kubeconfig", "namespace"]) assert.ok(!r2Text.includes(secret), `R2 does not hold "${secret}"`);
  assert.deepEqual(objects1[0]!.bytes, e1.bytes);
  const ref = (await host.db.prepare("SELECT * FROM sealed_blobs WHERE record_id = ?").bind(uuid).first()) as Record<string, unknown>;
  assert.equal(ref.object_key, `access-details/${uuid}/1`);
  assert.equal(ref.sha256, e1.sha256);
  assert.equal(ref.size, e1.bytes.length);
  const listed = JSON.parse(String(ref.recipients)) as { keyId: string; holder: string }[];
  assert.deepEqual(new Set(listed.map((r) => r.keyId)), new Set(ids1));
  assert.ok(listed.some((r) => r.holder === "executor"));
  const row = (await host.db.prepare("SELECT access_details_key FROM resources WHERE uuid = ?").bind(uuid).first()) as { access_details_key: string };
  assert.equal(row.access_details_key, `access-details/${uuid}/1`);

  // The leaver is removed; the member rotates their key. The next update re-seals.
  await owner.expect(200, owner.post(`/api/projects/${project.uuid}/delete_user/`, { user: leaver.uuid, role: "PROJECT.MEMBER" }));
  assert.equal((await fetchEnvelope(leaver, uuid)).status, 404, "a removed member is no longer served");
  const memberKey2 = await withKey(member);
  const upd = await owner.expect(200, owner.post(`/api/marketplace-resources/${uuid}/update_limits/`, { limits: { cpu: 4, ram: 4096, storage: 10, pods: 10 } }));
  assert.equal((await waitOrder(owner, upd.order_uuid)).state, "done");

  const e2 = await fetchEnvelope(member, uuid);
  assert.equal(e2.context.version, 2);
  const ids2 = recipientIds(e2.bytes);
  assert.ok(!ids2.includes(hex(leaverKey.keyId)), "the removed member's key is not a recipient of details sealed after removal");
  assert.ok(!ids2.includes(hex(memberKey.keyId)), "the member's old key is replaced by the current one");
  assert.ok(ids2.includes(hex(memberKey2.keyId)) && ids2.includes(hex(ownerKey.keyId)));
  const leaverTry = await open(e2.bytes, { key: leaverKey, context: e2.context });
  assert.ok(!leaverTry.ok && leaverTry.error.code === "not_a_recipient");
  assert.equal((await openAs(member, memberKey2, uuid)).server, k8s.url);
  // Opening against the old version's context fails: the envelope is bound to its version.
  const stale = await open(e2.bytes, { key: memberKey2, context: e1.context });
  assert.ok(!stale.ok && stale.error.code === "context_mismatch");
  // The superseded object is gone.
  assert.deepEqual((await r2Objects(`access-details/${uuid}/`)).map((o) => o.key), [`access-details/${uuid}/2`]);
});
