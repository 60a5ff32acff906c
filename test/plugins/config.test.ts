// Plugins are chosen by configuration; a wrong configuration stops `npm start` before anything
// runs, naming the plugin and the field.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import "../../src/plugins/builtin.ts";
import { checkPluginConfig, PLUGINS } from "../../src/plugins/registry.ts";
import { ROOT } from "../../scripts/lib/worker-host.ts";

test("the backends are registered under their names", () => {
  assert.deepEqual([...PLUGINS.keys()].sort(), ["kubernetes", "openstack", "slurm", "waldur"]);
  assert.ok(PLUGINS.get("waldur")!.offeringTypes.includes("Waldur.RemoteOffering"));
  assert.ok(PLUGINS.get("slurm")!.offeringTypes.includes("Marketplace.Slurm"));
  assert.ok(PLUGINS.get("openstack")!.offeringTypes.includes("OpenStack.Instance"));
});

test("config problems name the entry, the plugin and the field", () => {
  assert.deepEqual(checkPluginConfig(undefined), []);
  const good = { plugin: "slurm", offering_types: ["Marketplace.Slurm"], settings: { slurmrestd_url: "http://127.0.0.1:6820", user_name: "root", token: { $secret: "jwt" }, cluster_name: "c1" } };
  assert.deepEqual(checkPluginConfig(JSON.stringify({ plugins: [good] })), []);
  const noUrl = checkPluginConfig(JSON.stringify({ plugins: [{ ...good, settings: { ...good.settings, slurmrestd_url: "ftp://x" } }] }));
  assert.match(noUrl.join(), /plugins\.0: plugin "slurm" settings\.slurmrestd_url/);
  assert.match(checkPluginConfig(JSON.stringify({ plugins: [{ ...good, plugin: "nomad" }] })).join(), /plugins\.0\.plugin: unknown plugin "nomad"/);
  assert.match(checkPluginConfig(JSON.stringify({ plugins: [{ ...good, offering_types: ["OpenStack.Volume"] }] })).join(), /does not serve OpenStack\.Volume/);
  assert.match(checkPluginConfig("{not json").join(), /not valid JSON/);
});

test("npm start refuses a wrong plugin configuration before starting anything", () => {
  const bad = JSON.stringify({ plugins: [{ plugin: "kubernetes", offering_types: ["Kubernetes.Namespace"], settings: { token: "t" } }] });
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/start.ts")], {
    cwd: ROOT,
    env: { ...process.env, VE_PLUGINS: bad, VE_CHAIN: "off", PORT: "0" },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /refusing to start: the plugin configuration is wrong/);
  assert.match(r.stderr, /plugin "kubernetes" settings\.api_url/);
});
