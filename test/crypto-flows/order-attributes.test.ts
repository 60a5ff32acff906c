// Order attributes sealed to the provider and the customer: a client seals them itself to the
// recipients the API lists (provider readers, customer, executor), the order runs through the queue
// and the kubernetes plugin, which reads the sealed container spec through the executor key; the
// provider and the customer open the envelope, others get 404. A Waldur client sending plaintext
// attributes still works: the API seals them on arrival and keeps only the public part. Refused
// envelopes (missing reader, wrong kind/record/version, tampered, garbage) are 400s naming the
// field and leave nothing behind in R2 or D1.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { WorkerHost } from "../../scripts/lib/worker-host.ts";
import { generateKeyPair, hex, open, openingProof, parseHeader } from "../../src/crypto/index.ts";
import { newUuid } from "../../src/http/ids.ts";
import { type Json, staffApi, userApi } from "../helpers/api.ts";
import { type OrderFixture, orderBody, orderFixture } from "../helpers/orders.ts";
import { KubernetesTestServer } from "../servers/kubernetes-test-server.ts";
import { b64url, d1Dump, fetchEnvelope, findPlaintext, type ListedRecipient, openAs, r2Dump, r2Keys, sealJson, waitOrder, withKey } from "./helpers.ts";
import { NAMESPACE_COMPONENTS, useKubernetesWorker } from "../helpers/kubernetes-worker.ts";

const k8s = new KubernetesTestServer();
let host: WorkerHost;

useKubernetesWorker(k8s, (h) => {
  host = h;
});

const COMPONENTS = NAMESPACE_COMPONENTS;
const LIMITS = { cpu: 2, ram: 2048, storage: 10, pods: 5 };

async function fixture(): Promise<OrderFixture> {
  return orderFixture(host, {
    type: "Kubernetes.Namespace",
    components: COMPONENTS,
    plans: [{ name: "NS", unit: "month", prices: { cpu: "1", ram: "0.01", storage: "0.1", pods: "0" } }],
    secret_options: { k8s_token: k8s.token },
  });
}

const recipientsUrl = (f: OrderFixture) => `/api/marketplace-orders/sealing_recipients/?offering_uuid=${f.offering.uuid}&project_uuid=${f.project.uuid}`;
const sealedUrl = (uuid: string) => `/api/marketplace-orders/${uuid}/sealed_attributes/`;
/** Images of every deployment on the test cluster (each test uses its own image tag). */
const deploymentImages = () => k8s.objects("deployments").flatMap((d) => ((d["spec"] as Json)?.template?.spec?.containers ?? []).map((c: Json) => c.image));

