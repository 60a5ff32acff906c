// After a full order flow (a namespace order through the API, the queue and the kubernetes plugin,
// an update and a termination), none of the sensitive values used in it is readable anywhere the
// platform keeps data: every row of every D1 table (the chain outbox's payloads included) and every
// R2 object is scanned for them, raw, base64 and base64url. The access details reach the member
// only through the envelope. A second flow adds sealed order attributes (client-sealed and
// Waldur plaintext, and a terminate's), provider credentials sealed on the provider's client, a
// support request with replies, edited and deleted, and account settings.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { WorkerHost } from "../../scripts/lib/worker-host.ts";
import { generateKeyPair, open } from "../../src/crypto/index.ts";
import { newUuid } from "../../src/http/ids.ts";
import { userApi } from "../helpers/api.ts";
import { orderFixture, placeOrder } from "../helpers/orders.ts";
import { KubernetesTestServer } from "../servers/kubernetes-test-server.ts";
import { b64url, d1Dump, findPlaintext, forms, openAs, r2Dump, sealJson, waitOrder, withKey } from "./helpers.ts";
import { NAMESPACE_COMPONENTS, useKubernetesWorker } from "../helpers/kubernetes-worker.ts";

const k8s = new KubernetesTestServer();
let host: WorkerHost;

/** Distinctive values: the CA written into the customer's kubeconfig, a provider credential. */
const CA_MARK = "VeSensitiveCaQz7Xk2Lp9Wm4Rt8Yb3";
const CA_PEM = `-----BEGIN CERTIFICATE-----\n${CA_MARK}\n-----END CERTIFICATE-----\n`;

useKubernetesWorker(k8s, (h) => {
  host = h;
}, { ca_cert: { $secret: "k8s_ca" } });

const COMPONENTS = NAMESPACE_COMPONENTS;

test("full order flow: no sensitive value is readable in any D1 table or R2 object", async () => {
  const f = await orderFixture(host, {
    type: "Kubernetes.Namespace",
    components: COMPONENTS,
    plans: [{ name: "NS", unit: "month", prices: { cpu: "1", ram: "0.01", storage: "0.1", pods: "0" } }],
    secret_options: { k8s_token: k8s.token, k8s_ca: CA_PEM },
  });
  const member = await userApi(host);
  await f.customerApi.expect(201, f.customerApi.post(`/api/projects/${f.project.uuid}/add_user/`, { user: member.uuid, role: "PROJECT.ADMIN" }));
  const key = await generateKeyPair();
  await member.expect(201, member.post("/api/encryption-keys/", { public_key: Buffer.from(key.publicKey).toString("base64url") }));

  const created = await placeOrder(f, { limits: { cpu: 2, ram: 2048, storage: 10, pods: 5 } });
  assert.equal((await waitOrder(f.customerApi, created.uuid)).state, "done");
  const uuid: string = created.marketplace_resource_uuid;
  const upd = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${uuid}/update_limits/`, { limits: { cpu: 3, ram: 2048, storage: 10, pods: 6 } }));
  assert.equal((await waitOrder(f.customerApi, upd.order_uuid)).state, "done");

  // The member reads the access details through the envelope...
  const res = await host.fetch(`/api/marketplace-resources/${uuid}/access_details/`, { headers: { Authorization: `Token ${member.token}` } });
  assert.equal(res.status, 200);
  const context = { kind: "resource-access", recordId: uuid, version: Number(res.headers.get("x-envelope-version")) };
  const opened = await open(new Uint8Array(await res.arrayBuffer()), { key, context });
  assert.ok(opened.ok, !opened.ok ? opened.error.code : "");
  const details = JSON.parse(new TextDecoder().decode(opened.value.plaintext)) as { kubeconfig: string };
  const saToken = /token: "?([^"\s]+)/.exec(details.kubeconfig)?.[1];
  assert.ok(saToken && saToken.length >= 16, "the kubeconfig carries the service account token");
  assert.ok(details.kubeconfig.includes(Buffer.from(CA_PEM).toString("base64")), "and the CA the provider configured");

  const term = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${uuid}/terminate/`, {}));
  assert.equal((await waitOrder(f.customerApi, term.order_uuid)).state, "done");

  // ...and nowhere else.
  const sensitive = { "service account token": saToken, "CA certificate": CA_MARK, "provider API token": k8s.token, kubeconfig: details.kubeconfig };
  const d1 = await d1Dump(host);
  const r2 = await r2Dump(host);
  assert.ok(d1.get("sealed_blobs")?.includes(uuid), "the scan sees the sealed reference");
  assert.ok([...r2.keys()].some((k) => k.startsWith(`access-details/${uuid}/`)), "the scan sees the envelope");
  // The scan does find plaintext where there is some (public fields: the order's resource name).
  assert.ok([...d1.values()].some((t) => t.includes("my-resource")), "control: a public value is found");
  const found: string[] = [];
  for (const [what, value] of Object.entries(sensitive)) {
    for (const form of forms(value)) {
      for (const [table, text] of d1) if (text.includes(form)) found.push(`${what} in D1 table ${table}`);
      for (const [k, text] of r2) if (text.includes(form)) found.push(`${what} in R2 object ${k}`);
    }
  }
  assert.deepEqual(found, [], `sensitive values stored readable: ${found.join("; ")}`);
});

