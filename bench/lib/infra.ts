// The benchmarks' own handles on the real backends, without node:test (test/helpers/slurm.ts and
// keystone.ts hook before/after): run infra/*/up.sh, read its `export` lines, and remember whether
// this process started it so stop() only takes down what it brought up.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { ROOT } from "../../scripts/lib/worker-host.ts";

export interface Infra<E> {
  env: E;
  startedHere: boolean;
  stop(): void;
}

/** Runs an up.sh keeping its log (stderr) apart from its exports (stdout, secrets: never printed). */
function up(script: string, extraEnv: Record<string, string>, timeoutMs: number): { env: Record<string, string>; log: string } {
  const out = execFileSync("bash", ["-c", `bash ${script} 2>&1 1>/tmp/ve-bench-env.$$; echo "---"; cat /tmp/ve-bench-env.$$; rm -f /tmp/ve-bench-env.$$`], {
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, ...extraEnv },
  });
  const [log = "", stdout = ""] = out.split("---\n");
  const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  return { env, log };
}

export interface SlurmEnv {
  SLURM_CONF: string;
  SLURMRESTD_URL: string;
  SLURM_JWT: string;
}

const SLURM_BASE = "/tmp/ve-slurm";

/**
 * A running cluster's exports, as up.sh prints them. up.sh's own "already up" test wants the node
 * `idle`; while another run's job occupies it (mixed/allocated) up.sh would try to start a second
 * set of daemons and fail on munged's lock, so a live slurmctld is taken as up here first.
 */
function runningSlurm(): Record<string, string> | undefined {
  const conf = `${SLURM_BASE}/etc/slurm.conf`;
  try {
    const pid = Number(readFileSync(`${SLURM_BASE}/run/slurmctld.pid`, "utf8").trim());
    process.kill(pid, 0);
    const token = execFileSync("scontrol", ["token", "username=root", "lifespan=86400"], { encoding: "utf8", env: { ...process.env, SLURM_CONF: conf }, timeout: 30_000 });
    return { SLURM_CONF: conf, SLURMRESTD_URL: "http://127.0.0.1:6820", SLURM_JWT: token.trim().replace(/^SLURM_JWT=/, "") };
  } catch {
    return undefined;
  }
}

/** The shared single-node SLURM (infra/slurm/up.sh, BASE /tmp/ve-slurm): reused when up. */
export function upSlurm(): Infra<SlurmEnv> {
  const running = runningSlurm();
  if (running) return { env: running as unknown as SlurmEnv, startedHere: false, stop() {} };
  const { env, log } = up(path.join(ROOT, "infra/slurm/up.sh"), {}, 180_000);
  if (!env.SLURMRESTD_URL) throw new Error(`infra/slurm/up.sh failed:\n${log}`);
  const startedHere = !log.includes("already up");
  return {
    env: env as unknown as SlurmEnv,
    startedHere,
    stop() {
      if (startedHere) execFileSync("bash", [path.join(ROOT, "infra/slurm/down.sh")], { stdio: "ignore", timeout: 60_000 });
    },
  };
}

export interface KeystoneEnv {
  KEYSTONE_URL: string;
  OS_SERVICE_PROJECT_ID: string;
  OS_DEMO_APP_CRED_ID: string;
  OS_DEMO_APP_CRED_SECRET: string;
}

/**
 * A Keystone of the benchmark's own (its own BASE and port, default /tmp/ve-keystone-bench on
 * 5001), so its catalog can point at this run's OpenStack test server without disturbing a test
 * run that uses the shared one (/tmp/ve-keystone, catalog at :18774). State is kept between runs
 * (up.sh then skips the bootstrap); the process is stopped at the end if started here.
 */
export function upKeystone(servicesUrl: string, base: string, port: number): Infra<KeystoneEnv> {
  const vars = { BASE: base, KEYSTONE_PORT: String(port), OS_SERVICES_URL: servicesUrl };
  const { env, log } = up(path.join(ROOT, "infra/keystone/up.sh"), vars, 240_000);
  if (!env.KEYSTONE_URL) throw new Error(`infra/keystone/up.sh failed:\n${log}`);
  const startedHere = !log.includes("already up");
  return {
    env: env as unknown as KeystoneEnv,
    startedHere,
    stop() {
      if (startedHere) execFileSync("bash", [path.join(ROOT, "infra/keystone/down.sh")], { stdio: "ignore", timeout: 60_000, env: { ...process.env, BASE: base } });
    },
  };
}

/** True when nothing listens on 127.0.0.1:port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}
