// The real waldur-site-agent (PyPI, with its SLURM plugin) against our API and a real SLURM with
// accounting: it picks up the order, creates the SLURM account for real, finishes the order,
// reports usage from slurmdbd, and carries out the termination.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../../scripts/lib/worker-host.ts";
import { userApi } from "../helpers/api.ts";
import { createOffering, createProvider } from "../helpers/catalog.ts";
import { useSlurm } from "../helpers/slurm.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();
const slurm = useSlurm();
const python = path.join(ROOT, ".venv", "bin", "python");

function agentConfig(apiUrl: string, token: string, offeringUuid: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ve-agent-"));
  const file = path.join(dir, "waldur-site-agent-config.yaml");
  writeFileSync(
    file,
    `timezone: UTC
offerings:
  - name: VirtEngine SLURM
    waldur_api_url: ${apiUrl}/api/
    waldur_api_token: ${token}
    waldur_offering_uuid: ${offeringUuid}
    backend_type: slurm
    order_processing_backend: slurm
    reporting_backend: slurm
    membership_sync_backend: slurm
    username_management_backend: base
    backend_settings:
      default_account: root
      customer_prefix: "c_"
      project_prefix: "p_"
      allocation_prefix: "a_"
      enable_user_homedir_account_creation: false
      check_backend_id_uniqueness: false
    backend_components:
      cpu:
        limit: 100
        measured_unit: cpu-minutes
        unit_factor: 1
        accounting_type: usage
        label: CPU
`,
  );
  return file;
}

/** One agent cycle, run asynchronously: the test's own HTTP client keeps its connections alive meanwhile. */
function cycle(config: string, mode: "order_process" | "report" | "membership_sync"): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [path.join(ROOT, "test/waldur-clients/site_agent_cycle.py"), config, mode], {
      env: { ...process.env, SLURM_CONF: slurm.env.SLURM_CONF, PATH: `/usr/sbin:/usr/bin:${process.env.PATH}` },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      // The agent's own log, kept for reading when an assertion below fails.
      writeFileSync(path.join(ROOT, ".run", `site-agent-${mode}.log`), out, { flag: "a" });
      if (code === 0) resolve(out);
      else reject(new Error(`agent ${mode} exited ${code}:\n${out.slice(-4000)}`));
    });
  });
}

const sacctmgr = (...args: string[]) => slurm.run("sacctmgr", ["--parsable2", "--noheader", ...args]);

test("site agent: order → SLURM account → done/OK → usage reported → termination removes the account", { timeout: 300_000 }, async () => {
  const f = await createProvider(w.host);
  const offering = await createOffering(f, {
    type: "Marketplace.Slurm",
    components: [{ type: "cpu", name: "CPU", measured_unit: "cpu-minutes", billing_type: "usage" }],
    plans: [{ name: "HPC", unit: "month", prices: { cpu: "0.02" } }],
    plugin_options: { service_provider_can_create_offering_user: true, username_generation_policy: "waldur_username" },
  });
  const customer = await userApi(w.host);
  const org = await customer.expect(201, customer.post("/api/customers/", { name: "Agent Lab" }));
  const project = await customer.expect(201, customer.post("/api/projects/", { name: "Simulations", customer: org.url }));
  const researcher = await userApi(w.host, "hpcuser1");
  await customer.expect(201, customer.post(`/api/projects/${project.uuid}/add_user/`, { role: "PROJECT.MEMBER", user: researcher.uuid }));
  const plans = await customer.expect(200, customer.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
  const order = await customer.expect(
    201,
    customer.post("/api/marketplace-orders/", {
      offering: `${w.host.url}/api/marketplace-public-offerings/${offering.uuid}/`,
      project: project.url,
      plan: plans[0].url,
      attributes: { name: "md-run" },
    }),
  );
  assert.equal(order.state, "pending-provider");
  const config = agentConfig(w.host.url, f.provider.token!, offering.uuid);

  await cycle(config, "order_process");
  const done = await f.provider.expect(200, f.provider.get(`/api/marketplace-orders/${order.uuid}/`));
  assert.equal(done.state, "done", JSON.stringify(done));
  const res = await customer.expect(200, customer.get(`/api/marketplace-resources/${order.marketplace_resource_uuid}/`));
  assert.equal(res.state, "OK");
  assert.ok(res.backend_id.startsWith("a_"), res.backend_id);
  const account = sacctmgr("show", "account", res.backend_id, "format=Account");
  assert.equal(account.trim(), res.backend_id, "the SLURM account exists");
  const idents = await f.provider.expect(200, f.provider.get(`/api/marketplace-site-agent-identities/?name=agent-${offering.uuid}`));
  assert.equal(idents.length, 1);
  assert.ok(idents[0].services.some((s: { name: string }) => s.name === "order_process"));

  // Membership sync: the agent reads the team and offering users, syncs associations, heartbeats.
  await cycle(config, "membership_sync");
  const synced = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-resources/${res.uuid}/?field=last_sync&field=state`));
  assert.equal(synced.state, "OK");
  assert.ok(synced.last_sync, "refresh_last_sync was called");
  const assoc = slurm.run("sacctmgr", ["--parsable2", "--noheader", "show", "assoc", `account=${res.backend_id}`, "format=User"]);
  assert.ok(assoc.split("\n").includes("hpcuser1"), `association for the project member: ${assoc}`);

  // Real work on the account, then the report cycle.
  sacctmgr("-i", "add", "user", "root", `account=${res.backend_id}`);
  const jobId = slurm.run("sbatch", ["--parsable", `--account=${res.backend_id}`, "-n", "2", "-o", "/dev/null", "--wrap", "sleep 6"]).trim();
  for (let i = 0; i < 60; i++) {
    const state = slurm.run("sacct", ["-n", "-X", "-P", "-j", jobId, "-o", "State"]).trim();
    if (state === "COMPLETED") break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await cycle(config, "report");
  const usages = await customer.expect(200, customer.get(`/api/marketplace-component-usages/?resource_uuid=${res.uuid}`));
  assert.equal(usages.length, 1, JSON.stringify(usages));
  assert.equal(usages[0].type, "cpu");
  assert.ok(Number(usages[0].usage) > 0, `usage ${usages[0].usage}`);

  const term = await customer.expect(200, customer.post(`/api/marketplace-resources/${res.uuid}/terminate/`, {}));
  await cycle(config, "order_process");
  const termOrder = await customer.expect(200, customer.get(`/api/marketplace-orders/${term.order_uuid}/`));
  assert.equal(termOrder.state, "done", JSON.stringify(termOrder));
  const gone = await customer.expect(200, customer.get(`/api/marketplace-resources/${res.uuid}/`));
  assert.equal(gone.state, "Terminated");
  assert.equal(sacctmgr("show", "account", res.backend_id, "format=Account").trim(), "", "the SLURM account is removed");
});
