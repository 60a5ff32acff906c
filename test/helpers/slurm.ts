// The real single-node SLURM cluster (infra/slurm/up.sh): started once per test file, reused when
// it is already running, stopped at the end only by the file that started it.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { after, before } from "node:test";
import { ROOT } from "../../scripts/lib/worker-host.ts";

export interface SlurmEnv {
  SLURM_CONF: string;
  SLURMRESTD_URL: string;
  SLURM_JWT: string;
  SLURM_USER_NAME: string;
}

const UP = path.join(ROOT, "infra/slurm/up.sh");
const DOWN = path.join(ROOT, "infra/slurm/down.sh");

export function useSlurm(): { readonly env: SlurmEnv; run(cmd: string, args: string[]): string } {
  let env: SlurmEnv | undefined;
  let startedHere = false;
  before(() => {
    const log = execFileSync("bash", ["-c", `bash ${UP} 2>&1 1>/tmp/ve-slurm-env.$$; echo "---"; cat /tmp/ve-slurm-env.$$; rm -f /tmp/ve-slurm-env.$$`], {
      encoding: "utf8",
      timeout: 120_000,
    });
    const [stderr, stdout] = log.split("---\n");
    startedHere = !stderr!.includes("already up");
    env = Object.fromEntries([...stdout!.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]])) as unknown as SlurmEnv;
  });
  after(() => {
    if (startedHere && !process.env.VE_KEEP_SLURM) execFileSync("bash", [DOWN], { stdio: "ignore", timeout: 60_000 });
  });
  return {
    get env() {
      if (!env) throw new Error("SLURM not started");
      return env;
    },
    run(cmd, args) {
      return execFileSync(cmd, args, { encoding: "utf8", env: { ...process.env, SLURM_CONF: env!.SLURM_CONF }, timeout: 60_000 });
    },
  };
}
