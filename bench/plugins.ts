// npm run bench:plugins — provider plugins through the whole path: POST /api/marketplace-orders/ →
// order queue (Miniflare) → consumer → plugin → backend → order done / resource OK.
//   1. SLURM: order-to-OK latency of allocations against the real cluster (infra/slurm/up.sh),
//      one order at a time; the provider approves each as soon as it is placed (Marketplace.Slurm
//      orders wait for the provider).
//   2. The queue's ceiling: the same queue settings with a consumer that only acks, 1,000 messages.
//   3. OpenStack: 1,000 OpenStack.Instance orders placed through the API (8 connections) against
//      the OpenStack test server (in-process, short BUILD) behind a real Keystone
//      (infra/keystone/up.sh, the benchmark's own instance): orders/s from the first POST to the
//      last order done, and each order's POST-to-done latency.
// Last line: key=value figures; ratio = OpenStack orders/s ÷ empty-message ceiling (messages/s).
// Reading the OpenStack figures: an instance order is at least two messages (create, then the
// consumer's poll re-sent with a 2 s delay), and the poll joins the FIFO behind every create
// already queued, so with 1,000 orders placed at once POST-to-done latency is about the time to
// drain the whole backlog; Miniflare runs one consumer batch at a time (Cloudflare scales out).
// Knobs: BENCH_SLURM_ORDERS (20), BENCH_OS_ORDERS (1000), BENCH_OS_CONCURRENCY (8),
// BENCH_OS_BUILD_MS (200), BENCH_OS_PORT (0 = any free), BENCH_KEYSTONE_PORT (5001),
// BENCH_KEYSTONE_BASE (/tmp/ve-keystone-bench), BENCH_OS_TIMEOUT_S (240).
import { execFileSync } from "node:child_process";
import { startWorkerHost, type WorkerHost } from "../scripts/lib/worker-host.ts";
import { type Api, type Json, userApi } from "../test/helpers/api.ts";
import { createOffering, createProvider } from "../test/helpers/catalog.ts";
import { OpenStackTestServer } from "../test/servers/openstack-test-server.ts";
import { emptyQueueCeiling } from "./lib/empty-queue.ts";
import { type Infra, type KeystoneEnv, portFree, upKeystone, upSlurm } from "./lib/infra.ts";

const SLURM_ORDERS = Number(process.env.BENCH_SLURM_ORDERS ?? 20);
const OS_ORDERS = Number(process.env.BENCH_OS_ORDERS ?? 1000);
const OS_CONCURRENCY = Number(process.env.BENCH_OS_CONCURRENCY ?? 8);
const OS_BUILD_MS = Number(process.env.BENCH_OS_BUILD_MS ?? 200);
const OS_TIMEOUT_S = Number(process.env.BENCH_OS_TIMEOUT_S ?? 240);
const KEYSTONE_PORT = Number(process.env.BENCH_KEYSTONE_PORT ?? 5001);
const KEYSTONE_BASE = process.env.BENCH_KEYSTONE_BASE ?? "/tmp/ve-keystone-bench";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const ms = (x: number) => x.toFixed(0);
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** Everything started here, stopped in reverse order at the end (or on Ctrl-C). */
const stops: (() => Promise<void> | void)[] = [];
let stopping = false;
async function stopAll() {
  if (stopping) return;
  stopping = true;
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (e) {
      console.error(`cleanup: ${(e as Error).message}`);
    }
  }
}
process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));

