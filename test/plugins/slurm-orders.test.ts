// The whole path for a SLURM allocation through the real API, the real queue (Miniflare) and a
// real SLURM with slurmdbd: order → account with the team → usage from accounting → limits
// enforced → termination; a refused backend, a backend that is down, and a consumer killed
// mid-provision.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { Api, type Json } from "../helpers/api.ts";
import { createOffering, createProvider } from "../helpers/catalog.ts";
import { userApi } from "../helpers/api.ts";
import { useSlurm } from "../helpers/slurm.ts";

const slurm = useSlurm();
// Marketplace.Slurm orders stop at pending-provider (Waldur never skips provider review for it);
// the provider approves and the order goes to the queue.
const TYPE = "Marketplace.Slurm";
const COMPONENTS = [
  { type: "cpu", name: "CPU", measured_unit: "hours", billing_type: "limit", limit_period: "total", max_value: 100000 },
  { type: "ram", name: "RAM", measured_unit: "GB-hours", billing_type: "limit", limit_period: "total", max_value: 100000 },
];

const pluginConfig = (url: string) =>
  JSON.stringify({
    plugins: [
      {
        plugin: "slurm",
        offering_types: [TYPE],
        settings: {
          slurmrestd_url: url,
          user_name: "root",
          token: { $secret: "slurm_jwt" },
          cluster_name: "testcluster",
          // Minutes, not hours, so a few seconds of a test job show up at 2 decimals.
          components: { cpu: { tres: "cpu", unit_factor: 1 }, ram: { tres: "mem", unit_factor: 1024 } },
        },
      },
    ],
  });

let host: WorkerHost;
const persistDir = mkdtempSync(path.join(os.tmpdir(), "ve-slurm-orders-"));
const startHost = (url: string, extra: Record<string, string> = {}) =>
  startWorkerHost({ persistDir, vars: { VE_PLUGINS: pluginConfig(url), VE_PLUGIN_MAX_ATTEMPTS: "2", ...extra } });

before(async () => {
  host = await startHost(slurm.env.SLURMRESTD_URL);
});
after(async () => {
  await host?.dispose();
  rmSync(persistDir, { recursive: true, force: true });
});

interface Fixture {
  provider: Api;
  customer: Api & { username: string };
  offering: Json;
  project: Json;
  plan: Json;
}

