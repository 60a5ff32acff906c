// npm run bench:chain [-- --n 2000 --batch 250]
// Starts a throwaway single-validator localnet (temp home, free ports), then in the same run:
//  1. baseline: N plain bank sends (1 uve from the bridge account, its own Msg: no x/authz);
//  2. bridge: N create-order records (one order per tx, through x/authz MsgExec);
// both written to the D1 outbox and sent by the same ChainSender — same signing, batches,
// broadcast_tx_sync pipeline, block feed and D1 bookkeeping — running inside workerd as in
// production. (Run from node, every D1 call goes through Miniflare's synchronous proxy, which
// blocks the event loop — 17% of the client's time in a profile — and measures the proxy.)
// Prints included tx/s (first broadcast → last inclusion seen, signing included), confirmation
// latency (broadcast accepted → block seen) p50/p99 in ms and in blocks, and CPU per tx of the
// bench process and the node; the last line is key=value pairs with ratio = bridge / bank tx/s.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { D1Database } from "@cloudflare/workers-types";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { chainRecords, cometClient, type OutboxRecord, type RoundReport } from "../src/bridge/chain/index.ts";
import type { ChainBlock } from "../src/bridge/chain/subscribe.ts";
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

/**
 * The Worker that drains the outbox in the bench. It returns the rounds and the sender's own
 * timings (when each tx left, when and in which block its feed saw it), so the bridge phase, like
 * the baseline, has exactly one block subscription: the node JSON-encodes every NewBlock event
 * once per subscriber (~12% of its CPU in a profile with two).
 */
const BENCH_WORKER = `
import { drizzle } from "drizzle-orm/d1";
import { ChainSender } from "./src/bridge/chain/sender.ts";
import { outboxInsert } from "./src/bridge/chain/outbox.ts";
export default {
  async fetch(req, env) {
    if (new URL(req.url).pathname === "/insert") {
      const db = drizzle(env.DB);
      const records = await req.json();
      for (let i = 0; i < records.length; i += 100) await db.batch(records.slice(i, i + 100).map((r) => outboxInsert(db, r)));
      return Response.json({ inserted: records.length });
    }
    const cfg = await req.json();
    const sent = [], confirmed = [], blocks = [];
    const hooks = {
      onTx(ev, hash, at, height) { if (ev === "broadcast") sent.push([hash, at]); else confirmed.push([hash, at, height]); },
      onBlock(height, at) { blocks.push([height, at]); },
    };
    try {
      const sender = await ChainSender.create(drizzle(env.DB), { ...cfg, hooks });
      const reports = await sender.drain({ deadlineMs: cfg.deadlineMs });
      sender.disconnect();
      return Response.json({ reports, sent, confirmed, blocks });
    } catch (e) {
      return Response.json({ error: String((e && e.stack) || e) }, { status: 500 });
    }
  },
};`;

