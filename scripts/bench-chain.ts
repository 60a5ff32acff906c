// npm run bench:chain [-- --n 2000 --batch 250]
// Starts a throwaway single-validator localnet (temp home, free ports), then in the same run:
//  1. baseline: N plain bank sends through the sender's own path — the same key handling and
//     signing (walletFromMnemonic), consecutive local sequences, broadcast_tx_sync in batches of
//     `batch` with at most 2 × batch unconfirmed, confirmation from subscribeBlocks — minus D1;
//  2. bridge: N create-order records written to a D1 outbox and sent by ChainSender through x/authz
//     MsgExec (one order per tx), the sender running inside workerd as in production. (Run from
//     node, every D1 call goes through Miniflare's synchronous proxy, which blocks the event loop —
//     17% of the client's time in a profile — and measures the proxy, not the bridge.)
// Prints included tx/s (first broadcast → last inclusion seen, signing included), confirmation
// latency (broadcast accepted → block seen) p50/p99 in ms and in blocks, and CPU per tx of the
// bench process and the node; the last line is key=value pairs with ratio = bridge / bank tx/s.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { D1Database } from "@cloudflare/workers-types";
import { toHex } from "@cosmjs/encoding";
import { accountFromAny, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { drizzle } from "drizzle-orm/d1";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { chainRecords, cometClient, makeRegistry, outboxInsert, type RoundReport, walletFromMnemonic } from "../src/bridge/chain/index.ts";
import { type ChainBlock, subscribeBlocks } from "../src/bridge/chain/subscribe.ts";
import * as schema from "../src/db/schema/index.ts";
import { startChain } from "../test/helpers/chain.ts";
import { ROOT } from "./lib/build-worker.ts";
import { applyMigrations } from "./lib/migrations.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "2000" }, batch: { type: "string", default: "250" } } });
const N = Number(values.n);
const BATCH = Number(values.batch);
if (!Number.isSafeInteger(N) || N < 1 || !Number.isSafeInteger(BATCH) || BATCH < 1) throw new Error("--n and --batch must be positive integers");

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};

/** The Worker that drains the outbox in the bench: returns the rounds and when each tx left. */
const BENCH_WORKER = `
import { drizzle } from "drizzle-orm/d1";
import { ChainSender } from "./src/bridge/chain/sender.ts";
export default {
  async fetch(req, env) {
    const cfg = await req.json();
    const sent = [];
    try {
      const sender = await ChainSender.create(drizzle(env.DB), { ...cfg, hooks: { onTx(ev, hash, at) { if (ev === "broadcast") sent.push([hash, at]); } } });
      const reports = await sender.drain({ deadlineMs: cfg.deadlineMs });
      sender.disconnect();
      return Response.json({ reports, sent });
    } catch (e) {
      return Response.json({ error: String((e && e.stack) || e) }, { status: 500 });
    }
  },
};`;