test("client-sealed order attributes: provider and customer open them, the plugin reads them via the executor key, others get 404", async () => {
  const f = await fixture();
  const providerKey = await withKey(f.provider);
  const customerKey = await withKey(f.customerApi);
  const outsider = await userApi(host);
  const outsiderKey = await withKey(outsider);

  const dir = await f.customerApi.expect(200, f.customerApi.get(recipientsUrl(f)));
  assert.equal(dir.kind, "order-attributes");
  const holders = (dir.recipients as ListedRecipient[]).map((r) => r.holder).sort();
  assert.deepEqual(holders, [f.customerApi.uuid, "executor", f.provider.uuid].sort());
  assert.ok((dir.recipients as ListedRecipient[]).some((r) => r.key_id === hex(providerKey.keyId)));

  const SECRET = "VeOrderSecretZq81Lm3Tx";
  const image = "nginx:1.27";
  const attributes = { container: { image, replicas: 2 }, deployment_note: SECRET };
  const orderUuid = newUuid();
  const envelope = await sealJson(attributes, { kind: "order-attributes", recordId: orderUuid, version: 1 }, dir.recipients);
  const created = await f.customerApi.expect(
    201,
    f.customerApi.post("/api/marketplace-orders/", orderBody(f, { attributes: { name: "sealed-app" }, attributes_envelope: b64url(envelope), limits: LIMITS })),
  );
  assert.equal(created.uuid, orderUuid, "the order takes the uuid the envelope is bound to");
  assert.deepEqual(created.attributes, { name: "sealed-app" }, "only the public part is served");
  const done = await waitOrder(f.customerApi, created.uuid);
  assert.equal(done.state, "done", done.error_message);
  // The plugin path opened the envelope: the container from the sealed attributes runs.
  assert.ok(deploymentImages().includes(image), `deployment with ${image}: ${JSON.stringify(deploymentImages())}`);
  const res = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${created.marketplace_resource_uuid}/`));
  assert.deepEqual(res.attributes, { name: "sealed-app" });

  // The provider and the customer open it on the client; the bytes are what the client sealed.
  assert.deepEqual(await openAs(host, f.provider, providerKey, sealedUrl(orderUuid)), attributes);
  assert.deepEqual(await openAs(host, f.customerApi, customerKey, sealedUrl(orderUuid)), attributes);
  const e = await fetchEnvelope(host, f.provider, sealedUrl(orderUuid));
  assert.deepEqual(e.bytes, envelope);
  assert.deepEqual(e.context, { kind: "order-attributes", recordId: orderUuid, version: 1 });
  const wrong = await open(e.bytes, { key: outsiderKey, context: e.context });
  assert.ok(!wrong.ok && wrong.error.code === "not_a_recipient");
  // Plaintext attributes for a caller who presents a valid decryption (the opening proof, bound to the caller).
  const attrsUrl = `/api/marketplace-orders/${orderUuid}/attributes/`;
  const proofOf = async (key: typeof providerKey, who: string) => {
    const p = await openingProof(e.bytes, { key, context: e.context }, `${orderUuid}:${who}`);
    assert.ok(p.ok);
    return hex(p.value);
  };
  const withProof = (api: typeof f.provider, proof: string) => api.call("GET", attrsUrl, undefined, { "X-Envelope-Proof": proof });
  const providerProof = await proofOf(providerKey, f.provider.uuid);
  assert.deepEqual((await f.provider.expect(200, withProof(f.provider, providerProof))).attributes, { ...attributes, name: "sealed-app" });
  assert.deepEqual((await f.customerApi.expect(200, withProof(f.customerApi, await proofOf(customerKey, f.customerApi.uuid)))).attributes, { ...attributes, name: "sealed-app" });
  assert.equal((await f.provider.get(attrsUrl)).status, 403, "no proof");
  assert.equal((await withProof(f.provider, "0".repeat(64))).status, 403, "a made-up proof");
  assert.equal((await withProof(f.provider, "not-hex")).status, 403);
  assert.equal((await withProof(f.customerApi, providerProof)).status, 403, "a proof is bound to its caller");
  const notRecipient = await openingProof(e.bytes, { key: outsiderKey, context: e.context }, `${orderUuid}:${outsider.uuid}`);
  assert.ok(!notRecipient.ok && notRecipient.error.code === "not_a_recipient", "a non-recipient cannot make one");
  assert.equal((await withProof(outsider, providerProof)).status, 404);

  // Not recipients: 404, staff included.
  assert.equal((await fetchEnvelope(host, outsider, sealedUrl(orderUuid))).status, 404);
  assert.equal((await fetchEnvelope(host, await staffApi(host), sealedUrl(orderUuid))).status, 404);

  // D1 holds the reference only; R2 only ciphertext.
  const ref = (await host.db.prepare("SELECT * FROM sealed_blobs WHERE kind = 'order-attributes' AND record_id = ?").bind(orderUuid).first()) as Json;
  assert.equal(ref.size, envelope.length);
  assert.deepEqual(new Set(JSON.parse(ref.recipients).map((r: Json) => r.holder)), new Set(holders));
  const leaks = findPlaintext({ secret: SECRET, attributes: JSON.stringify(attributes) }, { "D1 table": await d1Dump(host), "R2 object": await r2Dump(host) });
  assert.deepEqual(leaks, []);
});

test("plaintext attributes from a Waldur client are sealed on arrival: only the public part is stored", async () => {
  const f = await fixture();
  const providerKey = await withKey(f.provider);
  const SECRET = "VeWaldurPlainSecretKp42Hd";
  const created = await f.customerApi.expect(
    201,
    f.customerApi.post(
      "/api/marketplace-orders/",
      orderBody(f, { attributes: { name: "plain-app", container: { image: "nginx:1.26", port: 80 }, admin_password: SECRET }, limits: LIMITS }),
    ),
  );
  assert.deepEqual(created.attributes, { name: "plain-app" });
  assert.equal((await waitOrder(f.customerApi, created.uuid)).state, "done");
  assert.ok(deploymentImages().includes("nginx:1.26"));
  const opened = await openAs(host, f.provider, providerKey, sealedUrl(created.uuid));
  assert.equal(opened.admin_password, SECRET);
  assert.equal(opened.name, "plain-app");
  // The customer has no key: not a recipient, so 404 (it registered none before ordering).
  assert.equal((await fetchEnvelope(host, f.customerApi, sealedUrl(created.uuid))).status, 404);
  assert.deepEqual(findPlaintext({ secret: SECRET }, { "D1 table": await d1Dump(host), "R2 object": await r2Dump(host) }), []);

  // Only public attributes: nothing to seal, no envelope.
  const bare = await f.customerApi.expect(201, f.customerApi.post("/api/marketplace-orders/", orderBody(f, { attributes: { name: "bare" }, limits: LIMITS })));
  assert.equal((await fetchEnvelope(host, f.provider, sealedUrl(bare.uuid))).status, 404);
  assert.deepEqual((await f.provider.expect(200, f.provider.get(`/api/marketplace-orders/${bare.uuid}/attributes/`))).attributes, { name: "bare" });
});

test("refused envelopes: 400 naming the field, nothing stored", async () => {
  const f = await fixture();
  await withKey(f.provider);
  await withKey(f.customerApi);
  const dir = await f.customerApi.expect(200, f.customerApi.get(recipientsUrl(f)));
  const all: ListedRecipient[] = dir.recipients;
  const post = (extra: Json) => f.customerApi.post("/api/marketplace-orders/", orderBody(f, { attributes: { name: "x" }, limits: LIMITS, ...extra }));
  const field = async (extra: Json, name: string, pattern: RegExp) => {
    const r = await post(extra);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(String((r.body as Json)[name]?.[0]), pattern, JSON.stringify(r.body));
  };
  const ctx = (over: Json = {}) => ({ kind: "order-attributes", recordId: newUuid(), version: 1, ...over });
  const attrs = { container: { image: "nginx" } };
  const before = await r2Keys(host, "order-attributes/");
  const rows = async () => ((await host.db.prepare("SELECT count(*) AS n FROM sealed_blobs WHERE kind = 'order-attributes'").first()) as Json).n;
  const rowsBefore = await rows();

  // Missing a reader (the provider), and missing the executor.
  await field({ attributes_envelope: b64url(await sealJson(attrs, ctx(), all.filter((r) => r.holder !== f.provider.uuid))) }, "attributes_envelope", /every reader/);
  await field({ attributes_envelope: b64url(await sealJson(attrs, ctx(), all.filter((r) => r.holder !== "executor"))) }, "attributes_envelope", /every reader/);
  // Wrong kind, version, record id.
  await field({ attributes_envelope: b64url(await sealJson(attrs, ctx({ kind: "resource-access" }), all)) }, "attributes_envelope", /kind/);
  await field({ attributes_envelope: b64url(await sealJson(attrs, ctx({ version: 2 }), all)) }, "attributes_envelope", /version 1/);
  await field({ attributes_envelope: b64url(await sealJson(attrs, ctx({ recordId: "not-a-uuid" }), all)) }, "attributes_envelope", /uuid/);
  // Sealed to a key nobody registered.
  const stranger = await generateKeyPair();
  const strayList = [...all, { public_key: b64url(stranger.publicKey), key_version: 1, key_id: hex(stranger.keyId), holder: "?" }];
  await field({ attributes_envelope: b64url(await sealJson(attrs, ctx(), strayList)) }, "attributes_envelope", /key directory/);
  // Not JSON attributes inside.
  await field({ attributes_envelope: b64url(await sealJson([1, 2], ctx(), all)) }, "attributes_envelope", /JSON object/);
  // Tampered: a recipient dropped from the header (count and entry) breaks the MAC.
  const good = await sealJson(attrs, ctx(), all);
  const h = parseHeader(good);
  assert.ok(h.ok);
  const flipped = good.slice();
  flipped[flipped.length - 1]! ^= 1;
  await field({ attributes_envelope: b64url(flipped) }, "attributes_envelope", /executor/);
  // Garbage and non-envelopes.
  await field({ attributes_envelope: "***" }, "attributes_envelope", /base64url/);
  await field({ attributes_envelope: b64url(new TextEncoder().encode("hello, not an envelope")) }, "attributes_envelope", /VEENV/);
  await field({ attributes_envelope: 12 }, "attributes_envelope", /string/);
  // Plaintext secrets beside an envelope.
  await field({ attributes: { name: "x", password: "p" }, attributes_envelope: b64url(good) }, "attributes", /only name/);
  // Nothing of the refused attempts is left.
  assert.deepEqual(await r2Keys(host, "order-attributes/"), before);
  assert.equal(await rows(), rowsBefore);

  // A valid envelope, then the same envelope again (another order cannot take it).
  const ok = await f.customerApi.expect(201, post({ attributes_envelope: b64url(good) }));
  assert.equal(ok.uuid, h.value.context.recordId);
  await field({ attributes_envelope: b64url(good) }, "attributes_envelope", /already used/);
  // An order the validation refuses after sealing leaves no envelope behind.
  const r = await f.customerApi.post("/api/marketplace-orders/", orderBody(f, { attributes_envelope: b64url(await sealJson(attrs, ctx(), all)), limits: { nope: 1 } }));
  assert.equal(r.status, 400);
  assert.equal((await r2Keys(host, "order-attributes/")).length, before.length + 1);

  // The directory: both filters required, and only for those who may order in the project.
  assert.equal((await f.customerApi.get("/api/marketplace-orders/sealing_recipients/?offering_uuid=" + f.offering.uuid)).status, 400);
  assert.equal((await f.customerApi.get(`/api/marketplace-orders/sealing_recipients/?offering_uuid=zz&project_uuid=${f.project.uuid}`)).status, 400);
  const outsider = await userApi(host);
  const denied = await outsider.get(recipientsUrl(f));
  assert.ok([400, 403].includes(denied.status), String(denied.status));
});
