// A namespace offering through the whole path: POST /api/marketplace-orders/ → queue → the
// kubernetes plugin (inside workerd) → namespace with quota and a scoped service account → resource
// OK with the kubeconfig sealed in R2 → update limits → terminate → namespace gone. No API server
// can run here: the Kubernetes TEST SERVER (test/servers/kubernetes-test-server.ts) answers.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { WorkerHost } from "../../scripts/lib/worker-host.ts";
import { type Api, type Json, userApi } from "../helpers/api.ts";
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

test("namespace order: queue → plugin → OK with a quota; update limits; terminate removes the namespace", async () => {
  const f = await createProvider(host);
  const offering = await createOffering(f, {
    type: "Kubernetes.Namespace",
    components: COMPONENTS,
    plans: [{ name: "NS", unit: "month", prices: { cpu: "1", ram: "0.01", storage: "0.1", pods: "0" } }],
    secret_options: { k8s_token: k8s.token },
  });
  const customer = await userApi(host);
  const org = await customer.expect(201, customer.post("/api/customers/", { name: `Org ${customer.username}` }));
  const project = await customer.expect(201, customer.post("/api/projects/", { name: "Apps", customer: org.url }));
  const plans = await customer.expect(200, customer.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
  const created = await customer.expect(
    201,
    customer.post("/api/marketplace-orders/", {
      offering: `${host.url}/api/marketplace-public-offerings/${offering.uuid}/`,
      project: project.url,
      plan: plans[0].url,
      attributes: { name: "apps" },
      limits: { cpu: 2, ram: 2048, storage: 10, pods: 5 },
    }),
  );
  const done = await waitOrder(customer, created.uuid);
  assert.equal(done.state, "done", done.error_message);
  const res = await customer.expect(200, customer.get(`/api/marketplace-resources/${created.marketplace_resource_uuid}/`));
  assert.equal(res.state, "OK");
  const ns: string = res.backend_id;
  assert.ok(k8s.object("namespaces", undefined, ns), `namespace ${ns} exists`);
  const quota = k8s.objects("resourcequotas", ns)[0]!["spec"] as { hard: Record<string, string> };
  assert.equal(quota.hard["pods"], "5");

  // The kubeconfig (a bearer token) is sealed in R2; nothing of it in the resource.
  // R2 keeps one envelope per resource, under access-details/<uuid>/<version> (src/marketplace/execution/outcome.ts).
  const stored = (await host.blobs.list({ prefix: `access-details/${res.uuid}/` })).objects;
  assert.equal(stored.length, 1, "one current envelope");
  const sealed = await (await host.blobs.get(stored[0]!.key))!.text();
  assert.ok(sealed.startsWith("VEENV"), "a VEENV envelope");
  assert.ok(!sealed.includes("apiVersion") && !sealed.includes(k8s.url), "R2 holds the kubeconfig sealed");
  assert.ok(!JSON.stringify(res).includes("token"), "the resource does not carry the token");

  const upd = await customer.expect(200, customer.post(`/api/marketplace-resources/${res.uuid}/update_limits/`, { limits: { cpu: 4, ram: 4096, storage: 10, pods: 10 } }));
  assert.equal((await waitOrder(customer, upd.order_uuid)).state, "done");
  assert.equal((k8s.objects("resourcequotas", ns)[0]!["spec"] as { hard: Record<string, string> }).hard["pods"], "10");

  // Pause from the provider side reaches the backend through the queue: the pod quota closes.
  const pods = () => (k8s.objects("resourcequotas", ns)[0]!["spec"] as { hard: Record<string, string> }).hard["pods"];
  const waitFor = async (cond: () => boolean, what: string) => {
    for (let i = 0; i < 80 && !cond(); i++) await new Promise((r) => setTimeout(r, 250));
    assert.ok(cond(), what);
  };
  await f.provider.expect(200, f.provider.post(`/api/marketplace-provider-resources/${res.uuid}/set_paused/`, { paused: true }));
  await waitFor(() => pods() === "0", "paused: the namespace takes no new pods");
  const paused = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-resources/${res.uuid}/`));
  assert.equal(paused.backend_metadata.paused, true);
  assert.equal(paused.backend_metadata.pause_error, "");
  await f.provider.expect(200, f.provider.post(`/api/marketplace-provider-resources/${res.uuid}/set_paused/`, { paused: false }));
  await waitFor(() => pods() === "10", "unpaused: the pod quota is back");

  const term = await customer.expect(200, customer.post(`/api/marketplace-resources/${res.uuid}/terminate/`, {}));
  assert.equal((await waitOrder(customer, term.order_uuid)).state, "done");
  assert.equal((await customer.expect(200, customer.get(`/api/marketplace-resources/${res.uuid}/`))).state, "Terminated");
  assert.equal(k8s.object("namespaces", undefined, ns), undefined, "the namespace is gone");
});