async function startBridgeWorker(): Promise<{ mf: Miniflare }> {
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
  return { mf };
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

  onBlock(b: ChainBlock, at = Date.now()) {
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

  summarize(name: string, failedInBlock?: number) {
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
    const failed = failedInBlock ?? bad;
    const r = { tps: ok / seconds, ok, p50: pct(ms, 50), p99: pct(ms, 99), p50Blocks: pct(blocks, 50), p99Blocks: pct(blocks, 99), failed };
    console.log(
      `${name.padEnd(7)} included ${ok}/${N} in ${seconds.toFixed(1)} s: ${r.tps.toFixed(1)} tx/s; confirmation p50 ${r.p50} ms (${r.p50Blocks} blocks), p99 ${r.p99} ms (${r.p99Blocks} blocks); failed ${r.failed}`,
    );
    return r;
  }
}

async function main() {
  console.log(`starting a localnet (N=${N}, batch ${BATCH})…`);
  const { chain, stop } = await startChain();
  const { mf } = await startBridgeWorker();
  const comet = cometClient(chain.rpcUrl);
  try {
    const nodePid = Number(readFileSync(path.join(chain.home, "virtengined.pid"), "utf8"));
    const drainInWorker = async (extra: Record<string, unknown>) => {
      const res = await mf.dispatchFetch("http://bench/drain", {
        method: "POST",
        body: JSON.stringify({ rpcUrl: chain.rpcUrl, mnemonic: chain.bridge.mnemonic, prefix: chain.prefix, ...extra }),
      });
      const body = (await res.json()) as {
        reports: RoundReport[];
        sent: [string, number][];
        confirmed: [string, number, number][];
        blocks: [number, number][];
        error?: string;
      };
      if (res.status !== 200) throw new Error(`bench worker: ${body.error}`);
      return body;
    };
    // Rows go in through the Worker too: Miniflare's synchronous node proxy for D1 is flaky
    // under load ("assert(message?.id === id)").
    const insertInWorker = async (records: OutboxRecord[]) => {
      const res = await mf.dispatchFetch("http://bench/insert", { method: "POST", body: JSON.stringify(records) });
      if (res.status !== 200) throw new Error(`bench worker insert: HTTP ${res.status} ${await res.text()}`);
    };
    /** Queues the records, then times one drain of them by the sender in workerd. */
    const phase = async (name: string, records: OutboxRecord[]) => {
      await insertInWorker(records);
      const cpu0 = cpu(nodePid);
      const t = new Timings((await comet.status()).syncInfo.latestBlockHeight);
      const { reports, sent, confirmed, blocks } = await drainInWorker({ batchSize: BATCH, confirmTimeoutMs: 60_000, deadlineMs: 600_000 });
      for (const [height, at] of blocks) t.onBlock({ height, time: "", txs: [], events: [] }, at);
      for (const [hash, at, height] of confirmed) t.included.set(hash, { at, height, code: 0 });
      for (const [hash, at] of sent) t.onSent(hash, at);
      // The sender's feed reports every tx of ours it saw in a block; rows that failed there are
      // in the reports' `failed` (0 in a sound run: every record is valid).
      const failed = reports.reduce((a, r) => a + r.failed, 0);
      const transient = reports.find((r) => r.transient)?.transient;
      console.log(`${name}: ${reports.length} rounds${transient ? `; first transient problem: ${transient}` : ""}`);
      const r = t.summarize(name, failed);
      cpuLine(name, cpu0, cpu(nodePid), r.ok, " (bench process: the sender runs in workerd)");
      return r;
    };
    const bridgeAddress = chain.bridge.address;
    const customer = chain.accounts.customer1?.address as string;

    // ---------------------------------------------------------------- baseline: bank sends
    const sends = Array.from({ length: N }, (): OutboxRecord => ({
      kind: "bench.send",
      ref: null,
      signer: bridgeAddress,
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      payload: { fromAddress: bridgeAddress, toAddress: customer, amount: [{ denom: "uve", amount: "1" }] },
    }));
    const bankR = await phase("bank", sends);

    // ---------------------------------------------------------------- bridge: create-order records
    const offeringUuid = crypto.randomUUID();
    const offering = chainRecords.offeringCreated({
      offeringUuid,
      provider: chain.accounts.provider?.address as string,
      category: "vm",
      offeringType: "bench",
      plans: [{ name: "small", components: [{ component: "cores", billing: "fixed", priceUve: 1 }] }],
    });
    await insertInWorker([offering]);
    await drainInWorker({ deadlineMs: 60_000 });
    const orders = Array.from({ length: N }, () =>
      chainRecords.orderCreated({ orderUuid: crypto.randomUUID(), customer, offering: { ref: offeringUuid }, plan: "small", limits: [{ component: "cores", amount: 1 }], depositUve: 1_000_000 }),
    );
    const bridgeR = await phase("bridge", orders);
    const ratio = bridgeR.tps / bankR.tps;
    console.log(
      `n=${N} batch=${BATCH} bank_tps=${bankR.tps.toFixed(1)} bank_p50_ms=${bankR.p50} bank_p99_ms=${bankR.p99} bank_p99_blocks=${bankR.p99Blocks} bridge_tps=${bridgeR.tps.toFixed(1)} bridge_included=${bridgeR.ok} bridge_p50_ms=${bridgeR.p50} bridge_p99_ms=${bridgeR.p99} bridge_p99_blocks=${bridgeR.p99Blocks} bridge_failed=${bridgeR.failed} ratio=${ratio.toFixed(2)}`,
    );
  } finally {
    comet.disconnect();
    await mf.dispose();
    await stop();
  }
}

await main();
