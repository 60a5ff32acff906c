// The plugins use a provider's credentials only under its authorisation of the executor key: with
// it, a namespace order runs through the queue and the kubernetes plugin (which needs the sealed
// token); once the owner withdraws it the next order errs, naming the missing authorisation, and
// nothing reaches the backend; authorised again, orders run again.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { WorkerHost } from "../../scripts/lib/worker-host.ts";
import { orderFixture, placeOrder } from "../helpers/orders.ts";
import { KubernetesTestServer } from "../servers/kubernetes-test-server.ts";
import { waitOrder } from "./helpers.ts";
import { NAMESPACE_COMPONENTS, useKubernetesWorker } from "../helpers/kubernetes-worker.ts";

const k8s = new KubernetesTestServer();
let host: WorkerHost;

useKubernetesWorker(k8s, (h) => {
  host = h;
});

const COMPONENTS = NAMESPACE_COMPONENTS;
const LIMITS = { cpu: 1, ram: 512, storage: 1, pods: 1 };

test("withdrawing the executor key authorisation stops the plugins from using the provider's credentials", async () => {
  const f = await orderFixture(host, {
    type: "Kubernetes.Namespace",
    components: COMPONENTS,
    plans: [{ name: "NS", unit: "month", prices: { cpu: "1", ram: "0.01", storage: "0.1", pods: "0" } }],
    secret_options: { k8s_token: k8s.token },
  });
  const path = `/api/marketplace-service-providers/${f.serviceProvider.uuid}/executor_key/`;
  const first = await placeOrder(f, { limits: LIMITS });
  assert.equal((await waitOrder(f.customerApi, first.uuid)).state, "done");
  const namespaces = k8s.objects("namespaces").length;

  assert.equal((await f.provider.delete(path)).status, 204);
  const refused = await waitOrder(f.customerApi, (await placeOrder(f, { limits: LIMITS })).uuid);
  assert.equal(refused.state, "erred");
  assert.match(refused.error_message, /has not authorised the executor key [0-9a-f]{64} for its plugins/);
  assert.equal(k8s.objects("namespaces").length, namespaces, "nothing reached the backend");

  const k = await f.provider.expect(200, f.provider.get(path));
  await f.provider.expect(200, f.provider.post(path, { key_id: k.executor_key.key_id }));
  assert.equal((await waitOrder(f.customerApi, (await placeOrder(f, { limits: LIMITS })).uuid)).state, "done");
  assert.equal(k8s.objects("namespaces").length, namespaces + 1);
});
