// Update and Terminate orders carry what a Waldur client sends with a resource action (terminate's
// `attributes`): sealed on arrival like a Create order's plaintext attributes, to the provider, the
// customer and the executor key, record id the order's uuid. D1 keeps only `old_limits` (written by
// the API from the resource's own limits); the executor key opens the full attributes; the order's
// readers open the envelope, others get 404; a refused action leaves no envelope behind.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hex, openingProof } from "../../src/crypto/index.ts";
import { type Json, staffApi, userApi } from "../helpers/api.ts";
import { orderFixture } from "../helpers/orders.ts";
import { useWorker } from "../helpers/worker.ts";
import { d1Dump, fetchEnvelope, findPlaintext, openAs, r2Dump, r2Keys, withKey } from "./helpers.ts";

const w = useWorker();
const COMPONENTS = ["cpu", "ram"].map((type) => ({ type, name: type, measured_unit: "units", billing_type: "limit", limit_period: "total", max_value: 100000 }));
const LIMITS = { cpu: 1, ram: 512 };

test("terminate's plaintext attributes are sealed like a Create order's; update_limits keeps only old_limits readable; the executor key opens them", async () => {
  // No plugin configured: the SLURM orders wait for the provider's agent, which moves them by hand.
  const f = await orderFixture(w.host, {
    type: "Marketplace.Slurm",
    components: COMPONENTS,
    plans: [{ name: "HPC", unit: "month", prices: { cpu: "1", ram: "0.01" } }],
  });
  const providerKey = await withKey(f.provider);
  const customerKey = await withKey(f.customerApi);
  const outsider = await userApi(w.host);
  await withKey(outsider);
  const staff = await staffApi(w.host);
  const created = await f.customerApi.expect(201, f.customerApi.post("/api/marketplace-orders/", {
    offering: `${w.host.url}/api/marketplace-public-offerings/${f.offering.uuid}/`,
    project: f.project.url,
    plan: f.plan.url,
    attributes: { name: "follow-up" },
    limits: LIMITS,
  }));
  if (created.state !== "executing") await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${created.uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${created.uuid}/set_state_done/`));
  const rid: string = created.marketplace_resource_uuid;

  // Update: the API's own old_limits stay readable, nothing is sealed.
  const upd = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${rid}/update_limits/`, { limits: { cpu: 2, ram: 512 } }));
  const updOrder = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-orders/${upd.order_uuid}/`));
  assert.deepEqual(updOrder.attributes, { old_limits: LIMITS });
  assert.equal((await fetchEnvelope(w.host, f.provider, `/api/marketplace-orders/${upd.order_uuid}/sealed_attributes/`)).status, 404);
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${upd.order_uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${upd.order_uuid}/set_state_done/`));

  // Terminate with a Waldur client's plaintext attributes.
  const SECRET = "VeTerminateNoteDp52Hx";
  // A VirtEngine bridge marks its remote Terminate with its own order uuid: an identifier, kept readable.
  const mark = "0123456789abcdef0123456789abcdef";
  const attributes = { action: "force_destroy", wipe_passphrase: SECRET, virtengine_order_uuid: mark };
  const before = (await r2Keys(w.host, "order-attributes/")).length;
  // Attributes that are not an object are refused, naming the field, before anything is sealed.
  const bad = await f.customerApi.post(`/api/marketplace-resources/${rid}/terminate/`, { attributes: "not an object" });
  assert.equal(bad.status, 400);
  assert.ok((bad.body as Json).attributes);
  assert.equal((await r2Keys(w.host, "order-attributes/")).length, before);
  const term = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${rid}/terminate/`, { attributes }));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${term.order_uuid}/approve_by_provider/`, {}));
  const order = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-orders/${term.order_uuid}/`));
  assert.deepEqual(order.attributes, { virtengine_order_uuid: mark }, "D1 keeps only the mark");
  assert.equal((await r2Keys(w.host, `order-attributes/${term.order_uuid}/`)).length, 1);
  assert.equal((await r2Keys(w.host, "order-attributes/")).length, before + 1);
  const path = `/api/marketplace-orders/${term.order_uuid}/sealed_attributes/`;
  assert.deepEqual(await openAs(w.host, f.provider, providerKey, path), attributes);
  assert.deepEqual(await openAs(w.host, f.customerApi, customerKey, path), attributes);
  assert.equal((await fetchEnvelope(w.host, outsider, path)).status, 404);
  assert.equal((await fetchEnvelope(w.host, staff, path)).status, 404, "staff who are not recipients get 404 too");
  // Without a valid decryption the plaintext endpoint refuses.
  assert.equal((await f.customerApi.get(`/api/marketplace-orders/${term.order_uuid}/attributes/`)).status, 403);

  // The executor key opens them inside the Worker (the plugin path's opening, here behind a caller's
  // opening proof); the queue's run of a Terminate with sealed attributes is in plaintext-scan.test.ts.
  const e = await fetchEnvelope(w.host, f.customerApi, path);
  const proof = await openingProof(e.bytes, { key: customerKey, context: e.context }, `${term.order_uuid}:${f.customerApi.uuid}`);
  assert.ok(proof.ok);
  const opened = await f.customerApi.expect(200, f.customerApi.call("GET", `/api/marketplace-orders/${term.order_uuid}/attributes/`, undefined, { "X-Envelope-Proof": hex(proof.value) }));
  assert.deepEqual(opened.attributes, attributes);

  // Refused actions (the resource is Terminating; an outsider) seal nothing.
  const again = await f.customerApi.post(`/api/marketplace-resources/${rid}/terminate/`, { attributes: { wipe_passphrase: "VeRefusedTerminate" } });
  assert.equal(again.status, 409, JSON.stringify(again.body));
  assert.equal((await outsider.post(`/api/marketplace-resources/${rid}/terminate/`, { attributes: { wipe_passphrase: "VeRefusedTerminate" } })).status, 404);
  assert.equal((await r2Keys(w.host, "order-attributes/")).length, before + 1);

  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${term.order_uuid}/set_state_done/`));
  assert.deepEqual(findPlaintext({ secret: SECRET, refused: "VeRefusedTerminate" }, { "D1 table": await d1Dump(w.host), "R2 object": await r2Dump(w.host) }), []);
});
