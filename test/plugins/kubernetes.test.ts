// Kubernetes plugin against the Kubernetes TEST SERVER (test/servers/kubernetes-test-server.ts):
// no real API server can run on this machine. Run alone with
//   node --import tsx --test test/plugins/kubernetes.test.ts
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import * as v from "valibot";
import { parse as parseYaml } from "yaml";
import { type KubernetesSettings, kubernetesPlugin } from "../../src/plugins/kubernetes/index.ts";
import { parseQuantity } from "../../src/plugins/kubernetes/quantity.ts";
import { KubeClient } from "../../src/plugins/kubernetes/client.ts";
import { ensureObject } from "../../src/plugins/kubernetes/ensure.ts";
import { namespaceName, paths, quotaManifest } from "../../src/plugins/kubernetes/resources.ts";
import { settingsFor } from "../../src/plugins/registry.ts";
import type { ComponentSpec, OrderRequest, PluginContext, PluginResult, ResourceRef } from "../../src/plugins/types.ts";
import { KubernetesTestServer } from "../servers/kubernetes-test-server.ts";

const ctx: PluginContext = { fetch: (input, init) => fetch(input, init), now: () => new Date() };
const hex = () => randomBytes(16).toString("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const COMPONENTS: ComponentSpec[] = [
  { type: "cpu", billingType: "limit", minValue: 0, maxValue: 64 },
  { type: "ram", billingType: "limit", minValue: 0, maxValue: 262144 },
  { type: "storage", billingType: "limit" },
  { type: "pods", billingType: "limit" },
];

function resource(over: Partial<ResourceRef> = {}): ResourceRef {
  return {
    uuid: hex(),
    name: "My Cluster Space",
    slug: "my-cluster-space",
    projectUuid: hex(),
    projectSlug: "proj",
    customerUuid: hex(),
    customerSlug: "cust",
    backendId: null,
    limits: {},
    attributes: {},
    backendMetadata: {},
    ...over,
  };
}

function order(res: ResourceRef, over: Partial<OrderRequest> = {}): OrderRequest {
  const limits = over.limits ?? { cpu: 2, ram: 2048, storage: 10, pods: 10 };
  return {
    orderUuid: hex(),
    type: "Create",
    attributes: {},
    limits,
    planUuid: null,
    resource: { ...res, limits },
    components: COMPONENTS,
    team: [],
    ...over,
  };
}

function settingsOf(server: KubernetesTestServer, extra: Record<string, unknown> = {}): KubernetesSettings {
  return v.parse(kubernetesPlugin.settingsSchema, { api_url: server.url, token: server.token, wait_ms: 2000, ...extra });
}