async function waitState(api: Api, uuid: string, states: string[], timeoutMs: number, everyMs: number): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const o = await api.expect(200, api.get(`/api/marketplace-orders/${uuid}/`));
    if (states.includes(o.state)) return o;
    if (Date.now() > until) throw new Error(`order ${uuid} stayed ${o.state}: ${o.error_message}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------- SLURM

const SLURM_TYPE = "Marketplace.Slurm";
const slurmConfig = (url: string) =>
  JSON.stringify({
    plugins: [
      {
        plugin: "slurm",
        offering_types: [SLURM_TYPE],
        settings: {
          slurmrestd_url: url,
          user_name: "root",
          token: { $secret: "slurm_jwt" },
          cluster_name: "testcluster",
          components: { cpu: { tres: "cpu", unit_factor: 60 }, ram: { tres: "mem", unit_factor: 61440 } },
        },
      },
    ],
  });

interface SlurmFigures {
  p50: number;
  p99: number;
  mean: number;
  erred: number;
}

async function benchSlurm(slurmUrl: string, jwt: string, slurmConf: string): Promise<SlurmFigures> {
  const host = await startWorkerHost({ vars: { VE_PLUGINS: slurmConfig(slurmUrl) } });
  stops.push(() => host.dispose());
  const f = await createProvider(host);
  const offering = await createOffering(f, {
    type: SLURM_TYPE,
    components: [
      { type: "cpu", name: "CPU", measured_unit: "hours", billing_type: "limit", limit_period: "total", max_value: 100000 },
      { type: "ram", name: "RAM", measured_unit: "GB-hours", billing_type: "limit", limit_period: "total", max_value: 100000 },
    ],
    plans: [{ name: "HPC", unit: "month", prices: { cpu: "0.10", ram: "0.01" } }],
    plugin_options: { service_provider_can_create_offering_user: true, username_generation_policy: "waldur_username" },
    secret_options: { slurm_jwt: jwt },
  });
  const customer = await userApi(host, `bench${Date.now().toString(36)}`);
  const org = await customer.expect(201, customer.post("/api/customers/", { name: `Org ${customer.username}` }));
  const project = await customer.expect(201, customer.post("/api/projects/", { name: "HPC project", customer: org.url }));
  // The account's users are the project team (as in test/plugins/slurm-orders.test.ts).
  await customer.expect(201, customer.post(`/api/projects/${project.uuid}/add_user/`, { user: customer.uuid, role: "PROJECT.MANAGER" }));
  const plans = await customer.expect(200, customer.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
  const body = (i: number) => ({
    offering: `${host.url}/api/marketplace-public-offerings/${offering.uuid}/`,
    project: project.url,
    plan: plans[0].url,
    attributes: { name: `bench-alloc-${i}` },
    limits: { cpu: 100, ram: 50 },
  });

  const latencies: number[] = [];
  const accounts: string[] = [];
  let erred = 0;
  // one warm-up order (bundle, isolate, slurmrestd connection), not counted
  for (let i = -1; i < SLURM_ORDERS; i++) {
    const t0 = performance.now();
    const o = await customer.expect(201, customer.post("/api/marketplace-orders/", body(i)));
    await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
    const done = await waitState(customer, o.uuid, ["done", "erred"], 60_000, 10);
    const t1 = performance.now();
    if (done.state !== "done") {
      erred++;
      console.log(`slurm order ${o.uuid} erred: ${done.error_message}`);
      continue;
    }
    const res = await customer.expect(200, customer.get(`/api/marketplace-resources/${o.marketplace_resource_uuid}/`));
    if (res.state !== "OK") throw new Error(`slurm resource ${res.uuid} is ${res.state} after its order is done`);
    accounts.push(res.backend_id);
    if (i >= 0) latencies.push(t1 - t0);
  }
  // Leave the shared cluster as found: the allocations' accounts go, with one sacctmgr call (not
  // through Terminate orders: those would add ~2 s of slurmdbd round trips each to the run).
  // (One at a time: a single `delete account name=a,b,…` over accounts sharing users was refused.)
  for (const a of accounts) {
    try {
      execFileSync("sacctmgr", ["-i", "delete", "account", `name=${a}`], { env: { ...process.env, SLURM_CONF: slurmConf }, stdio: ["ignore", "ignore", "pipe"], timeout: 60_000 });
    } catch (e) {
      console.log(`slurm: could not remove the benchmark's account ${a}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
    }
  }
  latencies.sort((a, b) => a - b);
  return { p50: pct(latencies, 50), p99: pct(latencies, 99), mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length), erred };
}

// ---------------------------------------------------------------- OpenStack

const osConfig = (authUrl: string, networkId: string) =>
  JSON.stringify({
    plugins: [
      {
        plugin: "openstack",
        offering_types: ["OpenStack.Instance"],
        settings: {
          auth_type: "application_credential",
          auth_url: authUrl,
          application_credential_id: { $secret: "app_cred_id" },
          application_credential_secret: { $secret: "app_cred_secret" },
          region: "RegionOne",
          offering_type: "OpenStack.Instance",
          default_network_ids: [networkId],
          wait_interval_ms: 50,
        },
      },
    ],
  });

interface OsFigures {
  done: number;
  erred: number;
  ordersPerSecond: number;
  seconds: number;
  p50: number;
  p99: number;
  postP50: number;
  postP99: number;
  postErrors: number;
}