async function startBridgeWorker(): Promise<{ mf: Miniflare; d1: D1Database }> {
  const out = await build({
    stdin: { contents: BENCH_WORKER, resolveDir: ROOT, loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:*"],
    logLevel: "silent",
  });
  const mf = new Miniflare({ modules: true, script: out.outputFiles[0]?.text as string, compatibilityDate: "2025-09-01", d1Databases: { DB: "bench-chain" } });
  await mf.ready;
  const d1 = (await mf.getD1Database("DB")) as unknown as D1Database;
  await applyMigrations(d1);
  return { mf, d1 };
}

/** CPU time (ms) used so far by this process and by the node: where the time per tx goes. */
function cpu(nodePid: number) {
  const u = process.cpuUsage();
  // /proc/<pid>/stat fields 14 and 15: user and system time in clock ticks (100 Hz).
  const f = readFileSync(`/proc/${nodePid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return { client: (u.user + u.system) / 1000, node: (Number(f[11]) + Number(f[12])) * 10 };
}
const cpuLine = (name: string, a: ReturnType<typeof cpu>, b: ReturnType<typeof cpu>, n: number, note = "") =>
  console.log(`${name.padEnd(7)} cpu per included tx: bench process ${((b.client - a.client) / n).toFixed(2)} ms, node ${((b.node - a.node) / n).toFixed(2)} ms${note}`);

/** Per-tx timings from one block feed: when each tx left, and the block that held it. */
class Timings {
  readonly sent = new Map<string, { at: number; height: number }>();
  /** Every tx the feed saw (the bridge's list of sent txs only arrives at the end). */
  readonly included = new Map<string, { at: number; height: number; code: number }>();
  /** Arrival time of each block, to tell which height was the latest when a tx left. */
  private readonly arrivals: { at: number; height: number }[] = [];

  constructor(private readonly startHeight: number) {}

  onBlock(b: ChainBlock) {
    const at = Date.now();
    this.arrivals.push({ at, height: b.height });
    for (const tx of b.txs) this.included.set(tx.hash, { at, height: b.height, code: tx.code });
  }

  onSent(hash: string, at = Date.now()) {
    let height = this.startHeight;
    for (const a of this.arrivals) if (a.at <= at) height = a.height;
    this.sent.set(hash, { at, height });
  }

  get pending() {
    let n = 0;
    for (const h of this.sent.keys()) if (!this.included.has(h)) n++;
    return n;
  }

  summarize(name: string) {
    const ms: number[] = [];
    const blocks: number[] = [];
    let ok = 0;
    let bad = 0;
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    for (const [hash, s] of this.sent) {
      first = Math.min(first, s.at);
      const d = this.included.get(hash);
      if (!d) continue;
      if (d.code === 0) ok++;
      else bad++;
      last = Math.max(last, d.at);
      ms.push(d.at - s.at);
      blocks.push(d.height - s.height);
    }
    const seconds = (last - first) / 1000;
    const r = { tps: ok / seconds, ok, p50: pct(ms, 50), p99: pct(ms, 99), p50Blocks: pct(blocks, 50), p99Blocks: pct(blocks, 99), failed: bad };
    console.log(
      `${name.padEnd(7)} included ${ok}/${N} in ${seconds.toFixed(1)} s: ${r.tps.toFixed(1)} tx/s; confirmation p50 ${r.p50} ms (${r.p50Blocks} blocks), p99 ${r.p99} ms (${r.p99Blocks} blocks); failed in block ${r.failed}`,
    );
    return r;
  }
}

async function main() {
  console.log(`starting a localnet (N=${N}, batch ${BATCH})…`);
  const { chain, stop } = await startChain();
  const { mf, d1 } = await startBridgeWorker();
  const db = drizzle(d1, { schema });
  const comet = cometClient(chain.rpcUrl);
  try {
    const status = await comet.status();
    const chainId = status.nodeInfo.network;
    const nodePid = Number(readFileSync(path.join(chain.home, "virtengined.pid"), "utf8"));

    // ---------------------------------------------------------------- baseline: bank sends
    const cpu0 = cpu(nodePid);
    const bankStart = status.syncInfo.latestBlockHeight;
    const bank = new Timings(bankStart);
    const bankFeed = subscribeBlocks({ rpcUrl: chain.rpcUrl, fromHeight: bankStart + 1 }, (b) => bank.onBlock(b));
    const acct = chain.accounts.customer2 as { address: string; mnemonic: string };
    const signer = await SigningStargateClient.offline(await walletFromMnemonic(acct.mnemonic, chain.prefix), { registry: makeRegistry() });
    const { accountNumber, sequence } = accountFromAny((await chain.query.auth.account(acct.address)) as never);
    const to = chain.accounts.customer1?.address as string;
    const fee = { amount: [{ denom: "uve", amount: "0" }], gas: "200000" };
    let bankRefused = 0;
    const waitBelow = async (n: number) => {
      while (bank.pending >= n) await new Promise((r) => setTimeout(r, 20));
    };
    for (let i = 0; i < N; i += BATCH) {
      const batch: Uint8Array[] = [];
      for (let j = i; j < Math.min(N, i + BATCH); j++) {
        const msg = { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: acct.address, toAddress: to, amount: [{ denom: "uve", amount: "1" }] } };
        const raw = await signer.sign(acct.address, [msg], fee, "", { accountNumber, sequence: Number(sequence) + j, chainId });
        batch.push(TxRaw.encode(raw).finish());
      }
      for (const tx of batch) {
        const r = await comet.broadcastTxSync({ tx });
        if (r.code !== 0) bankRefused++;
        else bank.onSent(toHex(r.hash).toUpperCase());
      }
      await waitBelow(2 * BATCH);
    }
    await waitBelow(1);
    await bankFeed.unsubscribe();
    const bankR = bank.summarize("bank");
    cpuLine("bank", cpu0, cpu(nodePid), bankR.ok);
    if (bankRefused) console.log(`bank: ${bankRefused} refused at CheckTx`);

    // ---------------------------------------------------------------- bridge: create-order records
    const drainInWorker = async (extra: Record<string, unknown>) => {
      const res = await mf.dispatchFetch("http://bench/drain", {
        method: "POST",
        body: JSON.stringify({ rpcUrl: chain.rpcUrl, mnemonic: chain.bridge.mnemonic, prefix: chain.prefix, ...extra }),
      });
      const body = (await res.json()) as { reports: RoundReport[]; sent: [string, number][]; error?: string };
      if (res.status !== 200) throw new Error(`bench worker: ${body.error}`);
      return body;
    };
    const offeringUuid = crypto.randomUUID();
    const offering = chainRecords.offeringCreated({
      offeringUuid,
      provider: chain.accounts.provider?.address as string,
      category: "vm",
      offeringType: "bench",
      plans: [{ name: "small", components: [{ component: "cores", billing: "fixed", priceUve: 1 }] }],
    });
    await db.batch([outboxInsert(db, offering)]);
    await drainInWorker({ deadlineMs: 60_000 });
    const customer = chain.accounts.customer1?.address as string;
    const inserts = Array.from({ length: N }, () =>
      outboxInsert(db, chainRecords.orderCreated({ orderUuid: crypto.randomUUID(), customer, offering: { ref: offeringUuid }, plan: "small", limits: [{ component: "cores", amount: 1 }], depositUve: 1_000_000 })),
    );
    for (let i = 0; i < inserts.length; i += 100) await db.batch(inserts.slice(i, i + 100) as never);

    const cpu1 = cpu(nodePid);
    const bridgeStart = (await comet.status()).syncInfo.latestBlockHeight;
    const bridge = new Timings(bridgeStart);
    const bridgeFeed = subscribeBlocks({ rpcUrl: chain.rpcUrl, fromHeight: bridgeStart + 1 }, (b) => bridge.onBlock(b));
    const { reports, sent } = await drainInWorker({ batchSize: BATCH, confirmTimeoutMs: 60_000, deadlineMs: 600_000 });
    for (const [hash, at] of sent) bridge.onSent(hash, at);
    // The bench's own feed may be a moment behind the sender's.
    for (let i = 0; i < 50 && bridge.pending > 0; i++) await new Promise((r) => setTimeout(r, 100));
    await bridgeFeed.unsubscribe();
    const failed = reports.reduce((a, r) => a + r.failed, 0);
    const transient = reports.find((r) => r.transient)?.transient;
    console.log(`bridge: ${reports.length} rounds${transient ? `; first transient problem: ${transient}` : ""}`);
    const bridgeR = bridge.summarize("bridge");
    cpuLine("bridge", cpu1, cpu(nodePid), bridgeR.ok, " (the sender itself runs in workerd)");
    const ratio = bridgeR.tps / bankR.tps;
    console.log(
      `n=${N} batch=${BATCH} bank_tps=${bankR.tps.toFixed(1)} bank_p50_ms=${bankR.p50} bank_p99_ms=${bankR.p99} bank_p99_blocks=${bankR.p99Blocks} bridge_tps=${bridgeR.tps.toFixed(1)} bridge_included=${bridgeR.ok} bridge_p50_ms=${bridgeR.p50} bridge_p99_ms=${bridgeR.p99} bridge_p99_blocks=${bridgeR.p99Blocks} bridge_failed=${failed} ratio=${ratio.toFixed(2)}`,
    );
  } finally {
    comet.disconnect();
    await mf.dispose();
    await stop();
  }
}

await main();