async function fixture(secret = slurm.env.SLURM_JWT): Promise<Fixture> {
  const f = await createProvider(host);
  const offering = await createOffering(f, {
    type: TYPE,
    components: COMPONENTS,
    plans: [{ name: "HPC", unit: "month", prices: { cpu: "0.10", ram: "0.01" } }],
    plugin_options: { service_provider_can_create_offering_user: true, username_generation_policy: "waldur_username" },
    secret_options: { slurm_jwt: secret },
  });
  const customer = await userApi(host);
  const org = await customer.expect(201, customer.post("/api/customers/", { name: `Org ${customer.username}` }));
  const project = await customer.expect(201, customer.post("/api/projects/", { name: "HPC project", customer: org.url }));
  // The SLURM account's users are the project's team (organization owners are not, as in Waldur).
  await customer.expect(201, customer.post(`/api/projects/${project.uuid}/add_user/`, { user: customer.uuid, role: "PROJECT.MANAGER" }));
  const plans = await customer.expect(200, customer.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
  providerApi = f.provider;
  return { provider: f.provider, customer, offering, project, plan: plans[0] };
}

async function order(f: Fixture, limits: Record<string, number>): Promise<Json> {
  return f.customer.expect(
    201,
    f.customer.post("/api/marketplace-orders/", {
      offering: `${host.url}/api/marketplace-public-offerings/${f.offering.uuid}/`,
      project: f.project.url,
      plan: f.plan.url,
      attributes: { name: "sim-allocation" },
      limits,
    }),
  );
}

let providerApi: Api | undefined;

async function waitOrder(api: Api, uuid: string, states: string[], ms = 60_000): Promise<Json> {
  const until = Date.now() + ms;
  for (;;) {
    const o = await api.expect(200, api.get(`/api/marketplace-orders/${uuid}/`));
    if (o.state === "pending-provider" && providerApi) {
      await providerApi.expect(200, providerApi.post(`/api/marketplace-orders/${uuid}/approve_by_provider/`, {}));
      continue;
    }
    if (states.includes(o.state)) return o;
    if (Date.now() > until) assert.fail(`order ${uuid} stayed ${o.state} (wanted ${states.join("|")}): ${o.error_message}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const cron = async (h = host) => (await h.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
const accounts = () => slurm.run("sacctmgr", ["-n", "-p", "show", "account", "format=account,descr"]).split("\n").filter(Boolean);
const assocUsers = (acct: string) =>
  slurm
    .run("sacctmgr", ["-n", "-p", "show", "assoc", `where`, `account=${acct}`, "format=user"])
    .split("\n")
    .map((l) => l.replace(/\|$/, ""))
    .filter(Boolean)
    .sort();

test("order to OK: one account per resource, the project team as its users; update, usage, limits, terminate", async () => {
  const f = await fixture();
  const created = await order(f, { cpu: 100, ram: 50 });
  const done = await waitOrder(f.customer, created.uuid, ["done", "erred"]);
  assert.equal(done.state, "done", done.error_message);
  const res = await f.customer.expect(200, f.customer.get(`/api/marketplace-resources/${created.marketplace_resource_uuid}/`));
  assert.equal(res.state, "OK");
  const acct: string = res.backend_id;
  assert.match(acct, /^ve_sim_allocation[a-z0-9_]*_[0-9a-f]{8}$/);
  assert.ok(acct.endsWith(res.uuid.slice(0, 8)), "the account name carries the resource uuid");
  assert.equal(accounts().filter((a) => a.startsWith(`${acct}|`)).length, 1);
  assert.deepEqual(assocUsers(acct), [f.customer.username, "root"].sort(), "the team and the job-submitting service user");

  // Update: new limits reach the resource and the plugin's metadata (in TRES-minutes).
  const upd = await f.customer.expect(200, f.customer.post(`/api/marketplace-resources/${res.uuid}/update_limits/`, { limits: { cpu: 200, ram: 50 } }));
  const updDone = await waitOrder(f.customer, upd.order_uuid, ["done", "erred"]);
  assert.equal(updDone.state, "done", updDone.error_message);
  const prov = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-resources/${res.uuid}/`));
  assert.equal(prov.limits.cpu, 200);
  assert.equal(prov.backend_metadata.tres_minutes_limits.cpu, 200);
  assert.equal(prov.backend_metadata.tres_minutes_limits.mem, 51200);

  // Usage from slurmdbd: a job charged to the account, collected by the cron.
  const jobId = slurm.run("sbatch", ["--parsable", "-A", acct, "-n", "1", "-o", "/dev/null", "--wrap", "sleep 3"]).trim();
  for (let i = 0; i < 120; i++) {
    const st = slurm.run("sacct", ["-n", "-X", "-P", "-j", jobId, "-o", "state"]).trim();
    if (st === "COMPLETED") break;
    await new Promise((r) => setTimeout(r, 500));
  }
  // slurmdbd records a finished job's allocation asynchronously: collect until it shows (≤ 20 s).
  let cpu: Json;
  for (let i = 0; i < 20; i++) {
    await cron();
    const usages = await f.provider.expect(200, f.provider.get(`/api/marketplace-component-usages/?resource_uuid=${res.uuid}`));
    cpu = usages.find((u: Json) => u.type === "cpu");
    if (cpu && Number(cpu.usage) > 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(cpu, "a cpu usage row was recorded");
  assert.ok(Number(cpu.usage) > 0 && Number(cpu.usage) < 1, `CPU-minutes for a 3 s job: ${cpu.usage}`);

  // Limits reached (0 CPU-hours allowed): the next collection blocks the account's users.
  const tight = await f.customer.expect(200, f.customer.post(`/api/marketplace-resources/${res.uuid}/update_limits/`, { limits: { cpu: 0, ram: 50 } }));
  assert.equal((await waitOrder(f.customer, tight.order_uuid, ["done", "erred"])).state, "done");
  await cron();
  const blocked = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-resources/${res.uuid}/`));
  assert.equal(blocked.backend_metadata.blocked, true);
  assert.deepEqual(blocked.backend_metadata.blocked_components, ["cpu"]);
  assert.ok(!assocUsers(acct).includes(f.customer.username), "the team member can no longer charge the account");

  // Terminate: the account is removed from SLURM.
  const term = await f.customer.expect(200, f.customer.post(`/api/marketplace-resources/${res.uuid}/terminate/`, {}));
  assert.equal((await waitOrder(f.customer, term.order_uuid, ["done", "erred"])).state, "done");
  assert.equal(accounts().filter((a) => a.startsWith(`${acct}|`)).length, 0);
  const gone = await f.customer.expect(200, f.customer.get(`/api/marketplace-resources/${res.uuid}/`));
  assert.equal(gone.state, "Terminated");
});

test("an account removed behind the marketplace's back: the cron's status poll makes the resource Erred with the reason", async () => {
  const f = await fixture();
  const created = await order(f, { cpu: 10, ram: 10 });
  assert.equal((await waitOrder(f.customer, created.uuid, ["done", "erred"])).state, "done");
  const res = await f.customer.expect(200, f.customer.get(`/api/marketplace-resources/${created.marketplace_resource_uuid}/`));
  // Removed the way an operator would: the users' default account moved first, as SLURM requires.
  const users = assocUsers(res.backend_id).filter(Boolean);
  for (const u of users) slurm.run("sacctmgr", ["-i", "delete", "user", u, `account=${res.backend_id}`]);
  slurm.run("sacctmgr", ["-i", "delete", "account", res.backend_id]);
  await cron();
  const after = await f.customer.expect(200, f.customer.get(`/api/marketplace-resources/${res.uuid}/`));
  assert.equal(after.state, "Erred");
  assert.match(after.error_message, new RegExp(`account ${res.backend_id} no longer exists`));
});

test("terminating an allocation that is still its users' default account removes it cleanly", async () => {
  const f = await fixture();
  const created = await order(f, { cpu: 10, ram: 10 });
  assert.equal((await waitOrder(f.customer, created.uuid, ["done", "erred"])).state, "done");
  const res = await f.customer.expect(200, f.customer.get(`/api/marketplace-resources/${created.marketplace_resource_uuid}/`));
  assert.ok(assocUsers(res.backend_id).includes(f.customer.username));
  const term = await f.customer.expect(200, f.customer.post(`/api/marketplace-resources/${res.uuid}/terminate/`, {}));
  const done = await waitOrder(f.customer, term.order_uuid, ["done", "erred"]);
  assert.equal(done.state, "done", done.error_message);
  assert.equal(accounts().filter((a) => a.startsWith(`${res.backend_id}|`)).length, 0);
  // Its users are not left without a default account: moved to another of theirs, or removed
  // from accounting when this was their only one.
  const left = slurm.run("sacctmgr", ["-n", "-p", "show", "user", f.customer.username, "format=user,defaultaccount"]).trim();
  if (left !== "") {
    const def = left.split("|")[1] ?? "";
    assert.ok(def !== "" && def !== res.backend_id, `user ${f.customer.username} has a live default account: ${left}`);
  }
});

test("a backend refusing the credentials errs the order with its message; the resource is Erred", async () => {
  const f = await fixture("not-a-valid-jwt");
  const created = await order(f, { cpu: 10, ram: 10 });
  const erred = await waitOrder(f.customer, created.uuid, ["done", "erred"]);
  assert.equal(erred.state, "erred");
  assert.match(erred.error_message, /slurmrestd/);
  const res = await f.customer.expect(200, f.customer.get(`/api/marketplace-resources/${created.marketplace_resource_uuid}/`));
  assert.equal(res.state, "Erred");
  assert.equal(res.error_message, erred.error_message);
});

/** A loopback proxy to slurmrestd that can hold responses back, to stop a consumer mid-provision. */
function holdingProxy(target: string) {
  let holding = false;
  let sawAccountCreate = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith("x-slurm-") || k === "content-type")) as Record<string, string>;
      const r = await fetch(target + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }).catch(() => null);
      const body = r ? Buffer.from(await r.arrayBuffer()) : Buffer.from("");
      if (req.method === "POST" && req.url?.endsWith("/accounts")) sawAccountCreate = true;
      if (holding && sawAccountCreate) return; // the backend did the work; the caller never hears back
      res.writeHead(r?.status ?? 502, { "content-type": "application/json" });
      res.end(body);
    });
  });
  return {
    server,
    hold: () => {
      holding = true;
    },
    get sawAccountCreate() {
      return sawAccountCreate;
    },
    listen: () => new Promise<string>((ok) => server.listen(0, "127.0.0.1", () => ok(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
  };
}

test("backend down: the queue retries, then the order errs as unreachable", async () => {
  await host.dispose();
  host = await startHost("http://127.0.0.1:9"); // discard port: connection refused
  const f = await fixture();
  const created = await order(f, { cpu: 10, ram: 10 });
  const erred = await waitOrder(f.customer, created.uuid, ["done", "erred"], 90_000);
  assert.equal(erred.state, "erred");
  assert.match(erred.error_message, /unreachable/);
});

test("a consumer killed after the backend acted but before D1 heard: the re-run neither loses nor duplicates", async () => {
  await host.dispose();
  const proxy = holdingProxy(slurm.env.SLURMRESTD_URL);
  const url = await proxy.listen();
  proxy.hold();
  host = await startHost(url, { VE_STUCK_ORDER_SECONDS: "0" });
  const f = await fixture();
  const created = await order(f, { cpu: 10, ram: 10 });
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${created.uuid}/approve_by_provider/`, {}));
  for (let i = 0; i < 200 && !proxy.sawAccountCreate; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(proxy.sawAccountCreate, "the consumer reached the backend");
  await new Promise((r) => setTimeout(r, 500));
  await host.dispose(); // the consumer dies mid-provision
  proxy.server.closeAllConnections();
  proxy.server.close();

  host = await startHost(slurm.env.SLURMRESTD_URL, { VE_STUCK_ORDER_SECONDS: "0" });
  const customer = new Api(host, f.customer.token);
  providerApi = new Api(host, f.provider.token);
  const before = await customer.expect(200, customer.get(`/api/marketplace-orders/${created.uuid}/`));
  assert.equal(before.state, "executing", "the order survived the restart unfinished");
  await cron(); // the sweep re-queues it
  const done = await waitOrder(customer, created.uuid, ["done", "erred"]);
  assert.equal(done.state, "done", done.error_message);
  const res = await customer.expect(200, customer.get(`/api/marketplace-resources/${created.marketplace_resource_uuid}/`));
  const mine = accounts().filter((a) => a.includes(created.marketplace_resource_uuid));
  assert.equal(mine.length, 1, `exactly one account for the resource: ${mine.join(", ")}`);
  assert.ok(mine[0]!.startsWith(`${res.backend_id}|`));
});

async function allocation(f: Fixture): Promise<Json> {
  const created = await order(f, { cpu: 1000, ram: 1000 });
  const done = await waitOrder(f.customer, created.uuid, ["done", "erred"]);
  assert.equal(done.state, "done", done.error_message);
  return f.customer.expect(200, f.customer.get(`/api/marketplace-resources/${created.marketplace_resource_uuid}/`));
}

async function waitJob(api: Api, uuid: string, parts: number): Promise<Json> {
  for (let i = 0; i < 240; i++) {
    await api.expect(202, api.post(`/api/slurm-jobs/${uuid}/pull/`, {}));
    const j = await api.expect(200, api.get(`/api/slurm-jobs/${uuid}/`));
    if (["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"].includes(j.runtime_state) && j.report.length === parts) return j;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`job ${uuid} did not finish with ${parts} output parts`);
}

test("HPC jobs: library workloads and a custom script run on the allocation; state and output come back", async () => {
  await host.dispose();
  host = await startHost(slurm.env.SLURMRESTD_URL);
  const f = await fixture();
  const res = await allocation(f);
  const api = f.customer;
  const submit = (b: Json) => api.post("/api/slurm-jobs/", { resource: res.url, ...b });

  const batch = await api.expect(201, submit({ name: "primes", workload: "batch", parameters: { n: 25 } }));
  assert.equal(batch.state, "OK", batch.error_message);
  assert.match(batch.backend_id, /^\d+$/);
  const mpi = await api.expect(201, submit({ name: "ranks", workload: "mpi", parameters: { tasks: 2 } }));
  const arr = await api.expect(201, submit({ name: "squares", workload: "array", parameters: { array_size: 3 } }));
  const custom = await api.expect(201, submit({ name: "mine", file: 'echo "hello from $SLURM_JOB_ACCOUNT"; exit 3' }));

  const b = await waitJob(api, batch.uuid, 1);
  assert.equal(b.runtime_state, "COMPLETED");
  assert.deepEqual(b.report, [{ part: 0, exit_code: 0, output: "prime #25 is 97\n" }]);
  const m = await waitJob(api, mpi.uuid, 1);
  assert.equal(m.report[0].output, `rank 0 of 2 on ${os.hostname()}\nrank 1 of 2 on ${os.hostname()}\n`);
  const a = await waitJob(api, arr.uuid, 3);
  assert.deepEqual(
    a.report.map((p: Json) => p.output),
    ["array task 0 of 3: square is 0\n", "array task 1 of 3: square is 1\n", "array task 2 of 3: square is 4\n"],
  );
  const cst = await waitJob(api, custom.uuid, 1);
  assert.equal(cst.runtime_state, "FAILED");
  assert.deepEqual(cst.report, [{ part: 0, exit_code: 3, output: `hello from ${res.backend_id}\n` }]);
  assert.equal(cst.script_sha256.length, 64);

  // Listed for the project's members; unknown to others.
  const list = await api.expect(200, api.get("/api/slurm-jobs/"));
  assert.deepEqual(new Set(list.map((j: Json) => j.uuid)), new Set([batch.uuid, mpi.uuid, arr.uuid, custom.uuid]));
  assert.equal(list[0].report, null, "lists do not carry the output");
  const stranger = await userApi(host);
  await stranger.expect(404, stranger.get(`/api/slurm-jobs/${batch.uuid}/`));
  assert.deepEqual(await stranger.expect(200, stranger.get("/api/slurm-jobs/")), []);
  await stranger.expect(404, stranger.post("/api/slurm-jobs/", { resource: res.url, name: "x", workload: "batch" }));

  // Output is stored sealed: nothing readable in R2.
  const objects = await host.blobs.list({ prefix: `slurm-jobs/${batch.uuid}/` });
  assert.equal(objects.objects.length, 1);
  const raw = await (await host.blobs.get(objects.objects[0]!.key))!.text();
  assert.ok(!raw.includes("prime"), "R2 holds ciphertext only");

  // Delete cancels and forgets the job.
  const sleeper = await api.expect(201, submit({ name: "sleeper", file: "sleep 120" }));
  await api.expect(204, api.delete(`/api/slurm-jobs/${sleeper.uuid}/`));
  await api.expect(404, api.get(`/api/slurm-jobs/${sleeper.uuid}/`));
  for (let i = 0; i < 40; i++) {
    const st = slurm.run("sacct", ["-n", "-X", "-P", "-j", sleeper.backend_id, "-o", "state"]).trim();
    if (st.startsWith("CANCELLED")) break;
    assert.ok(i < 39, `job ${sleeper.backend_id} was cancelled (${st})`);
    await new Promise((r) => setTimeout(r, 250));
  }
});

test("HPC jobs: bad input is refused with the field named; output needs the job's own token", async () => {
  const f = await fixture();
  const res = await allocation(f);
  const api = f.customer;
  const bad = async (b: Json, field: string) => {
    const r = await api.post("/api/slurm-jobs/", b);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.ok(field in r.body, `${field} named in ${JSON.stringify(r.body)}`);
  };
  await bad({ name: "x", resource: res.url }, "workload");
  await bad({ name: "x", resource: res.url, workload: "batch", file: "echo hi" }, "file");
  await bad({ name: "x", resource: res.url, workload: "custom" }, "file");
  await bad({ name: "x", resource: res.url, workload: "fortran" }, "workload");
  await bad({ name: "x", resource: res.url, workload: "array", parameters: { array_size: 1000 } }, "parameters");
  await bad({ name: "x", resource: res.url, workload: "batch", time_limit: -1 }, "time_limit");
  await bad({ resource: res.url, workload: "batch" }, "name");
  await bad({ name: "x", resource: "not-a-link", workload: "batch" }, "resource");
  await api.expect(404, api.post("/api/slurm-jobs/", { name: "x", resource: "0".repeat(32), workload: "batch" }));

  const job = await api.expect(201, api.post("/api/slurm-jobs/", { name: "x", resource: res.url, file: "sleep 30" }));
  const out = (token: string, q = "part=0&exit_code=0") =>
    host.fetch(`/api/slurm-jobs/${job.uuid}/set_output/?${q}`, { method: "POST", headers: { "X-VE-Job-Token": token }, body: "forged" });
  assert.equal((await out("")).status, 404);
  assert.equal((await out("a".repeat(64))).status, 404);
  await api.expect(204, api.delete(`/api/slurm-jobs/${job.uuid}/`));

  // A blocked allocation takes no jobs.
  const upd = await api.expect(200, api.post(`/api/marketplace-resources/${res.uuid}/update_limits/`, { limits: { cpu: 0, ram: 0 } }));
  assert.equal((await waitOrder(api, upd.order_uuid, ["done", "erred"])).state, "done");
  await cron();
  const r = await api.post("/api/slurm-jobs/", { name: "x", resource: res.url, workload: "batch" });
  assert.equal(r.status, 400);
  assert.match(JSON.stringify(r.body), /blocked|reached/);
});
