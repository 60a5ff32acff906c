// OpenStack instances through the whole path: POST /api/marketplace-orders/ → queue → plugin
// (inside workerd) → BUILD → ACTIVE polled by the queue → resource OK with its address sealed in
// R2 → terminate → Terminated; and a refused image erring the order with nova's own message.
// Keystone is real (infra/keystone/up.sh); nova/neutron/cinder/glance are the OpenStack TEST
// SERVER (test/servers/openstack-test-server.ts).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import type { Api, Json } from "../helpers/api.ts";
import { userApi } from "../helpers/api.ts";
import { createOffering, createProvider } from "../helpers/catalog.ts";
import { useKeystone } from "../helpers/keystone.ts";
import { OpenStackTestServer } from "../servers/openstack-test-server.ts";

const SERVICES_PORT = 18774;
const ks = useKeystone({ servicesUrl: `http://127.0.0.1:${SERVICES_PORT}` });
const os = new OpenStackTestServer({ port: SERVICES_PORT, buildDelayMs: 300, deleteDelayMs: 150, volumeDelayMs: 150 });
let host: WorkerHost;

before(async () => {
  await os.start();
  os.opts.keystoneUrl = ks.env.KEYSTONE_URL;
  const net = os.addNetwork(ks.env.OS_SERVICE_PROJECT_ID, "service-net").networkId;
  const settings = {
    auth_type: "password",
    auth_url: ks.env.KEYSTONE_URL,
    region: "RegionOne",
    username: "demo",
    password: { $secret: "os_password" },
    project_name: "service",
    external_network_id: os.externalNetworkId,
    default_network_ids: [net],
    wait_interval_ms: 50,
    wait_timeout_ms: 5000,
  };
  host = await startWorkerHost({
    vars: { VE_PLUGINS: JSON.stringify({ plugins: [{ plugin: "openstack", offering_types: ["OpenStack.Instance"], settings }] }) },
  });
});
after(async () => {
  await host?.dispose();
  await os.stop();
});

async function fixture(): Promise<{ customer: Api; offering: Json; project: Json; plan: Json }> {
  const f = await createProvider(host);
  const offering = await createOffering(f, {
    type: "OpenStack.Instance",
    components: [{ type: "cores", name: "Cores", measured_unit: "cores", billing_type: "fixed" }],
    plans: [{ name: "Small", unit: "month", prices: { cores: "1.00" } }],
    secret_options: { os_password: ks.env.OS_DEMO_PASSWORD },
  });
  const customer = await userApi(host);
  const org = await customer.expect(201, customer.post("/api/customers/", { name: `Org ${customer.username}` }));
  const project = await customer.expect(201, customer.post("/api/projects/", { name: "Cloud project", customer: org.url }));
  const plans = await customer.expect(200, customer.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
  return { customer, offering, project, plan: plans[0] };
}

const instance = (over: Json = {}) => ({
  name: "web-1",
  flavor: "m1.small",
  image: "cirros-0.6.2",
  ssh_public_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPx test@ve",
  security_groups: ["default"],
  floating_ip: true,
  data_volume_size: 1024,
  ...over,
});

async function waitOrder(api: Api, uuid: string): Promise<Json> {
  for (let i = 0; i < 240; i++) {
    const o = await api.expect(200, api.get(`/api/marketplace-orders/${uuid}/`));
    if (["done", "erred"].includes(o.state)) return o;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`order ${uuid} did not finish`);
}

test("instance order: queue → plugin → ACTIVE → resource OK; terminate removes server, volume and address", async () => {
  const f = await fixture();
  const api = f.customer;
  const created = await api.expect(
    201,
    api.post("/api/marketplace-orders/", {
      offering: `${host.url}/api/marketplace-public-offerings/${f.offering.uuid}/`,
      project: f.project.url,
      plan: f.plan.url,
      attributes: instance(),
    }),
  );
  assert.equal(created.state, "executing", "OpenStack orders skip provider review, as in Waldur");
  const done = await waitOrder(api, created.uuid);
  assert.equal(done.state, "done", done.error_message);
  const res = await api.expect(200, api.get(`/api/marketplace-resources/${created.marketplace_resource_uuid}/`));
  assert.equal(res.state, "OK");
  const server = os.servers.get(res.backend_id);
  assert.ok(server, "the resource's backend id is the nova server");
  assert.equal(server.status, "ACTIVE");
  assert.ok((server.tags as string[]).includes(`ve-order-${created.uuid}`));

  // The access details (the address) are sealed in R2, not in D1 and not in the resource.
  const ip = [...os.floatingips.values()].find((x) => x.description === `ve-resource-${res.uuid}`)?.floating_ip_address as string;
  assert.match(ip, /^203\.0\.113\./);
  // R2 keeps one envelope per resource, under access-details/<uuid>/<version> (src/marketplace/execution/outcome.ts).
  const stored = (await host.blobs.list({ prefix: `access-details/${res.uuid}/` })).objects;
  assert.equal(stored.length, 1, "one current envelope");
  const sealed = await (await host.blobs.get(stored[0]!.key))!.text();
  assert.ok(sealed.startsWith("VEENV"), "a VEENV envelope");
  assert.ok(!sealed.includes(ip), "R2 holds the access details sealed");

  const term = await api.expect(200, api.post(`/api/marketplace-resources/${res.uuid}/terminate/`, {}));
  assert.equal((await waitOrder(api, term.order_uuid)).state, "done");
  assert.equal((await api.expect(200, api.get(`/api/marketplace-resources/${res.uuid}/`))).state, "Terminated");
  assert.equal(os.servers.has(res.backend_id), false, "the server is gone");
  assert.equal([...os.volumes.values()].filter((x) => (x.metadata as Record<string, string>).ve_resource_uuid === res.uuid).length, 0);
  assert.equal([...os.floatingips.values()].filter((x) => x.description === `ve-resource-${res.uuid}`).length, 0);
});

test("a refused image errs the order with glance's message; the resource is Erred", async () => {
  const f = await fixture();
  const api = f.customer;
  const created = await api.expect(
    201,
    api.post("/api/marketplace-orders/", {
      offering: `${host.url}/api/marketplace-public-offerings/${f.offering.uuid}/`,
      project: f.project.url,
      plan: f.plan.url,
      attributes: instance({ image: "no-such-image", data_volume_size: 0 }),
    }),
  );
  const erred = await waitOrder(api, created.uuid);
  assert.equal(erred.state, "erred");
  assert.equal(erred.error_message, 'glance: image "no-such-image" does not exist');
  const res = await api.expect(200, api.get(`/api/marketplace-resources/${created.marketplace_resource_uuid}/`));
  assert.equal(res.state, "Erred");
});
