// The OpenStack plugin against the REAL Keystone (infra/keystone/up.sh) and the OpenStack TEST
// SERVER for nova/neutron/cinder/glance (test/servers/openstack-test-server.ts), whose endpoints
// Keystone's catalog lists. The plugin runs inside workerd (Miniflare), fetch via ctx.fetch only.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import * as v from "valibot";
import { ROOT } from "../../scripts/lib/worker-host.ts";
import { openstackPlugin } from "../../src/plugins/openstack/index.ts";
import { checkPluginConfig, registerPlugin } from "../../src/plugins/registry.ts";
import type { OrderRequest, PluginResult, PollResult, Provisioned, ResourceRef } from "../../src/plugins/types.ts";
import { useKeystone } from "../helpers/keystone.ts";
import { OpenStackTestServer } from "../servers/openstack-test-server.ts";

const SERVICES_PORT = 18774;
const ks = useKeystone({ servicesUrl: `http://127.0.0.1:${SERVICES_PORT}` });
const os = new OpenStackTestServer({ port: SERVICES_PORT, buildDelayMs: 300, deleteDelayMs: 150, volumeDelayMs: 150 });
let mf: Miniflare;
let serviceNet: string;

// A tiny Worker around the plugin: the test posts {op, settings, …}, the Worker parses the
// settings with the plugin's schema (defaults applied, as the consumer does) and calls it.
const HARNESS = `
import * as v from "valibot";
import { openstackPlugin as p } from ${JSON.stringify(path.join(ROOT, "src/plugins/openstack/index.ts"))};
export default {
  async fetch(req) {
    const { op, settings, order, resource } = await req.json();
    const s = v.parse(p.settingsSchema, settings);
    const ctx = { fetch: (i, init) => fetch(i, init), now: () => new Date() };
    let r;
    if (op === "create") r = await p.create(ctx, s, order);
    else if (op === "updateLimits") r = await p.updateLimits(ctx, s, order);
    else if (op === "terminate") r = await p.terminate(ctx, s, order);
    else if (op === "poll") r = await p.poll(ctx, s, resource);
    else if (op === "pause" || op === "unpause") r = await p.pause(ctx, s, resource, op === "pause");
    else if (op === "collectUsage") r = await p.collectUsage(ctx, s, resource, new Date());
    return Response.json(r ?? null);
  },
};`;

