// After a full order flow (a namespace order through the API, the queue and the kubernetes plugin,
// an update and a termination), none of the sensitive values used in it is readable anywhere the
// platform keeps data: every row of every D1 table and every R2 object is scanned for them, raw,
// base64 and base64url. The access details reach the member only through the envelope.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { generateKeyPair, open } from "../../src/crypto/index.ts";
import { type Api, type Json, userApi } from "../helpers/api.ts";
import { orderFixture, placeOrder } from "../helpers/orders.ts";
import { KubernetesTestServer } from "../servers/kubernetes-test-server.ts";

const k8s = new KubernetesTestServer();
let host: WorkerHost;

/** Distinctive values: the CA written into the customer's kubeconfig, a provider credential. */
const CA_MARK = "VeSensitiveCaQz7Xk2Lp9Wm4Rt8Yb3";
const CA_PEM = `-----BEGIN CERTIFICATE-----\n${CA_MARK}\n-----END CERTIFICATE-----\n`;

before(async () => {
  await k8s.start();
  const settings = { api_url: k8s.url, token: { $secret: "k8s_token" }, ca_cert: { $secret: "k8s_ca" }, wait_ms: 2000 };
  host = await startWorkerHost({
    vars: { VE_PLUGINS: JSON.stringify({ plugins: [{ plugin: "kubernetes", offering_types: ["Kubernetes.Namespace"], settings }] }) },
  });
});
after(async () => {
  await host?.dispose();
  await k8s.stop();
});

const COMPONENTS = ["cpu", "ram", "storage", "pods"].map((type) => ({ type, name: type, measured_unit: "units", billing_type: "limit", limit_period: "total", max_value: 100000 }));

async function waitOrder(api: Api, uuid: string): Promise<Json> {
  for (let i = 0; i < 240; i++) {
    const o = await api.expect(200, api.get(`/api/marketplace-orders/${uuid}/`));
    if (["done", "erred"].includes(o.state)) return o;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`order ${uuid} did not finish`);
}

/** Every form a value could be stored in without encryption. */
const forms = (s: string) => [s, Buffer.from(s).toString("base64"), Buffer.from(s).toString("base64url")].map((x) => x.replace(/=+$/, ""));

async function d1Dump(): Promise<Map<string, string>> {
  // Every table but D1's own internal one (_cf_METADATA, which D1 refuses to let anyone read).
  const tables = (await host.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").all<{ name: string }>()).results;
  assert.ok(tables.length > 20, "the schema's tables are there");
  const out = new Map<string, string>();
  for (const { name } of tables) {
    const rows = (await host.db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).all()).results;
    // BLOB columns come back as arrays of bytes: scan them as text too.
    out.set(
      name,
      JSON.stringify(rows, (_k, v) => (Array.isArray(v) && v.every((x) => typeof x === "number") ? Buffer.from(v).toString("latin1") : v)),
    );
  }
  return out;
}

async function r2Dump(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await host.blobs.list({ cursor, include: ["httpMetadata", "customMetadata"] } as Parameters<typeof host.blobs.list>[0]);
    for (const o of page.objects) {
      const body = Buffer.from(await (await host.blobs.get(o.key))!.arrayBuffer()).toString("latin1");
      out.set(o.key, `${o.key}\n${JSON.stringify(o.httpMetadata ?? {})}${JSON.stringify(o.customMetadata ?? {})}\n${body}`);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

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
  const d1 = await d1Dump();
  const r2 = await r2Dump();
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