async function benchOpenStack(os: OpenStackTestServer, ks: Infra<KeystoneEnv>): Promise<OsFigures> {
  const project = ks.env.OS_SERVICE_PROJECT_ID;
  // room for every instance of the run in the demo project
  os.setQuota("compute", project, { instances: 1_000_000, cores: 1_000_000, ram: 1_000_000_000, key_pairs: 1_000_000 });
  os.setQuota("network", project, { port: 1_000_000 });
  const netId = os.addNetwork(project, "bench-net", "10.0.0.0/16").networkId;

  const host: WorkerHost = await startWorkerHost({ vars: { VE_PLUGINS: osConfig(ks.env.KEYSTONE_URL, netId) } });
  stops.push(() => host.dispose());
  const f = await createProvider(host);
  const offering = await createOffering(f, {
    type: "OpenStack.Instance",
    components: [{ type: "instance", name: "Instance", measured_unit: "instance", billing_type: "fixed" }],
    plans: [{ name: "Small", unit: "month", prices: { instance: "5.00" }, quotas: { instance: 1 } }],
    secret_options: { app_cred_id: ks.env.OS_DEMO_APP_CRED_ID, app_cred_secret: ks.env.OS_DEMO_APP_CRED_SECRET },
  });
  const customer = await userApi(host, `oscust${Date.now().toString(36)}`);
  const org = await customer.expect(201, customer.post("/api/customers/", { name: `Org ${customer.username}` }));
  const proj = await customer.expect(201, customer.post("/api/projects/", { name: "Cloud project", customer: org.url }));
  const plans = await customer.expect(200, customer.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
  const orderBody = (i: number) =>
    JSON.stringify({
      offering: `${host.url}/api/marketplace-public-offerings/${offering.uuid}/`,
      project: proj.url,
      plan: plans[0].url,
      attributes: {
        name: `vm-${i}`,
        flavor: "m1.tiny",
        image: "cirros-0.6.2",
        ssh_public_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPxbenchkey bench@ve",
        security_groups: ["default"],
        floating_ip: false,
      },
    });
  const auth = { Authorization: `Token ${customer.token}`, "Content-Type": "application/json" };

  // warm-up: one order through the whole path (Keystone token, isolate), then wait for it
  const warm = await customer.expect(201, customer.call("POST", "/api/marketplace-orders/", orderBody(-1)));
  const w = await waitState(customer, warm.uuid, ["done", "erred"], 60_000, 50);
  if (w.state !== "done") throw new Error(`OpenStack warm-up order erred: ${w.error_message}`);

  const placedAt = new Map<string, number>(); // order uuid → epoch ms before its POST
  const postLatencies: number[] = [];
  let postErrors = 0;
  let next = 0;
  const callsBefore = os.calls.length;
  const firstPost = Date.now();
  const tPost = performance.now();
  const poster = async () => {
    for (;;) {
      const i = next++;
      if (i >= OS_ORDERS) return;
      const at = Date.now();
      const t0 = performance.now();
      const res = await host.fetch("/api/marketplace-orders/", { method: "POST", headers: auth, body: orderBody(i) });
      const b = (await res.json()) as Json;
      postLatencies.push(performance.now() - t0);
      if (res.status !== 201) {
        postErrors++;
        if (postErrors <= 3) console.log(`POST order ${i}: ${res.status} ${JSON.stringify(b).slice(0, 200)}`);
        continue;
      }
      placedAt.set(b.uuid, at);
    }
  };
  await Promise.all(Array.from({ length: OS_CONCURRENCY }, poster));
  console.log(`openstack: ${placedAt.size} orders placed in ${secs(tPost)} s (${postErrors} refused); ${os.servers.size - 1} servers submitted to nova by then`);

  // Completion, counted through the API (X-Result-Count) a few times a second.
  const count = async (state: string) => {
    const r = await host.fetch(`/api/marketplace-orders/?project_uuid=${proj.uuid}&state=${state}&page_size=1`, { headers: auth });
    await r.arrayBuffer();
    return Number(r.headers.get("X-Result-Count") ?? 0);
  };
  const want = placedAt.size + 1; // + the warm-up
  const deadline = Date.now() + OS_TIMEOUT_S * 1000;
  let done = 0;
  let erred = 0;
  let lastReport = Date.now();
  for (;;) {
    done = await count("done");
    erred = await count("erred");
    if (done + erred >= want || Date.now() > deadline) break;
    if (Date.now() - lastReport > 10_000) {
      const servers = os.servers.size - 1;
      console.log(`openstack: ${done - 1}/${placedAt.size} done, ${erred} erred, ${servers} servers submitted to nova after ${((Date.now() - firstPost) / 1000).toFixed(0)} s`);
      lastReport = Date.now();
    }
    await sleep(250);
  }
  if (done + erred < want) console.log(`openstack: TIMEOUT after ${OS_TIMEOUT_S} s: ${done - 1} done, ${erred} erred, ${want - done - erred} unfinished`);

  // Each order's completed_at (the worker's clock, same machine) against its POST time.
  const latencies: number[] = [];
  let lastCompleted = 0;
  const errors = new Map<string, number>();
  for (let page = 1; ; page++) {
    const r = await customer.expect(200, customer.get(`/api/marketplace-orders/?project_uuid=${proj.uuid}&page_size=50&page=${page}`));
    for (const o of r as Json[]) {
      const at = placedAt.get(o.uuid);
      if (at === undefined) continue;
      if (o.state === "erred") errors.set(o.error_message, (errors.get(o.error_message) ?? 0) + 1);
      if (o.state !== "done" || !o.completed_at) continue;
      const end = Date.parse(o.completed_at);
      latencies.push(end - at);
      lastCompleted = Math.max(lastCompleted, end);
    }
    if ((r as Json[]).length < 50) break;
  }
  for (const [m, n] of errors) console.log(`openstack: ${n} erred: ${m}`);
  console.log(`openstack: ${((os.calls.length - callsBefore) / Math.max(1, placedAt.size)).toFixed(1)} backend calls per order`);
  latencies.sort((a, b) => a - b);
  postLatencies.sort((a, b) => a - b);
  const seconds = (lastCompleted - firstPost) / 1000;
  return {
    done: latencies.length,
    erred: errors.size ? [...errors.values()].reduce((a, b) => a + b, 0) : 0,
    ordersPerSecond: latencies.length / seconds,
    seconds,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    postP50: pct(postLatencies, 50),
    postP99: pct(postLatencies, 99),
    postErrors,
  };
}

// ---------------------------------------------------------------- run

const tRun = performance.now();
try {
  // infrastructure first, so its start-up does not overlap a measurement
  const slurm = upSlurm();
  stops.push(() => slurm.stop());
  console.log(`slurm: ${slurm.startedHere ? "started" : "already up"} (${slurm.env.SLURMRESTD_URL})`);

  const wantPort = Number(process.env.BENCH_OS_PORT ?? 0);
  if (wantPort && !(await portFree(wantPort))) throw new Error(`BENCH_OS_PORT ${wantPort} is in use (a test run's OpenStack test server?): pick another or 0`);
  const os = new OpenStackTestServer({ port: wantPort, buildDelayMs: OS_BUILD_MS, deleteDelayMs: 50, volumeDelayMs: 50, maxLimit: 1000 });
  await os.start();
  stops.push(() => os.stop());
  const ks = upKeystone(os.url, KEYSTONE_BASE, KEYSTONE_PORT);
  stops.push(() => ks.stop());
  os.opts.keystoneUrl = ks.env.KEYSTONE_URL;
  console.log(`keystone: ${ks.startedHere ? "started" : "already up"} (${ks.env.KEYSTONE_URL}); openstack test server on ${os.url}, BUILD ${OS_BUILD_MS} ms`);
  console.log(`infra ready in ${secs(tRun)} s`);

  const tS = performance.now();
  const s = await benchSlurm(slurm.env.SLURMRESTD_URL, slurm.env.SLURM_JWT, slurm.env.SLURM_CONF);
  console.log(`slurm        ${SLURM_ORDERS} orders one at a time: order-to-OK p50 ${ms(s.p50)} ms  p99 ${ms(s.p99)} ms  mean ${ms(s.mean)} ms  erred ${s.erred}  (${secs(tS)} s with cleanup)`);

  await emptyQueueCeiling(100); // warm-up
  // a fraction of a second each: the median of three, so one scheduling hiccup does not set it
  const tries = [await emptyQueueCeiling(OS_ORDERS), await emptyQueueCeiling(OS_ORDERS), await emptyQueueCeiling(OS_ORDERS)];
  const c = tries.sort((a, b) => a.perSecond - b.perSecond)[1]!;
  console.log(`empty queue  ${c.messages} messages acked in ${c.seconds.toFixed(3)} s: ${c.perSecond.toFixed(0)} msg/s (median of ${tries.map((t) => t.perSecond.toFixed(0)).join(", ")})`);

  const tO = performance.now();
  const o = await benchOpenStack(os, ks);
  console.log(
    `openstack    ${o.done}/${OS_ORDERS} instances done in ${o.seconds.toFixed(1)} s: ${o.ordersPerSecond.toFixed(1)} orders/s  ` +
      `POST-to-done p50 ${ms(o.p50)} ms  p99 ${ms(o.p99)} ms  (POST p50 ${ms(o.postP50)} ms p99 ${ms(o.postP99)} ms; ${secs(tO)} s with set-up)`,
  );
  console.log(`total ${secs(tRun)} s`);
  console.log(
    `slurm_p50_ms=${ms(s.p50)} slurm_p99_ms=${ms(s.p99)} slurm_orders=${SLURM_ORDERS} slurm_erred=${s.erred} ` +
      `os_orders=${OS_ORDERS} os_done=${o.done} os_erred=${o.erred} os_orders_per_s=${o.ordersPerSecond.toFixed(1)} os_p50_ms=${ms(o.p50)} os_p99_ms=${ms(o.p99)} ` +
      `empty_msgs_per_s=${c.perSecond.toFixed(0)} ratio=${(o.ordersPerSecond / c.perSecond).toFixed(4)}`,
  );
} finally {
  await stopAll();
}