before(async () => {
  await os.start();
  os.opts.keystoneUrl = ks.env.KEYSTONE_URL;
  serviceNet = os.addNetwork(ks.env.OS_SERVICE_PROJECT_ID, "service-net").networkId;
  const out = await build({
    stdin: { contents: HARNESS, resolveDir: ROOT, loader: "js" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    write: false,
  });
  mf = new Miniflare({ modules: true, script: out.outputFiles[0]!.text, compatibilityDate: "2025-09-01" });
  await mf.ready;
});
after(async () => {
  await mf?.dispose();
  await os.stop();
});

type Settings = Record<string, unknown>;
async function call<T>(op: string, settings: Settings, arg: { order?: OrderRequest; resource?: ResourceRef }): Promise<PluginResult<T>> {
  const res = await mf.dispatchFetch("http://plugin/", { method: "POST", body: JSON.stringify({ op, settings, ...arg }) });
  return (await res.json()) as PluginResult<T>;
}
const base = () => ({
  auth_url: ks.env.KEYSTONE_URL,
  region: "RegionOne",
  external_network_id: os.externalNetworkId,
  wait_interval_ms: 50,
  wait_timeout_ms: 5000,
});
const adminPw = (): Settings => ({ ...base(), auth_type: "password", username: "admin", password: ks.env.OS_ADMIN_PASSWORD, project_name: "admin" });
const adminApp = (): Settings => ({ ...base(), auth_type: "application_credential", application_credential_id: ks.env.OS_ADMIN_APP_CRED_ID, application_credential_secret: ks.env.OS_ADMIN_APP_CRED_SECRET });
const demoPw = (): Settings => ({ ...base(), auth_type: "password", username: "demo", password: ks.env.OS_DEMO_PASSWORD, project_name: "service", default_network_ids: [serviceNet] });
const demoApp = (): Settings => ({ ...base(), auth_type: "application_credential", application_credential_id: ks.env.OS_DEMO_APP_CRED_ID, application_credential_secret: ks.env.OS_DEMO_APP_CRED_SECRET, default_network_ids: [serviceNet] });

const hex = () => randomUUID().replace(/-/g, "");
function resource(over: Partial<ResourceRef> = {}): ResourceRef {
  const uuid = hex();
  return { uuid, name: `res ${uuid.slice(0, 4)}`, slug: `res-${uuid.slice(0, 4)}`, projectUuid: hex(), projectSlug: "proj", customerUuid: hex(), customerSlug: "cust", backendId: null, limits: {}, attributes: {}, backendMetadata: {}, ...over };
}
function order(type: OrderRequest["type"], r: ResourceRef, attributes: Record<string, unknown>, limits: Record<string, number> = {}): OrderRequest {
  return { orderUuid: hex(), type, attributes, limits, planUuid: null, resource: { ...r, attributes: { ...r.attributes, ...attributes } }, components: [], team: [] };
}
function okv<T>(r: PluginResult<T>): T {
  if (!r.ok) assert.fail(`plugin failed: ${r.error.message} (transient=${r.error.transient})`);
  return r.value;
}
function err<T>(r: PluginResult<T>) {
  assert.equal(r.ok, false, "expected a failure");
  return (r as { ok: false; error: { message: string; transient: boolean } }).error;
}
/** The consumer's view of the resource after create/update: backend id and metadata stored. */
const stored = (r: ResourceRef, p: Provisioned, attrs: Record<string, unknown> = r.attributes): ResourceRef => ({ ...r, attributes: attrs, backendId: p.backendId, backendMetadata: p.metadata });
async function pollUntilSettled(s: Settings, r: ResourceRef): Promise<PollResult> {
  for (let i = 0; i < 100; i++) {
    const p = okv(await call<PollResult>("poll", s, { resource: r }));
    if (p.state !== "Creating") return p;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("still Creating");
}
const count = (method: string, re: RegExp) => os.calls.filter((c) => c.method === method && re.test(c.path)).length;

describe("Keystone v3 auth against the real Keystone", () => {
  test("password and application credential both authenticate; the catalog leads to the services", async () => {
    for (const s of [demoPw(), demoApp()]) {
      const r = resource();
      const created = okv(await call<Provisioned>("create", s, { order: order("Create", r, { offering_type: "OpenStack.Volume", size: 1024 }) }));
      assert.equal(created.state, "Creating");
      const vol = os.volumes.get(created.backendId)!;
      // cinder's catalog URL carries $(project_id)s, which Keystone filled with the token's project
      assert.equal(vol.project_id, ks.env.OS_SERVICE_PROJECT_ID);
      okv(await call("terminate", s, { order: order("Terminate", stored(r, created), {}) }));
    }
  });

  test("a token is cached: consecutive calls reuse it", async () => {
    const before = os.calls.length;
    const r = resource();
    okv(await call("poll", demoPw(), { resource: { ...r, attributes: { offering_type: "OpenStack.Volume" } } }));
    okv(await call("poll", demoPw(), { resource: { ...r, attributes: { offering_type: "OpenStack.Volume" } } }));
    const tokens = new Set(os.calls.slice(before).map((c) => c.headers["x-auth-token"]));
    assert.equal(tokens.size, 1);
  });

  test("a wrong password is a permanent error with Keystone's message", async () => {
    const e = err(await call("create", { ...demoPw(), password: "wrong" }, { order: order("Create", resource(), { offering_type: "OpenStack.Volume", size: 1024 }) }));
    assert.equal(e.transient, false);
    assert.match(e.message, /keystone: authenticate: The request you have made requires authentication/);
  });

  test("a wrong application credential secret is permanent too", async () => {
    const e = err(await call("create", { ...demoApp(), application_credential_secret: "nope" }, { order: order("Create", resource(), { offering_type: "OpenStack.Volume", size: 1024 }) }));
    assert.equal(e.transient, false);
    assert.match(e.message, /keystone: authenticate/);
  });

  test("the region picks the endpoint: RegionTwo's are down (transient), an unknown region has none (permanent)", async () => {
    const r = { ...resource(), attributes: { offering_type: "OpenStack.Volume" } };
    const down = err(await call("poll", { ...demoPw(), region: "RegionTwo" }, { resource: r }));
    assert.equal(down.transient, true);
    const none = err(await call("poll", { ...demoPw(), region: "Nowhere" }, { resource: r }));
    assert.equal(none.transient, false);
    assert.match(none.message, /no public volume endpoint in region Nowhere/);
  });
});

describe("OpenStack.Volume", () => {
  test("create → poll → extend → usage → terminate", async () => {
    const s = demoApp();
    let r = resource({ attributes: { offering_type: "OpenStack.Volume" } });
    const created = okv(await call<Provisioned>("create", s, { order: order("Create", r, { size: 2048 }) }));
    r = stored(r, created, { offering_type: "OpenStack.Volume", size: 2048 });
    assert.equal((await pollUntilSettled(s, r)).state, "OK");
    assert.equal(os.volumes.get(created.backendId)!.size, 2);
    // cinder calls carry the volume microversion
    assert.ok(os.calls.some((c) => c.service === "volume" && c.headers["openstack-api-version"] === "volume 3.59"));

    const up = okv(await call<Provisioned>("updateLimits", s, { order: order("Update", r, {}, { storage: 3 * 1024 }) }));
    assert.equal(up.limits?.storage, 3072);
    const polled = await pollUntilSettled(s, r);
    assert.equal(polled.metadata.size_gib, 3);
    assert.deepEqual(okv(await call("collectUsage", s, { resource: r })), { storage: "3072" });
    const shrink = err(await call("updateLimits", s, { order: order("Update", r, {}, { storage: 1024 }) }));
    assert.match(shrink.message, /cannot shrink/);

    okv(await call("terminate", s, { order: order("Terminate", r, {}) }));
    assert.equal(os.volumes.has(created.backendId), false);
    assert.equal((await pollUntilSettled(s, r)).state, "Terminated");
    // terminating again: already gone is success
    okv(await call("terminate", s, { order: order("Terminate", r, {}) }));
  });

  test("over the gigabytes quota: permanent, cinder's message kept", async () => {
    os.setQuota("volume", ks.env.OS_SERVICE_PROJECT_ID, { gigabytes: 5 });
    try {
      const e = err(await call("create", demoPw(), { order: order("Create", resource(), { offering_type: "OpenStack.Volume", size: 10 * 1024 }) }));
      assert.equal(e.transient, false);
      assert.match(e.message, /cinder: POST \/volumes: VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota\. Requested 10G, quota is 5G/);
    } finally {
      os.setQuota("volume", ks.env.OS_SERVICE_PROJECT_ID, { gigabytes: 1000 });
    }
  });
});

describe("OpenStack.Instance", () => {
  const attrs = (over: Record<string, unknown> = {}) => ({
    offering_type: "OpenStack.Instance",
    flavor: "m1.small",
    image: "cirros-0.6.2",
    ssh_public_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPx test@ve",
    security_groups: ["default"],
    floating_ip: true,
    data_volume_size: 1024,
    ...over,
  });

  test("create → BUILD → ACTIVE with floating IP and data volume → grow volume → terminate cleanly", async () => {
    const s = demoPw();
    let r = resource();
    const o = order("Create", r, attrs({ flavor: "m1.xlarge" })); // on the 3rd page of flavors (max_limit 2)
    const created = okv(await call<Provisioned>("create", s, { order: o }));
    assert.equal(created.state, "Creating");
    r = stored(r, created, o.attributes);
    const srv = os.servers.get(created.backendId)!;
    assert.equal(srv.status, "BUILD");
    assert.ok((srv.tags as string[]).includes(`ve-order-${o.orderUuid}`));
    assert.ok(count("GET", /flavors\/detail\?.*marker=/) >= 2, "followed flavors_links");
    const post = os.calls.find((c) => c.method === "POST" && c.path === "/compute/v2.1/servers")!;
    assert.equal(post.headers["openstack-api-version"], "compute 2.79");
    assert.equal(post.headers["x-openstack-nova-api-version"], "2.79");

    const first = okv(await call<PollResult>("poll", s, { resource: r }));
    assert.equal(first.state, "Creating");
    const done = await pollUntilSettled(s, r);
    assert.equal(done.state, "OK");
    const ip = (done.metadata.external_ips as string[])[0]!;
    assert.match(ip, /^203\.0\.113\./);
    assert.equal(done.accessDetails?.ip, ip);
    const vol = [...os.volumes.values()].find((x) => (x.metadata as Record<string, string>).ve_resource_uuid === r.uuid)!;
    assert.equal(vol.status, "in-use");
    // polling again neither allocates a second floating IP nor changes the address
    assert.equal(((await pollUntilSettled(s, r)).metadata.external_ips as string[])[0], ip);
    assert.equal([...os.floatingips.values()].filter((f) => f.description === `ve-resource-${r.uuid}`).length, 1);

    // pause = os-stop (SHUTOFF), unpause = os-start; twice is harmless
    okv(await call("pause", s, { resource: r }));
    await new Promise((res) => setTimeout(res, 250));
    assert.equal(os.servers.get(created.backendId)!.status, "SHUTOFF");
    okv(await call("pause", s, { resource: r }));
    okv(await call("unpause", s, { resource: r }));
    await new Promise((res) => setTimeout(res, 250));
    assert.equal(os.servers.get(created.backendId)!.status, "ACTIVE");

    // growing the attached data volume (cinder ≥ 3.42 for in-use)
    okv(await call("updateLimits", s, { order: order("Update", r, {}, { storage: 2048 }) }));
    await new Promise((res) => setTimeout(res, 250));
    assert.equal(os.volumes.get(String(vol.id))!.size, 2);
    assert.deepEqual(okv(await call("collectUsage", s, { resource: r })), { cores: "8", ram: "16384", storage: "2048" });

    okv(await call("terminate", s, { order: order("Terminate", r, {}) }));
    assert.equal(os.servers.has(created.backendId), false);
    assert.equal(os.volumes.has(String(vol.id)), false);
    assert.equal([...os.floatingips.values()].filter((f) => f.description === `ve-resource-${r.uuid}`).length, 0);
    assert.equal([...os.keypairs.keys()].filter((k) => k.endsWith(`/ve-${r.uuid}`)).length, 0);
    assert.equal((await pollUntilSettled(s, r)).state, "Terminated");
  });

  test("a consumer crash mid-provision: the re-run reuses the volume and the server, nothing duplicated", async () => {
    const s = demoApp();
    const r = resource();
    const o = order("Create", r, attrs({ floating_ip: false }));
    os.failOn("POST", /^\/compute\/v2\.1\/servers$/, 1, 503); // dies after the data volume exists
    const crashed = err(await call("create", s, { order: o }));
    assert.equal(crashed.transient, true);
    const volsAfterCrash = [...os.volumes.values()].filter((x) => (x.metadata as Record<string, string>).ve_order_uuid === o.orderUuid);
    assert.equal(volsAfterCrash.length, 1);

    const postsBefore = count("POST", /^\/compute\/v2\.1\/servers$/);
    const a = okv(await call<Provisioned>("create", s, { order: o }));
    const b = okv(await call<Provisioned>("create", s, { order: o })); // and once more, e.g. redelivered message
    assert.equal(a.backendId, b.backendId);
    assert.equal(count("POST", /^\/compute\/v2\.1\/servers$/) - postsBefore, 1, "exactly one more POST /servers after the 503");
    assert.equal([...os.servers.values()].filter((x) => (x.tags as string[]).includes(`ve-order-${o.orderUuid}`)).length, 1);
    assert.equal([...os.volumes.values()].filter((x) => (x.metadata as Record<string, string>).ve_order_uuid === o.orderUuid).length, 1);
    const rr = stored(r, a, o.attributes);
    assert.equal((await pollUntilSettled(s, rr)).state, "OK");
    okv(await call("terminate", s, { order: order("Terminate", rr, {}) }));
  });

  test("a broken image: poll reports Erred with nova's fault; terminate still cleans up", async () => {
    const s = demoPw();
    let r = resource();
    const o = order("Create", r, attrs({ image: "broken-image", floating_ip: false }));
    r = stored(r, okv(await call<Provisioned>("create", s, { order: o })), o.attributes);
    const p = await pollUntilSettled(s, r);
    assert.equal(p.state, "Erred");
    assert.match(p.errorMessage ?? "", /Image .* is unacceptable: corrupt image/);
    okv(await call("terminate", s, { order: order("Terminate", r, {}) }));
    assert.equal(os.servers.has(r.backendId!), false);
    assert.equal([...os.volumes.values()].filter((x) => (x.metadata as Record<string, string>).ve_resource_uuid === r.uuid).length, 0);
  });

  test("refusals are permanent with the backend's message: unknown or inactive image, cores quota", async () => {
    const s = demoPw();
    const missing = err(await call("create", s, { order: order("Create", resource(), attrs({ image: "no-such-image", data_volume_size: 0 })) }));
    assert.deepEqual([missing.transient, missing.message], [false, 'glance: image "no-such-image" does not exist']);
    const queued = err(await call("create", s, { order: order("Create", resource(), attrs({ image: os.imageId("queued-image"), data_volume_size: 0 })) }));
    assert.match(queued.message, /is queued, not active/);
    os.setQuota("compute", ks.env.OS_SERVICE_PROJECT_ID, { cores: 0 });
    try {
      const q = err(await call("create", s, { order: order("Create", resource(), attrs({ data_volume_size: 0 })) }));
      assert.equal(q.transient, false);
      assert.match(q.message, /^nova: POST \/servers: Quota exceeded for cores: Requested 1, but already used 0 of 0 cores$/);
    } finally {
      os.setQuota("compute", ks.env.OS_SERVICE_PROJECT_ID, { cores: 20 });
    }
  });

  test("no floating IP left in the neutron quota: poll fails permanently with neutron's OverQuota", async () => {
    const s = demoPw();
    let r = resource();
    const o = order("Create", r, attrs({ data_volume_size: 0 }));
    r = stored(r, okv(await call<Provisioned>("create", s, { order: o })), o.attributes);
    os.setQuota("network", ks.env.OS_SERVICE_PROJECT_ID, { floatingip: 0 });
    try {
      let e: { message: string; transient: boolean } | undefined;
      for (let i = 0; i < 50 && !e; i++) {
        const p = await call<PollResult>("poll", s, { resource: r });
        if (!p.ok) e = p.error;
        else await new Promise((res) => setTimeout(res, 100));
      }
      assert.deepEqual(e, { transient: false, message: "neutron: POST /v2.0/floatingips: OverQuota: Quota exceeded for resources: ['floatingip']." });
    } finally {
      os.setQuota("network", ks.env.OS_SERVICE_PROJECT_ID, { floatingip: 50 });
    }
    okv(await call("terminate", s, { order: order("Terminate", r, {}) }));
  });

  test("an unsupported microversion: nova's 406 is permanent", async () => {
    const e = err(await call("create", { ...demoPw(), compute_microversion: "2.99" }, { order: order("Create", resource(), attrs({ data_volume_size: 0 })) }));
    assert.equal(e.transient, false);
    assert.match(e.message, /Version 2\.99 is not supported by the API\. Minimum is 2\.1 and maximum is 2\.93\./);
  });

  test("backend down: 503s and refused connections are transient; the retry then succeeds", async () => {
    const s = demoPw();
    const r = resource();
    const o = order("Create", r, attrs({ floating_ip: false, data_volume_size: 0 }));
    os.failNext("compute", 1, 503);
    const e503 = err(await call("create", s, { order: o }));
    assert.equal(e503.transient, true);
    assert.match(e503.message, /nova: GET \/servers\/detail: 503 Service Unavailable No server is available/);
    await os.stop();
    try {
      const refused = err(await call("create", s, { order: o }));
      assert.equal(refused.transient, true);
      assert.match(refused.message, /backend unreachable/);
    } finally {
      await os.start();
    }
    const p = okv(await call<Provisioned>("create", s, { order: o }));
    okv(await call("terminate", s, { order: order("Terminate", stored(r, p, o.attributes), {}) }));
  });

  test("terminating a half-created instance: still BUILDing, or never stored (no backend id)", async () => {
    const s = demoPw();
    const r = resource();
    const o = order("Create", r, attrs({ floating_ip: false }));
    const p = okv(await call<Provisioned>("create", s, { order: o }));
    assert.equal(os.servers.get(p.backendId)!.status, "BUILD");
    // the consumer died before storing the backend id: terminate finds it by the resource tag
    okv(await call("terminate", s, { order: order("Terminate", { ...r, attributes: o.attributes }, {}) }));
    assert.equal(os.servers.has(p.backendId), false);
    assert.equal([...os.volumes.values()].filter((x) => (x.metadata as Record<string, string>).ve_resource_uuid === r.uuid).length, 0);
    // nothing there at all: success as well
    okv(await call("terminate", s, { order: order("Terminate", { ...resource(), attributes: o.attributes }, {}) }));
  });
});

describe("OpenStack.Tenant (admin credentials)", () => {
  async function keystoneAdminToken(): Promise<string> {
    const res = await fetch(`${ks.env.KEYSTONE_URL}/auth/tokens`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ auth: { identity: { methods: ["password"], password: { user: { name: "admin", domain: { id: "default" }, password: ks.env.OS_ADMIN_PASSWORD } } }, scope: { project: { name: "admin", domain: { id: "default" } } } } }),
    });
    assert.equal(res.status, 201);
    await res.body?.cancel();
    return res.headers.get("X-Subject-Token")!;
  }
  async function keystoneProject(id: string): Promise<number> {
    const res = await fetch(`${ks.env.KEYSTONE_URL}/projects/${id}`, { headers: { "X-Auth-Token": await keystoneAdminToken() } });
    await res.body?.cancel();
    return res.status;
  }

  test("create: a Keystone project with network, subnet, router and quotas; its user logs in; update; terminate", async () => {
    const s = adminApp();
    let r = resource();
    const o = order("Create", r, { offering_type: "OpenStack.Tenant", name: "Lab" }, { cores: 8, ram: 16384, storage: 50 * 1024, floating_ip_count: 3 });
    const p = okv(await call<Provisioned>("create", s, { order: o }));
    assert.equal(p.state, "OK");
    assert.equal(await keystoneProject(p.backendId), 200);
    const owned = os.owned(p.backendId);
    assert.equal(owned.networks.length, 1);
    assert.equal(owned.subnets[0]!.cidr, "192.168.42.0/24");
    assert.deepEqual((owned.routers[0]!.external_gateway_info as { network_id: string }).network_id, os.externalNetworkId);
    assert.equal(owned.ports.filter((x) => x.device_owner === "network:router_interface").length, 1);
    assert.equal(os.quotas.compute.get(p.backendId)!.cores, 8);
    assert.equal(os.quotas.compute.get(p.backendId)!.ram, 16384);
    assert.equal(os.quotas.volume.get(p.backendId)!.gigabytes, 50);
    assert.equal(os.quotas.network.get(p.backendId)!.floatingip, 3);

    // the access details are a working Keystone login scoped to the new project
    const ad = p.accessDetails as { username: string; password: string; project_id: string };
    const login = await fetch(`${ks.env.KEYSTONE_URL}/auth/tokens`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ auth: { identity: { methods: ["password"], password: { user: { name: ad.username, domain: { id: "default" }, password: ad.password } } }, scope: { project: { id: ad.project_id } } } }),
    });
    assert.equal(login.status, 201);
    await login.body?.cancel();

    r = stored(r, p, o.attributes);
    assert.equal((await pollUntilSettled(s, r)).state, "OK");
    okv(await call("updateLimits", s, { order: order("Update", r, {}, { cores: 16, ram: 32768, storage: 100 * 1024 }) }));
    assert.equal(os.quotas.compute.get(p.backendId)!.cores, 16);
    assert.equal(os.quotas.volume.get(p.backendId)!.gigabytes, 100);
    assert.deepEqual(okv(await call("collectUsage", s, { resource: r })), { cores: "0", ram: "0", storage: "0" });

    okv(await call("terminate", s, { order: order("Terminate", r, {}) }));
    assert.equal(await keystoneProject(p.backendId), 404);
    const left = os.owned(p.backendId);
    assert.deepEqual([left.networks.length, left.subnets.length, left.routers.length, left.ports.length], [0, 0, 0, 0]);
    assert.equal((await pollUntilSettled(s, r)).state, "Terminated");
  });

  test("crash mid-provision: the re-run finds the project by its order tag; a half-created tenant terminates", async () => {
    const s = adminPw();
    const r = resource();
    const o = order("Create", r, { offering_type: "OpenStack.Tenant" }, { cores: 4 });
    os.failOn("POST", /^\/network\/v2\.0\/routers$/, 1, 502);
    const crashed = err(await call("create", s, { order: o }));
    assert.equal(crashed.transient, true);
    const p = okv(await call<Provisioned>("create", s, { order: o }));
    assert.equal(os.owned(p.backendId).networks.length, 1, "network not duplicated");
    assert.equal(os.owned(p.backendId).routers.length, 1);

    // half-created: project + network only (router creation failed), backend id never stored
    const r2 = resource();
    os.failOn("POST", /^\/network\/v2\.0\/routers$/, 1, 400);
    const refused = err(await call("create", s, { order: order("Create", r2, { offering_type: "OpenStack.Tenant" }) }));
    assert.equal(refused.transient, false);
    okv(await call("terminate", s, { order: order("Terminate", { ...r2, attributes: { offering_type: "OpenStack.Tenant" } }, {}) }));
    okv(await call("terminate", s, { order: order("Terminate", stored(r, p), {}) }));
    assert.equal(await keystoneProject(p.backendId), 404);
  });

  test("demo (member) credentials cannot create projects: Keystone's 403 is permanent", async () => {
    const e = err(await call("create", demoPw(), { order: order("Create", resource(), { offering_type: "OpenStack.Tenant" }) }));
    assert.equal(e.transient, false);
    assert.match(e.message, /keystone: GET \/projects: You are not authorized to perform the requested action: identity:list_projects/);
  });
});

