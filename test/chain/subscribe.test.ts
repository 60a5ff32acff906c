// The block feed against a real localnet: every height once, in order, with tx results and
// events, over the websocket, by polling, through a proxy that refuses websockets (fallback), and
// across a node restart (reconnect, no gap, no repeat).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { ROOT } from "../../scripts/lib/build-worker.ts";
import { type ChainBlock, type SubscriptionMode, subscribeBlocks } from "../../src/bridge/chain/subscribe.ts";
import { useChain } from "../helpers/chain.ts";

const run = promisify(execFile);
const ctx = useChain();
const fee = { amount: [{ denom: "uve", amount: "0" }], gas: "200000" };

/** Collects blocks until `until` holds (or the timeout), then stops the feed. */
async function collect(opts: Parameters<typeof subscribeBlocks>[0], until: (blocks: ChainBlock[]) => boolean, timeoutMs = 30_000) {
  const blocks: ChainBlock[] = [];
  const modes: SubscriptionMode[] = [];
  const errors: string[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const sub = subscribeBlocks({ ...opts, onMode: (m) => modes.push(m), onError: (e) => errors.push(e.message) }, (b) => {
    blocks.push(b);
    if (until(blocks)) done();
  });
  const timer = setTimeout(done, timeoutMs);
  await finished;
  clearTimeout(timer);
  const mode = sub.mode;
  await sub.unsubscribe();
  return { blocks, modes, mode, errors, sub };
}

function assertContiguous(blocks: ChainBlock[], from: number) {
  assert.deepEqual(
    blocks.map((b) => b.height),
    blocks.map((_, i) => from + i),
  );
}

async function sendTokens(amount: string) {
  const c = await ctx.chain.clientFor("customer2");
  try {
    const r = await c.sendTokens(ctx.chain.accounts.customer2?.address as string, ctx.chain.accounts.customer1?.address as string, [{ denom: "uve", amount }], fee, "subscribe-test");
    assert.equal(r.code, 0);
    return { hash: r.transactionHash, height: r.height };
  } finally {
    c.disconnect();
  }
}

/** The tx and its transfer event, as the feed delivered them. */
function findTx(blocks: ChainBlock[], hash: string) {
  for (const b of blocks) {
    const tx = b.txs.find((t) => t.hash === hash);
    if (tx) return { block: b, tx };
  }
  return null;
}

describe("subscribeBlocks", () => {
  test("websocket: catches up from a past height, then follows new blocks with their tx results", async () => {
    const sent = await sendTokens("7");
    const from = Math.max(1, sent.height - 2);
    const later = sendTokens("8");
    let second: { hash: string; height: number } | undefined;
    later.then((s) => {
      second = s;
    });
    const r = await collect({ rpcUrl: ctx.chain.rpcUrl, fromHeight: from }, (bs) => !!second && bs.some((b) => b.height >= (second?.height ?? 0)));
    assert.equal(r.mode, "websocket");
    assert.deepEqual(r.modes, ["websocket"]);
    assertContiguous(r.blocks, from);
    for (const s of [sent, second]) {
      const found = findTx(r.blocks, s?.hash as string);
      assert.ok(found, `tx ${s?.hash} delivered`);
      assert.equal(found.block.height, s?.height);
      assert.equal(found.tx.code, 0);
      assert.ok(found.tx.gasUsed > 0);
      const transfer = found.tx.events.find((e) => e.type === "transfer");
      assert.ok(transfer?.attributes.some((a) => a.key === "recipient" && a.value === ctx.chain.accounts.customer1?.address));
    }
    assert.deepEqual(r.errors, []);
  });

  test("polling only: the same blocks, the same order, the same results", async () => {
    const sent = await sendTokens("9");
    const from = sent.height - 1;
    const ws = await collect({ rpcUrl: ctx.chain.rpcUrl, fromHeight: from }, (bs) => bs.length >= 4);
    const poll = await collect({ rpcUrl: ctx.chain.rpcUrl, fromHeight: from, transport: "polling", pollMs: 100 }, (bs) => bs.length >= 4);
    assert.equal(poll.mode, "polling");
    assert.deepEqual(poll.modes, []);
    assertContiguous(poll.blocks, from);
    const strip = (bs: ChainBlock[]) => bs.map((b) => ({ ...b, txs: b.txs.map((t) => ({ ...t, tx: [...t.tx], data: [...t.data] })) }));
    assert.deepEqual(strip(poll.blocks), strip(ws.blocks));
    assert.equal(findTx(poll.blocks, sent.hash)?.tx.code, 0);
  });

  test("a node reached through a proxy without websocket support is polled", async () => {
    const upstream = new URL(ctx.chain.rpcUrl);
    // Forwards JSON-RPC, refuses websocket upgrades (as many HTTP proxies do).
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", async () => {
        const r = await fetch(new URL(req.url ?? "/", upstream), { method: req.method, body: req.method === "POST" ? Buffer.concat(chunks) : undefined, headers: { "content-type": "application/json" } });
        res.writeHead(r.status, { "content-type": "application/json" });
        res.end(Buffer.from(await r.arrayBuffer()));
      });
    });
    proxy.on("upgrade", (_req, socket) => socket.end("HTTP/1.1 403 Forbidden\r\n\r\n"));
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const port = (proxy.address() as { port: number }).port;
      const sentP = sendTokens("11");
      let sent: { hash: string; height: number } | undefined;
      sentP.then((s) => {
        sent = s;
      });
      const r = await collect({ rpcUrl: `http://127.0.0.1:${port}`, pollMs: 100, maxBackoffMs: 500 }, (bs) => !!sent && bs.some((b) => b.height >= (sent?.height ?? 0)));
      assert.equal(r.mode, "polling");
      assert.ok(!r.modes.includes("websocket"));
      assert.ok(r.blocks.length >= 1);
      assertContiguous(r.blocks, r.blocks[0]?.height as number);
      assert.equal(findTx(r.blocks, sent?.hash as string)?.tx.code, 0);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  test("the node restarts: the feed falls back to polling, reconnects, and misses no height", async () => {
    const chain = ctx.chain;
    const cfg = readFileSync(path.join(chain.home, "config/config.toml"), "utf8");
    const p2p = /\[p2p\][\s\S]*?\nladdr = "tcp:\/\/127\.0\.0\.1:(\d+)"/.exec(cfg)?.[1] as string;
    const env = {
      ...process.env,
      VE_CHAIN_HOME: chain.home,
      VE_CHAIN_RPC_PORT: new URL(chain.rpcUrl).port,
      VE_CHAIN_GRPC_PORT: String(chain.grpcPort),
      VE_CHAIN_API_PORT: new URL(chain.restUrl).port,
      VE_CHAIN_P2P_PORT: p2p,
    };
    const script = path.join(ROOT, "chain/scripts/localnet.sh");
    const blocks: ChainBlock[] = [];
    const modes: SubscriptionMode[] = [];
    const errors: string[] = [];
    const sub = subscribeBlocks({ rpcUrl: chain.rpcUrl, pollMs: 200, maxBackoffMs: 500, onMode: (m) => modes.push(m), onError: (e) => errors.push(e.message) }, (b) => {
      blocks.push(b);
    });
    try {
      const waitFor = async (cond: () => boolean, what: string, ms = 60_000) => {
        const end = Date.now() + ms;
        while (!cond()) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await waitFor(() => blocks.length >= 2 && sub.mode === "websocket", "blocks over the websocket");
      await run("bash", [script, "--stop"], { env, timeout: 60_000 });
      const beforeRestart = blocks.length;
      await waitFor(() => sub.mode === "polling", "the fallback to polling");
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(blocks.length - beforeRestart <= 1, "no blocks while the node is down");
      await run("bash", [script, "--detach"], { env, timeout: 5 * 60_000 });
      const sent = await sendTokens("13");
      await waitFor(() => blocks.some((b) => b.height >= sent.height) && sub.mode === "websocket", "the reconnect and a new tx");
      assertContiguous(blocks, blocks[0]?.height as number);
      assert.equal(findTx(blocks, sent.hash)?.tx.code, 0);
      assert.deepEqual(modes.slice(0, 3), ["websocket", "polling", "websocket"]);
      assert.ok(errors.length > 0, "the outage was reported");
    } finally {
      await sub.unsubscribe();
    }
  });
});
