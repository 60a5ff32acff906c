// `npm start` with the chain: the localnet comes up, the Worker gets the bridge, the demo users
// have the localnet wallets, and a demo order placed through the API appears on chain.
// Its own chain home, state directory and ports (19150-19159), so it never meets another start.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../../scripts/lib/worker-host.ts";
import { cometClient, OrderState, queryClient } from "../../src/bridge/chain/index.ts";

const PORT = 19150;
const RPC = 19151;

function start(env: Record<string, string>): Promise<{ child: ChildProcess; out: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/start.ts")], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`start did not come up:\n${out}`)), 10 * 60_000);
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes("Ctrl-C to stop.")) {
        clearTimeout(timer);
        resolve({ child, out: () => out });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (!out.includes("Ctrl-C")) reject(new Error(`start exited ${code}:\n${out}`));
    });
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null) return r();
    child.on("exit", () => r());
    child.kill("SIGINT");
  });

async function api(token: string, method: string, p: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${PORT}${p}`, {
    method,
    headers: { Authorization: `Token ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

test("npm start with the chain: a demo order placed through the API appears on chain", async () => {
  const state = mkdtempSync(path.join(tmpdir(), "ve-start-state-"));
  const home = mkdtempSync(path.join(tmpdir(), "ve-start-chain-"));
  rmSync(home, { recursive: true, force: true }); // the localnet initializes a home that does not exist yet
  let child: ChildProcess | undefined;
  try {
    const started = await start({
      PORT: String(PORT),
      VE_STATE_DIR: state,
      VE_CHAIN_HOME: home,
      VE_CHAIN_RPC_PORT: String(RPC),
      VE_CHAIN_GRPC_PORT: "19152",
      VE_CHAIN_API_PORT: "19153",
      VE_CHAIN_P2P_PORT: "19154",
    });
    child = started.child;
    const out = started.out();
    assert.match(out, /chain bridge: account virtengine1[0-9a-z]+/, out);
    assert.doesNotMatch(out, /chain bridge off/);
    const alice = out.match(/user:\s+alice .* token ([0-9a-f]{40})\s+wallet (virtengine1[0-9a-z]+)/);
    assert.ok(alice, out);
    const [, token, wallet] = alice;
    const me = await api(token!, "GET", "/api/users/me/");
    assert.equal(me.body.wallet_address, wallet);

    const offerings = (await api(token!, "GET", "/api/marketplace-public-offerings/?name_exact=Expert%20support")).body;
    const offering = offerings[0];
    assert.ok(offering, "the demo support offering");
    const project = (await api(token!, "GET", "/api/projects/?name_exact=Genome%20pipeline")).body[0];
    const plans = (await api(token!, "GET", `/api/marketplace-public-offerings/${offering.uuid}/plans/`)).body;
    const placed = await api(token!, "POST", "/api/marketplace-orders/", {
      offering: offering.url,
      project: project.url,
      plan: plans[0].url,
      attributes: { name: "demo-support" },
    });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));

    let view: { chain_state: string | null; chain_id: string | null } = placed.body;
    const until = Date.now() + 90_000;
    while (view.chain_state !== "pending_provider" && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 1000));
      view = (await api(token!, "GET", `/api/marketplace-orders/${placed.body.uuid}/`)).body;
    }
    assert.equal(view.chain_state, "pending_provider", JSON.stringify(view));
    const comet = cometClient(`http://127.0.0.1:${RPC}`);
    try {
      const order = await queryClient(comet).market.order(BigInt(view.chain_id!));
      assert.equal(order.customer, wallet);
      assert.equal(order.state, OrderState.PENDING_PROVIDER);
    } finally {
      comet.disconnect();
    }
  } finally {
    if (child) await stop(child);
    rmSync(state, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
});
