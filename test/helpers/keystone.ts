// The real Keystone (infra/keystone/up.sh, Debian's packages on sqlite): started once per test
// file, reused when it is already running, stopped at the end only by the file that started it.
// up.sh also registers the compute/network/volumev3/image catalog entries at OS_SERVICES_URL, where
// test/servers/openstack-test-server.ts listens.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { after, before } from "node:test";
import { ROOT } from "../../scripts/lib/worker-host.ts";

export interface KeystoneEnv {
  KEYSTONE_URL: string;
  OS_REGION_NAME: string;
  OS_SERVICES_URL: string;
  OS_ADMIN_USERNAME: string;
  OS_ADMIN_PASSWORD: string;
  OS_ADMIN_PROJECT: string;
  OS_SERVICE_PROJECT: string;
  OS_SERVICE_PROJECT_ID: string;
  OS_DEMO_USERNAME: string;
  OS_DEMO_PASSWORD: string;
  OS_ADMIN_APP_CRED_ID: string;
  OS_ADMIN_APP_CRED_SECRET: string;
  OS_DEMO_APP_CRED_ID: string;
  OS_DEMO_APP_CRED_SECRET: string;
}

const UP = path.join(ROOT, "infra/keystone/up.sh");
const DOWN = path.join(ROOT, "infra/keystone/down.sh");

export function useKeystone(opts: { servicesUrl?: string } = {}): { readonly env: KeystoneEnv } {
  let env: KeystoneEnv | undefined;
  let startedHere = false;
  before(() => {
    // stdout carries the exports (secrets included), stderr the log: kept apart, never printed.
    const log = execFileSync("bash", ["-c", `bash ${UP} 2>&1 1>/tmp/ve-keystone-env.$$; echo "---"; cat /tmp/ve-keystone-env.$$; rm -f /tmp/ve-keystone-env.$$`], {
      encoding: "utf8",
      timeout: 180_000,
      env: { ...process.env, ...(opts.servicesUrl ? { OS_SERVICES_URL: opts.servicesUrl } : {}) },
    });
    const [stderr, stdout] = log.split("---\n");
    startedHere = !stderr!.includes("already up");
    if (!stdout!.includes("export KEYSTONE_URL=")) throw new Error(`infra/keystone/up.sh failed:\n${stderr}`);
    env = Object.fromEntries([...stdout!.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]])) as unknown as KeystoneEnv;
  });
  after(() => {
    if (startedHere && !process.env.VE_KEEP_KEYSTONE) execFileSync("bash", [DOWN], { stdio: "ignore", timeout: 60_000 });
  });
  return {
    get env() {
      if (!env) throw new Error("Keystone not started");
      return env;
    },
  };
}
