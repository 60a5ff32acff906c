// Orders for an offering type that needs a plugin (OpenStack, Kubernetes) on a deployment where no
// plugin serves it: nothing executes them, so the provider moves them by hand, as for Basic
// offerings. Found by the README start QA: `npm start` configures no plugins, the demo's Cloud VM
// and Kubernetes orders went straight to executing and nobody could finish, err or terminate them
// while their chain lease kept charging the customer's escrow.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startWorkerHost } from "../../scripts/lib/worker-host.ts";
import { orderFixture, placeOrder } from "../helpers/orders.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();

test("no plugin for the type: the provider completes, errs and terminates its orders; the customer still may not", async () => {
  const f = await orderFixture(w.host, { type: "OpenStack.Instance" });
  const o = await placeOrder(f);
  assert.equal(o.state, "executing");
  const rid = o.marketplace_resource_uuid;

  // The customer is not the backend: still refused.
  assert.equal((await f.customerApi.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`)).status, 403);
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
  assert.equal((await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-orders/${o.uuid}/`))).state, "done");
  assert.equal((await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${rid}/`))).state, "OK");

  const t = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${rid}/terminate/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${t.order_uuid}/set_state_done/`));
  assert.equal((await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${rid}/`))).state, "Terminated");

  const o2 = await placeOrder(f, { attributes: { name: "second" } });
  const erred = await f.provider.post(`/api/marketplace-orders/${o2.uuid}/set_state_erred/`, { error_message: "no backend for this offering" });
  assert.equal(erred.status, 200, JSON.stringify(erred.body));
  const after = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-orders/${o2.uuid}/`));
  assert.equal(after.state, "erred");
  assert.equal(after.error_message, "no backend for this offering");
  // Waldur's rule for cancelling stays: only manual offering types.
  assert.equal((await f.customerApi.post(`/api/marketplace-orders/${(await placeOrder(f, { attributes: { name: "third" } })).uuid}/cancel/`)).status, 405);
});

test("with a plugin serving the type, the provider still may not move its orders by hand", async () => {
  const settings = { auth_type: "password", auth_url: "http://127.0.0.1:9/v3", username: "u", password: "p", project_name: "x", user_domain_name: "Default", project_domain_name: "Default" };
  const host = await startWorkerHost({ vars: { VE_PLUGINS: JSON.stringify({ plugins: [{ plugin: "openstack", offering_types: ["OpenStack.Instance"], settings }] }), VE_PLUGIN_MAX_ATTEMPTS: "1" } });
  try {
    const f = await orderFixture(host, { type: "OpenStack.Instance" });
    const o = await placeOrder(f);
    for (const action of ["set_state_done", "set_state_erred"]) {
      const r = await f.provider.post(`/api/marketplace-orders/${o.uuid}/${action}/`, {});
      assert.equal(r.status, 405, `${action}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body, { detail: "The order's offering with OpenStack.Instance type does not support this action" });
    }
  } finally {
    await host.dispose();
  }
});
