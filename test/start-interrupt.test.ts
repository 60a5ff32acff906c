// Ctrl-C while `npm start` is still coming up (waiting for the chain localnet) stops everything it
// started. Found by the README start QA: before Miniflare installs its SIGINT hook, Node's default
// SIGINT ended the process without an "exit" event, so the localnet (its own process group) kept
// running with the chain's ports taken.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT } from "../scripts/lib/worker-host.ts";

/** Pids of live processes whose command line mentions `needle` (our throwaway chain home). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // A zombie already exited; only its parent's wait is missing.
      if (cmd.includes(needle) && !/\) Z /.test(stat)) out.push(Number(entry));
    } catch {
      // the process ended while being read
    }
  }
  return out;
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

test("Ctrl-C while npm start waits for the chain stops the localnet too", { skip: !existsSync(path.join(ROOT, "chain", "scripts", "localnet.sh")) }, async () => {
  const home = mkdtempSync(path.join(tmpdir(), "ve-start-int-chain-"));
  const state = mkdtempSync(path.join(tmpdir(), "ve-start-int-state-"));
  // The terminal's Ctrl-C goes to the whole foreground process group: run start.ts as a group leader.
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/start.ts")], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: "19665",
      VE_STATE_DIR: state,
      VE_CHAIN_HOME: home,
      VE_CHAIN_RPC_PORT: "19661",
      VE_CHAIN_GRPC_PORT: "19662",
      VE_CHAIN_API_PORT: "19663",
      VE_CHAIN_P2P_PORT: "19664",
    },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code, signal) => r(code ?? (signal ? -1 : null))));
  try {
    await until("start.ts to wait for the chain", () => out.includes("waiting for the chain"), 120_000);
    // The node itself running from our home: the state a person sees during the first minutes.
    await until("virtengined to start", () => processesMentioning(home).some((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("virtengined\0start")), 300_000);
    assert.ok(!out.includes("Ctrl-C to stop."), "interrupted before start finished");
    process.kill(-child.pid!, "SIGINT");
    const code = await Promise.race([exited, sleep(30_000).then(() => "still running")]);
    assert.notEqual(code, "still running", `start.ts did not exit on Ctrl-C:\n${out}`);
    await until("the localnet to stop", () => processesMentioning(home).length === 0, 30_000).catch(() => {
      assert.fail(`processes left running after Ctrl-C: ${processesMentioning(home).join(", ")}\n${out}`);
    });
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    for (const pid of processesMentioning(home)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(home, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
});
