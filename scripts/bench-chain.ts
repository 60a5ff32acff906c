// npm run bench:chain [-- --n 2000 --batch 250]
// Starts a throwaway single-validator localnet (temp home, free ports), then in the same run:
//  1. baseline: N plain bank sends through the sender's own path — the same key handling and
//     signing (walletFromMnemonic), consecutive local sequences, broadcast_tx_sync in batches of
//     `batch` with at most 2 × batch unconfirmed, confirmation from subscribeBlocks — minus D1;
//  2. bridge: N create-order records written to a D1 outbox (Miniflare) and sent by ChainSender
//     through x/authz MsgExec (one order per tx).
// Prints included tx/s (first broadcast → last confirmation, signing included) and confirmation
// latency (broadcast accepted → block seen) p50/p99 in ms and in blocks; the last line is key=value
// pairs with ratio = bridge tx/s / bank tx/s.
import { parseArgs } from "node:util";
import { toHex } from "@cosmjs/encoding";
import { accountFromAny, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { ChainSender, chainRecords, cometClient, makeRegistry, outboxInsert, walletFromMnemonic } from "../src/bridge/chain/index.ts";
import { type ChainBlock, subscribeBlocks } from "../src/bridge/chain/subscribe.ts";
import { startChain, startD1 } from "../test/helpers/chain.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "2000" }, batch: { type: "string", default: "250" } } });
const N = Number(values.n);
const BATCH = Number(values.batch);
if (!Number.isSafeInteger(N) || N < 1 || !Number.isSafeInteger(BATCH) || BATCH < 1) throw new Error("--n and --batch must be positive integers");

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};

/** Per-tx timings from one block feed: when each tx left, and the block that held it. */
class Timings {
  readonly sent = new Map<string, { at: number; height: number }>();
  readonly included = new Map<string, { at: number; height: number; code: number }>();
  latestHeight = 0;
  firstSent = 0;
  lastIncluded = 0;

  onBlock(b: ChainBlock) {
    const at = Date.now();
    this.latestHeight = b.height;
    for (const tx of b.txs) {
      if (!this.sent.has(tx.hash)) continue;
      this.included.set(tx.hash, { at, height: b.height, code: tx.code });
      this.lastIncluded = at;
    }
  }

  onSent(hash: string, at = Date.now()) {
    this.firstSent ||= at;
    this.sent.set(hash, { at, height: this.latestHeight });
  }

  summarize(name: string) {
    const ms: number[] = [];
    const blocks: number[] = [];
    let ok = 0;
    for (const [hash, s] of this.sent) {
      const d = this.included.get(hash);
      if (!d) continue;
      if (d.code === 0) ok++;
      ms.push(d.at - s.at);
      blocks.push(d.height - s.height);
    }
    const seconds = (this.lastIncluded - this.firstSent) / 1000;
    const r = { tps: ok / seconds, ok, p50: pct(ms, 50), p99: pct(ms, 99), p50Blocks: pct(blocks, 50), p99Blocks: pct(blocks, 99), failed: this.included.size - ok };
    console.log(
      `${name.padEnd(7)} included ${ok}/${N} in ${seconds.toFixed(1)} s: ${r.tps.toFixed(1)} tx/s; confirmation p50 ${r.p50} ms (${r.p50Blocks} blocks), p99 ${r.p99} ms (${r.p99Blocks} blocks); failed in block ${r.failed}`,
    );
    return r;
  }
}

async function main() {
  console.log(`starting a localnet (N=${N}, batch ${BATCH})…`);
  const { chain, stop } = await startChain();
  const { db, mf } = await startD1();
  const comet = cometClient(chain.rpcUrl);
  try {
    const start = (await comet.status()).syncInfo.latestBlockHeight + 1;
    const chainId = (await comet.status()).nodeInfo.network;

    // ---------------------------------------------------------------- baseline: bank sends
    const bank = new Timings();
    bank.latestHeight = start - 1;
    const bankFeed = subscribeBlocks({ rpcUrl: chain.rpcUrl, fromHeight: start }, (b) => bank.onBlock(b));
    const acct = chain.accounts.customer2 as { address: string; mnemonic: string };
    const signer = await SigningStargateClient.offline(await walletFromMnemonic(acct.mnemonic, chain.prefix), { registry: makeRegistry() });
    const info = await chain.query.auth.account(acct.address);
    const { accountNumber, sequence } = accountFromAny(info as never);
    const to = chain.accounts.customer1?.address as string;
    const fee = { amount: [{ denom: "uve", amount: "0" }], gas: "200000" };
    let bankRefused = 0;
    const waitBelow = async (n: number) => {
      while (bank.sent.size - bank.included.size >= n) await new Promise((r) => setTimeout(r, 20));
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
    if (bankRefused) console.log(`bank: ${bankRefused} refused at CheckTx`);

    // ---------------------------------------------------------------- bridge: create-order records
    const offeringUuid = crypto.randomUUID();
    await db.batch([
      outboxInsert(
        db,
        chainRecords.offeringCreated({
          offeringUuid,
          provider: chain.accounts.provider?.address as string,
          category: "vm",
          offeringType: "bench",
          plans: [{ name: "small", components: [{ component: "cores", billing: "fixed", priceUve: 1 }] }],
        }),
      ),
    ]);
    const setup = await ChainSender.create(db, { rpcUrl: chain.rpcUrl, mnemonic: chain.bridge.mnemonic, prefix: chain.prefix });
    await setup.drain({ deadlineMs: 60_000 });
    setup.disconnect();
    const customer = chain.accounts.customer1?.address as string;
    const inserts = Array.from({ length: N }, () =>
      outboxInsert(db, chainRecords.orderCreated({ orderUuid: crypto.randomUUID(), customer, offering: { ref: offeringUuid }, plan: "small", limits: [{ component: "cores", amount: 1 }], depositUve: 1_000_000 })),
    );
    for (let i = 0; i < inserts.length; i += 100) await db.batch(inserts.slice(i, i + 100) as never);

    const bridge = new Timings();
    bridge.latestHeight = (await comet.status()).syncInfo.latestBlockHeight;
    const bridgeFeed = subscribeBlocks({ rpcUrl: chain.rpcUrl, fromHeight: bridge.latestHeight + 1 }, (b) => bridge.onBlock(b));
    const sender = await ChainSender.create(db, {
      rpcUrl: chain.rpcUrl,
      mnemonic: chain.bridge.mnemonic,
      prefix: chain.prefix,
      batchSize: BATCH,
      confirmTimeoutMs: 60_000,
      hooks: {
        onTx(ev, hash, at) {
          if (ev === "broadcast") bridge.onSent(hash, at);
        },
      },
    });
    const reports = await sender.drain({ deadlineMs: 600_000 });
    sender.disconnect();
    // The bench's own feed may be a moment behind the sender's.
    for (let i = 0; i < 50 && bridge.included.size < bridge.sent.size; i++) await new Promise((r) => setTimeout(r, 100));
    await bridgeFeed.unsubscribe();
    const failed = reports.reduce((a, r) => a + r.failed, 0);
    const transient = reports.find((r) => r.transient)?.transient;
    console.log(`bridge: ${reports.length} rounds${transient ? `; first transient problem: ${transient}` : ""}`);
    const bridgeR = bridge.summarize("bridge");
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
