// Waldur's own Python SDK drives a full provider/customer journey against the worker.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../../scripts/lib/worker-host.ts";
import { staffApi, userApi } from "../helpers/api.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();
const python = path.join(ROOT, ".venv", "bin", "python");

test("waldur-api-client: offering, order, approval, resource, usage, termination", async () => {
  assert.ok(existsSync(python), "the Python venv is missing: scripts/setup/30-python-venv.sh creates it");
  const staff = await staffApi(w.host);
  const provider = await userApi(w.host, "sdkprovider");
  const customer = await userApi(w.host, "sdkcustomer");
  const r = spawnSync(python, [path.join(ROOT, "test/waldur-clients/journey.py")], {
    env: {
      ...process.env,
      VE_API_URL: w.host.url,
      VE_STAFF_TOKEN: staff.token!,
      VE_PROVIDER_TOKEN: provider.token!,
      VE_CUSTOMER_TOKEN: customer.token!,
    },
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `journey failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /journey: ok/);
});