function value<T>(r: PluginResult<T>): T {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.transient ? "transient" : "permanent"} error: ${r.error.message}`);
  return r.value;
}
function error<T>(r: PluginResult<T>) {
  if (r.ok) assert.fail("expected an error");
  return r.error;
}

/** Polls until the state leaves Creating. */
async function pollUntilSettled(s: KubernetesSettings, res: ResourceRef) {
  for (let i = 0; i < 100; i++) {
    const p = value(await kubernetesPlugin.poll(ctx, s, res));
    if (p.state !== "Creating") return p;
    await sleep(20);
  }
  assert.fail("resource stayed Creating");
}

const nsFor = (server: KubernetesTestServer, res: ResourceRef) => server.objects("namespaces").filter((n) => n.metadata.labels?.["virtengine.io/resource-uuid"] === res.uuid);

let server: KubernetesTestServer;
before(async () => {
  server = new KubernetesTestServer();
  await server.start();
});
after(async () => {
  await server.stop();
});

describe("kubernetes plugin: happy path", () => {
  test("create → poll OK → update limits → usage → terminate", async () => {
    const s = settingsOf(server);
    const res = resource();
    const o = order(res, { attributes: { container: { image: "nginx:1.27", port: 80, replicas: 2 } } });
    assert.deepEqual(kubernetesPlugin.validateOrder(o), []);

    const created = value(await kubernetesPlugin.create(ctx, s, o));
    const ns = created.backendId;
    assert.equal(ns, namespaceName("ve-", res));
    assert.match(ns, /^ve-my-cluster-space-[0-9a-f]{12}$/);
    assert.equal((created.metadata["app"] as { service?: string }).service, `app.${ns}.svc`);

    // What the cluster now holds.
    const nsObj = server.object("namespaces", undefined, ns)!;
    assert.equal(nsObj.metadata.labels!["virtengine.io/order-uuid"], o.orderUuid);
    assert.equal(nsObj.metadata.labels!["virtengine.io/resource-uuid"], res.uuid);
    const quota = server.object("resourcequotas", ns, "ve-quota")!;
    assert.deepEqual((quota["spec"] as { hard: object }).hard, {
      "requests.cpu": "2",
      "limits.cpu": "2",
      "requests.memory": "2048Mi",
      "limits.memory": "2048Mi",
      "requests.storage": "10Gi",
      pods: "10",
    });
    assert.ok(server.object("limitranges", ns, "ve-limits"));
    assert.ok(server.object("roles", ns, "ve-customer"));
    assert.ok(server.object("rolebindings", ns, "ve-customer"));
    assert.ok(server.object("services", ns, "app"));

    const settled = await pollUntilSettled(s, { ...res, backendId: ns });
    assert.equal(settled.state, "OK");
    assert.equal(settled.metadata["phase"], "Active");
    assert.deepEqual(settled.metadata["app"], { deployment: "app", replicas: 2, available_replicas: 2 });
    const access = (created.accessDetails ?? settled.accessDetails)!;
    assert.equal(access["namespace"], ns);

    // The kubeconfig is real YAML whose token works in, and only in, the customer's namespace.
    const kc = parseYaml(String(access["kubeconfig"]));
    assert.equal(kc.kind, "Config");
    assert.equal(kc.clusters[0].cluster.server, server.url);
    assert.ok(kc.clusters[0].cluster["certificate-authority-data"]);
    assert.equal(kc.contexts[0].context.namespace, ns);
    const token: string = kc.users[0].user.token;
    assert.notEqual(token, server.token);
    const asCustomer = (path: string, init: RequestInit = {}) => fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/merge-patch+json" } });
    assert.equal((await asCustomer(`/api/v1/namespaces/${ns}/resourcequotas`)).status, 200);
    assert.equal((await asCustomer(`/apis/apps/v1/namespaces/${ns}/deployments/app`)).status, 200);
    assert.equal((await asCustomer("/api/v1/namespaces/kube-system/secrets")).status, 403);
    const raise = await asCustomer(`/api/v1/namespaces/${ns}/resourcequotas/ve-quota`, { method: "PATCH", body: JSON.stringify({ spec: { hard: { pods: "1000" } } }) });
    assert.equal(raise.status, 403, "the customer must not raise their own quota");
    assert.equal(((await raise.json()) as { reason: string }).reason, "Forbidden");

    // Update: more CPU and RAM, storage dropped.
    const upd = order({ ...res, backendId: ns }, { type: "Update", limits: { cpu: 4, ram: 4096, pods: 10 } });
    const updated = value(await kubernetesPlugin.updateLimits(ctx, s, upd));
    assert.deepEqual(updated.limits, { cpu: 4, ram: 4096, pods: 10 });
    const hard = (server.object("resourcequotas", ns, "ve-quota")!["spec"] as { hard: Record<string, string> }).hard;
    assert.deepEqual(hard, { "requests.cpu": "4", "limits.cpu": "4", "requests.memory": "4096Mi", "limits.memory": "4096Mi", pods: "10" });
    const lr = server.object("limitranges", ns, "ve-limits")!["spec"] as { limits: { type: string; max?: Record<string, string> }[] };
    assert.deepEqual(lr.limits.map((l) => l.type), ["Container"]);
    assert.equal(lr.limits[0]!.max!["memory"], "4096Mi");

    // Usage: 2 running pods × the LimitRange's default requests (100m CPU, 128Mi).
    const usage = value(await kubernetesPlugin.collectUsage(ctx, s, { ...res, backendId: ns, limits: upd.limits }, new Date("2026-12-01T00:00:00Z")));
    assert.deepEqual(usage, { cpu: "0.2", ram: "256", pods: "2" });

    // Terminate: the namespace goes through Terminating and is gone when terminate returns.
    value(await kubernetesPlugin.terminate(ctx, s, order({ ...res, backendId: ns }, { type: "Terminate" })));
    assert.equal(server.object("namespaces", undefined, ns), undefined);
    assert.equal(server.objects("resourcequotas", ns).length, 0);
    const gone = value(await kubernetesPlugin.poll(ctx, s, { ...res, backendId: ns }));
    assert.equal(gone.state, "Terminated");
    // The customer's token died with the namespace.
    assert.equal((await asCustomer(`/api/v1/namespaces/${ns}/resourcequotas`)).status, 401);
  });

  test("a namespace-only offering is OK at once with access details", async () => {
    const s = settingsOf(server, { namespace_prefix: "tenant-", public_api_url: "https://k8s.example.org:6443", ca_cert: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" });
    const res = resource({ slug: "Ünïcode & Spaces__x" });
    const created = value(await kubernetesPlugin.create(ctx, s, order(res, { limits: { cpu: 0.5, ram: 512 } })));
    assert.equal(created.state, "OK");
    assert.match(created.backendId, /^tenant-n-code-spaces-x-[0-9a-f]{12}$/);
    const kc = parseYaml(String(created.accessDetails!["kubeconfig"]));
    assert.equal(kc.clusters[0].cluster.server, "https://k8s.example.org:6443");
    assert.equal(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), s.ca_cert);
    const hard = (server.object("resourcequotas", created.backendId, "ve-quota")!["spec"] as { hard: Record<string, string> }).hard;
    assert.equal(hard["requests.cpu"], "500m");
    assert.equal(server.objects("deployments", created.backendId).length, 0);
    value(await kubernetesPlugin.terminate(ctx, s, order({ ...res, backendId: created.backendId }, { type: "Terminate" })));
  });
});

describe("kubernetes plugin: idempotent create", () => {
  test("a crash after the namespace (no quota yet) is repaired by the re-run without duplicates", async () => {
    const s = settingsOf(server);
    const res = resource();
    const o = order(res);
    server.dropNext(1, { match: /^POST \/api\/v1\/namespaces\/[^/]+\/resourcequotas$/ });
    const crashed = error(await kubernetesPlugin.create(ctx, s, o));
    assert.equal(crashed.transient, true);
    assert.match(crashed.message, /unreachable/i);
    const [ns] = nsFor(server, res);
    assert.ok(ns, "the namespace was created before the crash");
    assert.equal(server.objects("resourcequotas", ns.metadata.name).length, 0);

    // The consumer re-runs the same order (backend id was never stored).
    const again = value(await kubernetesPlugin.create(ctx, s, o));
    assert.equal(again.backendId, ns.metadata.name);
    assert.equal(nsFor(server, res).length, 1);
    assert.equal(nsFor(server, res)[0]!.metadata.uid, ns.metadata.uid, "the same namespace is reused, not recreated");
    assert.equal(server.objects("resourcequotas", again.backendId).length, 1);
    assert.equal(server.objects("serviceaccounts", again.backendId).length, 1);
    assert.ok(again.accessDetails);

    // A third run (e.g. the ack was lost) changes nothing and hands back the same credentials.
    const third = value(await kubernetesPlugin.create(ctx, s, o));
    assert.equal(third.accessDetails!["kubeconfig"], again.accessDetails!["kubeconfig"]);
    assert.equal(server.objects("secrets", again.backendId).length, 1);
    value(await kubernetesPlugin.terminate(ctx, s, order({ ...res, backendId: again.backendId }, { type: "Terminate" })));
  });

  test("a write that succeeded but whose answer was lost (409 AlreadyExists on re-run) is reused", async () => {
    const s = settingsOf(server);
    const res = resource();
    const o = order(res, { attributes: { container: { image: "nginx:1.27", port: 8080 } } });
    server.dropNext(1, { match: /^POST \/apis\/apps\/v1\/namespaces\/[^/]+\/deployments$/, afterWrite: true });
    assert.equal(error(await kubernetesPlugin.create(ctx, s, o)).transient, true);
    const ns = nsFor(server, res)[0]!.metadata.name;
    const uid = server.object("deployments", ns, "app")!.metadata.uid;
    const before = server.log.length;
    value(await kubernetesPlugin.create(ctx, s, o));
    const rerun = server.log.slice(before);
    assert.ok(rerun.some((r) => r.method === "POST" && r.path.endsWith("/deployments") && r.status === 409));
    assert.equal(server.object("deployments", ns, "app")!.metadata.uid, uid);
    assert.equal(server.objects("deployments", ns).length, 1);
    value(await kubernetesPlugin.terminate(ctx, s, order({ ...res, backendId: ns }, { type: "Terminate" })));
  });

  test("a re-run with other limits converges the quota with a resourceVersion-guarded PUT", async () => {
    const s = settingsOf(server);
    const res = resource();
    const first = value(await kubernetesPlugin.create(ctx, s, order(res, { limits: { cpu: 1, ram: 1024 } })));
    const rv0 = Number(server.object("resourcequotas", first.backendId, "ve-quota")!.metadata.resourceVersion);
    const before = server.log.length;
    value(await kubernetesPlugin.create(ctx, s, order(res, { limits: { cpu: 3, ram: 1024 } })));
    const q = server.object("resourcequotas", first.backendId, "ve-quota")!;
    assert.equal((q["spec"] as { hard: Record<string, string> }).hard["requests.cpu"], "3");
    assert.ok(Number(q.metadata.resourceVersion) > rv0);
    assert.ok(server.log.slice(before).some((r) => r.method === "PUT" && r.path.endsWith("/resourcequotas/ve-quota") && r.status === 200));
    value(await kubernetesPlugin.terminate(ctx, s, order({ ...res, backendId: first.backendId }, { type: "Terminate" })));
  });

  test("test server: a stale resourceVersion in PUT is a 409 Conflict Status", async () => {
    const s = settingsOf(server);
    const res = resource();
    const { backendId: ns } = value(await kubernetesPlugin.create(ctx, s, order(res)));
    const h = { authorization: `Bearer ${server.token}`, "content-type": "application/json" };
    const url = `${server.url}/api/v1/namespaces/${ns}/resourcequotas/ve-quota`;
    const stale = await (await fetch(url, { headers: h })).json();
    const patched = await fetch(url, { method: "PATCH", headers: { ...h, "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { hard: { pods: "5" } } }) });
    assert.equal(patched.status, 200);
    const put = await fetch(url, { method: "PUT", headers: h, body: JSON.stringify(stale) });
    assert.equal(put.status, 409);
    const st = (await put.json()) as { kind: string; reason: string; message: string };
    assert.equal(st.kind, "Status");
    assert.equal(st.reason, "Conflict");
    assert.match(st.message, /the object has been modified/);
    const dup = await fetch(`${server.url}/api/v1/namespaces`, { method: "POST", headers: h, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }) });
    assert.equal(dup.status, 409);
    assert.equal(((await dup.json()) as { reason: string }).reason, "AlreadyExists");
    value(await kubernetesPlugin.terminate(ctx, s, order({ ...res, backendId: ns }, { type: "Terminate" })));
  });
});

describe("kubernetes plugin: backend refusing", () => {
  test("a provider quota on namespaces (403 exceeded quota) is a permanent error with the server's message", async () => {
    const s = settingsOf(server);
    const res = resource();
    server.quotaExceededNext(/^POST \/api\/v1\/namespaces$/);
    const e = error(await kubernetesPlugin.create(ctx, s, order(res)));
    assert.equal(e.transient, false);
    assert.match(e.message, /is forbidden: exceeded quota: provider-quota, requested: count\/namespaces=1/);
    assert.equal(nsFor(server, res).length, 0);
  });

  test("an invalid manifest (422 Invalid) is permanent and keeps the field message", async () => {
    const s = settingsOf(server);
    const res = resource();
    const o = order(res, { attributes: { container: { image: " nginx:1.27" } } });
    const e = error(await kubernetesPlugin.create(ctx, s, o));
    assert.equal(e.transient, false);
    assert.match(e.message, /Deployment "app" is invalid: spec\.template\.spec\.containers\[0\]\.image: Invalid value: " nginx:1\.27": must not have leading or trailing whitespace/);
    assert.match(e.message, /422 Invalid/);
    value(await kubernetesPlugin.terminate(ctx, s, order(res, { type: "Terminate" })));
  });

  test("an image that cannot be pulled ends Erred with the rollout's message", async () => {
    const s = settingsOf(server);
    const res = resource();
    const c = value(await kubernetesPlugin.create(ctx, s, order(res, { attributes: { container: { image: "registry.example/does-not-exist:1" } } })));
    assert.equal(c.state, "Creating");
    const p = await pollUntilSettled(s, { ...res, backendId: c.backendId });
    assert.equal(p.state, "Erred");
    assert.match(p.errorMessage!, /has timed out progressing/);
    value(await kubernetesPlugin.terminate(ctx, s, order({ ...res, backendId: c.backendId }, { type: "Terminate" })));
  });

  test("more replicas than the pods quota ends Erred with the admission's exceeded-quota message", async () => {
    const s = settingsOf(server);
    const res = resource();
    const c = value(await kubernetesPlugin.create(ctx, s, order(res, { limits: { cpu: 8, ram: 8192, pods: 2 }, attributes: { container: { image: "nginx", replicas: 3 } } })));
    const p = await pollUntilSettled(s, { ...res, backendId: c.backendId });
    assert.equal(p.state, "Erred");
    assert.match(p.errorMessage!, /is forbidden: exceeded quota: ve-quota, requested: pods=1, used: pods=2, limited: pods=2/);
    value(await kubernetesPlugin.terminate(ctx, s, order({ ...res, backendId: c.backendId }, { type: "Terminate" })));
  });

  test("a create whose namespace vanished (404 NotFound) is permanent with the server's message", async () => {
    const kc = new KubeClient(ctx, settingsOf(server));
    const r = await ensureObject(kc, paths.core("ve-vanished", "resourcequotas"), quotaManifest("ve-vanished", {}, { cpu: 1 }), "spec");
    const e = error(r);
    assert.equal(e.transient, false);
    assert.equal(e.message, 'creating ResourceQuota ve-quota: namespaces "ve-vanished" not found (404 NotFound)');
  });

  test("a same-named namespace that is not ours is never adopted", async () => {
    const s = settingsOf(server);
    const res = resource();
    const name = namespaceName("ve-", res);
    server.put("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name, uid: "x", resourceVersion: "1", labels: { team: "other" } }, status: { phase: "Active" } });
    const e = error(await kubernetesPlugin.create(ctx, s, order(res)));
    assert.equal(e.transient, false);
    assert.match(e.message, /already exists and does not belong/);
    assert.equal(server.objects("resourcequotas", name).length, 0);
  });

  test("a wrong token is a permanent 401 that does not echo the token", async () => {
    const s = settingsOf(server, { token: "wrong-token-value" });
    const e = error(await kubernetesPlugin.create(ctx, s, order(resource())));
    assert.equal(e.transient, false);
    assert.match(e.message, /401 Unauthorized/);
    assert.doesNotMatch(e.message, /wrong-token-value/);
  });
});

describe("kubernetes plugin: backend down", () => {
  test("503 / 429 / connection refused are transient; the re-run after recovery completes", async () => {
    const s = settingsOf(server, { timeout_ms: 2000 });
    const res = resource();
    const o = order(res);
    server.failNext(1, { match: /^POST / });
    const e503 = error(await kubernetesPlugin.create(ctx, s, o));
    assert.equal(e503.transient, true);
    assert.match(e503.message, /the server is currently unable to handle the request \(503 ServiceUnavailable\)/);

    server.failNext(1, { code: 429, match: /^POST .*\/roles$/ });
    const e429 = error(await kubernetesPlugin.create(ctx, s, o));
    assert.equal(e429.transient, true);
    assert.match(e429.message, /429 TooManyRequests/);

    server.stallNext(1, { match: /^GET \/api\/v1\/namespaces$/ });
    const hung = error(await kubernetesPlugin.create(ctx, settingsOf(server, { timeout_ms: 200 }), o));
    assert.equal(hung.transient, true);
    assert.match(hung.message, /unreachable \(TimeoutError/);

    await server.stop();
    try {
      const down = error(await kubernetesPlugin.create(ctx, s, o));
      assert.equal(down.transient, true);
      assert.match(down.message, /Kubernetes API unreachable/);
      assert.equal(error(await kubernetesPlugin.poll(ctx, s, res)).transient, true);
      assert.equal(error(await kubernetesPlugin.terminate(ctx, s, order(res, { type: "Terminate" }))).transient, true);
    } finally {
      await server.start();
    }
    const c = value(await kubernetesPlugin.create(ctx, s, o));
    assert.equal(c.state, "OK");
    assert.equal(nsFor(server, res).length, 1);
    assert.equal(server.objects("roles", c.backendId).length, 1);
    value(await kubernetesPlugin.terminate(ctx, s, order({ ...res, backendId: c.backendId }, { type: "Terminate" })));
  });
});

describe("kubernetes plugin: termination", () => {
  test("a half-created resource (no backend id stored) is found by label and removed; again is a no-op", async () => {
    const s = settingsOf(server);
    const res = resource();
    server.dropNext(1, { match: /^POST .*\/serviceaccounts$/ });
    assert.equal(error(await kubernetesPlugin.create(ctx, s, order(res))).transient, true);
    const [ns] = nsFor(server, res);
    assert.ok(ns);
    value(await kubernetesPlugin.terminate(ctx, s, order(res, { type: "Terminate" })));
    assert.equal(nsFor(server, res).length, 0);
    assert.equal(server.objects("resourcequotas", ns.metadata.name).length, 0);
    value(await kubernetesPlugin.terminate(ctx, s, order(res, { type: "Terminate" })));
    value(await kubernetesPlugin.terminate(ctx, s, order({ ...res, backendId: ns.metadata.name }, { type: "Terminate" })));
  });

  test("a resource never created terminates successfully", async () => {
    value(await kubernetesPlugin.terminate(ctx, settingsOf(server), order(resource(), { type: "Terminate" })));
  });

  test("a slow namespace deletion is transient, and the retry (409 already terminating) waits it out", async () => {
    const slow = new KubernetesTestServer({ namespaceDeletionMs: 300 });
    await slow.start();
    try {
      const res = resource();
      const c = value(await kubernetesPlugin.create(ctx, settingsOf(slow), order(res)));
      const e = error(await kubernetesPlugin.terminate(ctx, settingsOf(slow, { wait_ms: 0 }), order({ ...res, backendId: c.backendId }, { type: "Terminate" })));
      assert.equal(e.transient, true);
      assert.match(e.message, /still terminating/);
      const p = value(await kubernetesPlugin.poll(ctx, settingsOf(slow), { ...res, backendId: c.backendId }));
      assert.equal(p.metadata["phase"], "Terminating");
      // A create for the resource meanwhile waits for the namespace to go (transient), never adopts it.
      assert.equal(error(await kubernetesPlugin.create(ctx, settingsOf(slow), order(res))).transient, true);
      const before = slow.log.length;
      value(await kubernetesPlugin.terminate(ctx, settingsOf(slow), order({ ...res, backendId: c.backendId }, { type: "Terminate" })));
      assert.ok(slow.log.slice(before).some((r) => r.method === "DELETE" && r.status === 409));
      assert.equal(slow.object("namespaces", undefined, c.backendId), undefined);
    } finally {
      await slow.stop();
    }
  });

  test("updating limits of a half-created resource creates the missing quota", async () => {
    const s = settingsOf(server);
    const res = resource();
    server.dropNext(1, { match: /^POST .*\/resourcequotas$/ });
    error(await kubernetesPlugin.create(ctx, s, order(res)));
    const ns = nsFor(server, res)[0]!.metadata.name;
    value(await kubernetesPlugin.updateLimits(ctx, s, order(res, { type: "Update", limits: { cpu: 1, ram: 512 } })));
    assert.equal((server.object("resourcequotas", ns, "ve-quota")!["spec"] as { hard: Record<string, string> }).hard["requests.memory"], "512Mi");
    value(await kubernetesPlugin.terminate(ctx, s, order(res, { type: "Terminate" })));
  });
});

describe("kubernetes plugin: pause", () => {
  test("pause scales deployments to 0 and closes the pod quota; twice is harmless; unpause restores", async () => {
    const s = settingsOf(server);
    const res = resource();
    const o = order(res, { attributes: { container: { image: "nginx", replicas: 2 } } });
    const c = value(await kubernetesPlugin.create(ctx, s, o));
    const r = { ...o.resource, backendId: c.backendId };
    assert.equal((await pollUntilSettled(s, r)).state, "OK");
    const dep = () => server.object("deployments", c.backendId, "app")!;
    const pods = () => (server.object("resourcequotas", c.backendId, "ve-quota")!["spec"] as { hard: Record<string, string> }).hard["pods"];
    value(await kubernetesPlugin.pause!(ctx, s, r, true));
    value(await kubernetesPlugin.pause!(ctx, s, r, true));
    assert.equal((dep()["spec"] as { replicas: number }).replicas, 0);
    assert.equal(dep().metadata.annotations!["virtengine.io/replicas-before-pause"], "2");
    assert.equal(pods(), "0");
    assert.equal((await pollUntilSettled(s, r)).state, "OK");
    value(await kubernetesPlugin.pause!(ctx, s, r, false));
    assert.equal((dep()["spec"] as { replicas: number }).replicas, 2);
    assert.equal(dep().metadata.annotations?.["virtengine.io/replicas-before-pause"], undefined);
    assert.equal(pods(), "10");
    value(await kubernetesPlugin.terminate(ctx, s, order(r, { type: "Terminate" })));
    assert.equal(error(await kubernetesPlugin.pause!(ctx, s, res, true)).transient, false);
  });
});

describe("kubernetes plugin: settings and order validation", () => {
  const entry = { plugin: "kubernetes", offering_types: ["Kubernetes.Namespace"], offerings: [], settings: { api_url: "https://k8s.example.org:6443", token: { $secret: "k8s_token" } } };

  test("good settings resolve the secret token and get defaults", () => {
    const r = settingsFor({ plugin: kubernetesPlugin, entry }, { k8s_token: "t0ken" });
    assert.ok(r.ok, r.ok ? "" : r.error);
    const s = r.value as KubernetesSettings;
    assert.equal(s.token, "t0ken");
    assert.equal(s.namespace_prefix, "ve-");
    assert.equal(s.timeout_ms, 15000);
  });

  for (const [field, bad, pattern] of [
    ["api_url", "ftp://k8s.example.org", /settings\.api_url: api_url must be an http\(s\) URL/],
    ["api_url", "not a url", /settings\.api_url: api_url must be a URL/],
    ["token", "", /settings\.token: token is required/],
    ["namespace_prefix", "Bad_", /settings\.namespace_prefix: namespace_prefix must be lowercase/],
    ["ca_cert", "hello", /settings\.ca_cert: ca_cert must be a PEM certificate/],
    ["container", { image: "nginx", port: 0 }, /settings\.container\.port: port must be 1-65535/],
  ] as const) {
    test(`bad ${field} is refused naming the field`, () => {
      const r = settingsFor({ plugin: kubernetesPlugin, entry: { ...entry, settings: { ...entry.settings, [field]: bad } } }, { k8s_token: "t" });
      assert.equal(r.ok, false);
      assert.match((r as { error: string }).error, pattern);
    });
  }

  test("a missing token secret names the secret option", () => {
    const r = settingsFor({ plugin: kubernetesPlugin, entry }, {});
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /secret option "k8s_token"/);
  });

  test("validateOrder names bad limit and container fields", () => {
    const res = resource();
    const problems = kubernetesPlugin.validateOrder(
      order(res, { limits: { cpu: -1, ram: 1.5, pods: 300000, foo: 3 }, components: [...COMPONENTS.slice(0, 2), { type: "pods", billingType: "limit", maxValue: 100 }], attributes: { container: { image: "", port: 70000 } } }),
    );
    const fields = problems.map((p) => p.field);
    assert.deepEqual([...new Set(fields)].sort(), ["attributes.container.image", "attributes.container.port", "limits.cpu", "limits.foo", "limits.pods", "limits.ram"]);
    assert.match(problems.find((p) => p.field === "limits.ram")!.message, /whole number of MiB/);
    assert.match(problems.find((p) => p.field === "limits.foo")!.message, /unknown component "foo"/);
    assert.match(problems.find((p) => p.field === "limits.pods")!.message, /at most 100/);
    assert.deepEqual(kubernetesPlugin.validateOrder(order(res, { type: "Terminate", limits: { foo: -1 } })), []);
    // A Create must not leave a limited component unbounded.
    assert.deepEqual(
      kubernetesPlugin.validateOrder(order(res, { limits: { cpu: 1, ram: 512 } })).map((p) => p.field),
      ["limits.storage", "limits.pods"],
    );
    // Components without a quota meaning (Rancher's "node") are accepted and not enforced.
    assert.deepEqual(kubernetesPlugin.validateOrder(order(res, { limits: { node: 3 }, components: [{ type: "node", billingType: "usage" }] })), []);
  });

  test("quantities parse the way the API server prints them", () => {
    assert.equal(parseQuantity("500m"), 0.5);
    assert.equal(parseQuantity("2"), 2);
    assert.equal(parseQuantity("1536Mi"), 1536 * 2 ** 20);
    assert.equal(parseQuantity("1e3"), 1000);
    assert.equal(parseQuantity("1.5Gi"), 1.5 * 2 ** 30);
    assert.equal(parseQuantity("abc"), null);
  });
});

describe("kubernetes plugin: inside workerd", () => {
  test("the bundled plugin provisions and terminates from a Worker (Miniflare)", async () => {
    const { build } = await import("esbuild");
    const { Miniflare } = await import("miniflare");
    const path = await import("node:path");
    // The plugin as the Worker bundle will carry it: no node modules may sneak in (platform neutral).
    const out = await build({
      stdin: {
        contents: `
          import * as v from "valibot";
          import { kubernetesPlugin as p } from "./index.ts";
          export default {
            async fetch(req) {
              const { op, settings, order } = await req.json();
              const s = v.parse(p.settingsSchema, settings);
              const ctx = { fetch: (i, init) => fetch(i, init), now: () => new Date() };
              const r = op === "create" ? await p.create(ctx, s, order)
                : op === "poll" ? await p.poll(ctx, s, order.resource)
                : op === "usage" ? await p.collectUsage(ctx, s, order.resource, new Date())
                : await p.terminate(ctx, s, order);
              return Response.json(r);
            },
          };`,
        resolveDir: path.resolve(import.meta.dirname, "../../src/plugins/kubernetes"),
        loader: "ts",
      },
      bundle: true,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      write: false,
    });
    const mf = new Miniflare({ modules: true, script: out.outputFiles[0]!.text, compatibilityDate: "2025-09-01" });
    try {
      const res = resource();
      const o = order(res, { attributes: { container: { image: "nginx:1.27", port: 80 } } });
      const settings = { api_url: server.url, token: server.token, wait_ms: 2000 };
      const call = async (op: string, ord: OrderRequest) =>
        (await (await mf.dispatchFetch("http://worker/", { method: "POST", body: JSON.stringify({ op, settings, order: ord }) })).json()) as PluginResult<Record<string, unknown>>;
      const created = value(await call("create", o));
      const ns = String(created["backendId"]);
      assert.equal(nsFor(server, res).length, 1);
      assert.match(String((created["accessDetails"] as Record<string, unknown>)["kubeconfig"]), /token: "sa-/);
      let state = "Creating";
      for (let i = 0; i < 50 && state === "Creating"; i++) {
        state = String(value(await call("poll", { ...o, resource: { ...o.resource, backendId: ns } }))["state"]);
        if (state === "Creating") await sleep(20);
      }
      assert.equal(state, "OK");
      assert.deepEqual(value(await call("usage", { ...o, resource: { ...o.resource, backendId: ns } })), { cpu: "0.1", ram: "128", storage: "0", pods: "1" });
      const t = await call("terminate", { ...o, type: "Terminate", resource: { ...o.resource, backendId: ns } });
      assert.equal(t.ok, true);
      assert.equal(nsFor(server, res).length, 0);
    } finally {
      await mf.dispose();
    }
  });
});