test("every sealed flow: order attributes (client-sealed, Waldur plaintext, terminate's), provider credentials, support request and replies with edits and deletes, account settings — no sensitive value in D1 (chain outbox included) or R2", async () => {
  const f = await orderFixture(host, {
    type: "Kubernetes.Namespace",
    components: COMPONENTS,
    plans: [{ name: "NS", unit: "month", prices: { cpu: "1", ram: "0.01", storage: "0.1", pods: "0" } }],
    secret_options: { k8s_token: k8s.token, k8s_ca: CA_PEM },
  });
  const providerKey = await withKey(f.provider);
  const customerKey = await withKey(f.customerApi);
  const limits = { cpu: 2, ram: 2048, storage: 10, pods: 5 };
  const sensitive = {
    "client-sealed attribute": "VeScanSealedAttrTq84Nd",
    "plaintext attribute": "VeScanPlainAttrLk27Vb",
    "support summary": "VeScanSupportSummaryRx61",
    "support description": "VeScanSupportDescJm93Qe",
    "support reply": "VeScanSupportReplyWz15",
    "account setting": "VeScanSettingPhoneHc48",
    "provider API token": k8s.token,
    "CA certificate": CA_MARK,
    "terminate attribute": "VeScanTerminateNoteFv38",
    "edited support summary": "VeScanEditedSummaryJd50",
    "edited support description": "VeScanEditedDescNs72",
    "superseded support reply": "VeScanSupersededReplyKb13",
    "edited support reply": "VeScanEditedReplyUe84",
    "deleted support reply": "VeScanDeletedReplyWa26",
    "first draft of a reply": "VeScanFirstDraftReplyMm90",
  };

  // The provider's plugin credentials: sealed on arrival by the fixture (plaintext, to the owner and
  // the executor key it authorised), then replaced by an envelope sealed on the provider's client.
  // The orders below run with these, so the plugins open the client-sealed credentials.
  const secretsDir = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-offerings/${f.offering.uuid}/sealed_secret_options/recipients/`));
  assert.deepEqual(secretsDir.recipients.map((r: { holder: string }) => r.holder).sort(), ["executor", f.provider.uuid].sort());
  const secrets = await sealJson({ k8s_token: k8s.token, k8s_ca: CA_PEM }, { kind: "offering-secret-options", recordId: f.offering.uuid, version: 1 }, secretsDir.recipients);
  await f.provider.expect(200, f.provider.post(`/api/marketplace-provider-offerings/${f.offering.uuid}/update_integration/`, { secret_options_envelope: b64url(secrets) }));
  assert.equal((await openAs(host, f.provider, providerKey, `/api/marketplace-provider-offerings/${f.offering.uuid}/sealed_secret_options/`)).k8s_token, k8s.token);

  // Order attributes sealed on the client, and a Waldur client's plaintext attributes sealed on arrival.
  const dir = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-orders/sealing_recipients/?offering_uuid=${f.offering.uuid}&project_uuid=${f.project.uuid}`));
  const sealedUuid = newUuid();
  const attributes = { container: { image: "nginx:1.25" }, ssh_note: sensitive["client-sealed attribute"] };
  const envelope = await sealJson(attributes, { kind: "order-attributes", recordId: sealedUuid, version: 1 }, dir.recipients);
  const o1 = await placeOrder(f, { attributes: { name: "scan-sealed" }, attributes_envelope: b64url(envelope), limits });
  const o2 = await placeOrder(f, { attributes: { name: "scan-plain", db_password: sensitive["plaintext attribute"] }, limits });
  for (const o of [o1, o2]) assert.equal((await waitOrder(f.customerApi, o.uuid)).state, "done");
  assert.deepEqual(await openAs(host, f.provider, providerKey, `/api/marketplace-orders/${sealedUuid}/sealed_attributes/`), attributes);
  assert.equal((await openAs(host, f.provider, providerKey, `/api/marketplace-orders/${o2.uuid}/sealed_attributes/`)).db_password, sensitive["plaintext attribute"]);

  // A Waldur client's terminate with plaintext attributes, sealed and opened by the plugin path (the order finishes).
  const term = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${o2.marketplace_resource_uuid}/terminate/`, { attributes: { wipe_note: sensitive["terminate attribute"] } }));
  assert.equal((await waitOrder(f.customerApi, term.order_uuid)).state, "done");
  assert.equal((await openAs(host, f.provider, providerKey, `/api/marketplace-orders/${term.order_uuid}/sealed_attributes/`)).wipe_note, sensitive["terminate attribute"]);

  // A support request to the provider (plaintext, sealed on arrival) and a reply sealed on the provider's client.
  const issue = await f.customerApi.expect(
    201,
    f.customerApi.post("/api/support-issues/", { type: "INCIDENT", customer: f.customer.url, summary: sensitive["support summary"], description: sensitive["support description"] }),
  );
  const cdir = await f.provider.expect(200, f.provider.get(`/api/support-issues/${issue.uuid}/sealing_recipients/`));
  const replyUuid = newUuid();
  const reply = await sealJson({ description: sensitive["support reply"] }, { kind: "support-comment", recordId: replyUuid, version: 1 }, cdir.recipients);
  await f.provider.expect(201, f.provider.post(`/api/support-issues/${issue.uuid}/comment/`, { envelope: b64url(reply) }));
  assert.equal((await openAs(host, f.customerApi, customerKey, `/api/support-issues/${issue.uuid}/sealed/`)).summary, sensitive["support summary"]);
  assert.equal((await openAs(host, f.customerApi, customerKey, `/api/support-comments/${replyUuid}/sealed/`)).description, sensitive["support reply"]);

  // Edits and deletes: the issue re-sealed from plaintext, a reply edited twice, another deleted.
  await f.customerApi.expect(200, f.customerApi.put(`/api/support-issues/${issue.uuid}/`, { type: "INCIDENT", summary: sensitive["edited support summary"], description: sensitive["edited support description"] }));
  assert.equal((await openAs(host, f.provider, providerKey, `/api/support-issues/${issue.uuid}/sealed/`)).description, sensitive["edited support description"]);
  const edited = await f.customerApi.expect(201, f.customerApi.post(`/api/support-issues/${issue.uuid}/comment/`, { description: sensitive["first draft of a reply"] }));
  await f.customerApi.expect(200, f.customerApi.patch(`/api/support-comments/${edited.uuid}/`, { description: sensitive["superseded support reply"] }));
  await f.customerApi.expect(200, f.customerApi.put(`/api/support-comments/${edited.uuid}/`, { description: sensitive["edited support reply"] }));
  assert.equal((await openAs(host, f.provider, providerKey, `/api/support-comments/${edited.uuid}/sealed/`)).description, sensitive["edited support reply"]);
  const deleted = await f.customerApi.expect(201, f.customerApi.post(`/api/support-issues/${issue.uuid}/comment/`, { description: sensitive["deleted support reply"] }));
  assert.equal((await f.customerApi.delete(`/api/support-comments/${deleted.uuid}/`)).status, 204);

  // Account settings.
  const sdir = await f.customerApi.expect(200, f.customerApi.get(`/api/users/${f.customerApi.uuid}/sealed_settings/recipients/`));
  const settings = await sealJson({ recovery_phone: sensitive["account setting"] }, { kind: "user-settings", recordId: f.customerApi.uuid, version: 1 }, sdir.recipients);
  const put = await host.fetch(`/api/users/${f.customerApi.uuid}/sealed_settings/`, {
    method: "PUT",
    headers: { Authorization: `Token ${f.customerApi.token}`, "Content-Type": "application/octet-stream" },
    body: settings as Uint8Array<ArrayBuffer>,
  });
  assert.equal(put.status, 200);

  const d1 = await d1Dump(host);
  const r2 = await r2Dump(host);
  // The scan sees every place the flows wrote: the references, the envelopes, the chain outbox rows.
  const refs = d1.get("sealed_blobs") ?? "";
  for (const id of [sealedUuid, o2.uuid, term.order_uuid, issue.uuid, replyUuid, edited.uuid, f.customerApi.uuid]) assert.ok(refs.includes(id), `sealed_blobs references ${id}`);
  assert.ok(!refs.includes(deleted.uuid), "the deleted reply's reference is gone");
  assert.ok((d1.get("offerings") ?? "").includes(`v2.${b64url(secrets)}.`), "the scan sees the provider-sealed credentials");
  for (const prefix of ["order-attributes/", "support-issue/", "support-comment/", "user-settings/"]) assert.ok([...r2.keys()].some((k) => k.startsWith(prefix)), `R2 holds ${prefix}`);
  assert.ok(d1.has("chain_outbox"), "the chain outbox table is scanned");
  assert.ok([...d1.values()].some((t) => t.includes("scan-sealed")), "control: the public resource name is found");
  assert.deepEqual(findPlaintext(sensitive, { "D1 table": d1, "R2 object": r2 }), []);
  // Nor in any form a JSON encoder would give the values inside the sealed objects.
  assert.deepEqual(findPlaintext({ attributes: JSON.stringify(attributes) }, { "D1 table": d1, "R2 object": r2 }), []);
});