describe("settings and orders", () => {
  test("bad settings are refused naming the field", () => {
    registerPlugin(openstackPlugin);
    const cfg = (settings: Record<string, unknown>) => JSON.stringify({ plugins: [{ plugin: "openstack", offering_types: ["OpenStack.Instance"], settings }] });
    assert.deepEqual(checkPluginConfig(cfg({ auth_type: "password", auth_url: "http://k:5000/v3", username: "u", password: { $secret: "pw" }, project_name: "p" })), []);
    assert.match(checkPluginConfig(cfg({ auth_type: "password", auth_url: "http://k:5000/v3", password: "x" })).join(), /plugin "openstack" settings\.username/);
    assert.match(checkPluginConfig(cfg({ auth_type: "application_credential", auth_url: "not a url", application_credential_id: "i", application_credential_secret: "s" })).join(), /settings\.auth_url: auth_url must be a URL/);
    assert.match(checkPluginConfig(cfg({ auth_type: "kerberos", auth_url: "http://k/v3" })).join(), /settings\.auth_type/);
    const r = v.safeParse(openstackPlugin.settingsSchema, { auth_type: "password", auth_url: "http://k/v3", username: "u", password: "p", compute_microversion: "3" });
    assert.equal(r.success, false);
    assert.equal(r.issues?.[0]?.path?.[0]?.key, "compute_microversion");
  });

  test("validateOrder names the fields", () => {
    const o = order("Create", resource(), { offering_type: "OpenStack.Instance", image: "cirros", ssh_public_key: "not a key" });
    assert.deepEqual(
      openstackPlugin.validateOrder(o).map((p) => p.field),
      ["attributes.flavor", "attributes.ssh_public_key"],
    );
    const t = order("Create", resource(), { offering_type: "OpenStack.Tenant" }, { cores: 4, gpus: 1 });
    t.components = [{ type: "cores", billingType: "limit", maxValue: 2 }];
    assert.deepEqual(openstackPlugin.validateOrder(t).map((p) => p.field), ["limits.cores", "limits.gpus"]);
    assert.deepEqual(openstackPlugin.validateOrder(order("Create", resource(), { offering_type: "OpenStack.Volume" })).map((p) => p.field), ["attributes.size"]);
  });
});
