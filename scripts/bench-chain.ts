// npm run bench:chain [-- --n 2000 --batch 500]
// Starts a throwaway single-validator localnet (temp home, free ports), then in the same run:
//  1. baseline: N plain bank sends, signed with consecutive sequences and broadcast_tx_sync, confirmed
//     by scanning blocks (the same pipelining the bridge uses);
//  2. bridge: N create-order records written to a D1 outbox (Miniflare) and sent by ChainSender
//     through x/authz MsgExec.
// Prints included tx/s and confirmation latency (broadcast accepted → seen in a block) p50/p99 for
// both; the last line is key=value pairs with ratio = bridge tx/s / bank tx/s.
import { parseArgs } from "node:util";
import { sha256 } from "@cosmjs/crypto";
import { toHex } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { accountFromAny, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { ChainSender, chainRecords, cometClient, makeRegistry, outboxInsert } from "../src/bridge/chain/index.ts";
import { startD1, startChain } from "../test/helpers/chain.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "2000" }, batch: { type: "string", default: "500" } } });
const N = Number(values.n);
const BATCH = Number(values.batch);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};

interface Result {
  tps: number;
  p50: number;
  p99: number;
  p99Blocks: number;
  failed: number;
}

function summarize(name: string, sent: Map<string, number>, done: Map<string, { at: number; height: number; sentHeight: number }>, t0: number, t1: number, failed: number): Result {
  const lat: number[] = [];
  const blocks: number[] = [];
  for (const [h, at] of sent) {
    const d = done.get(h);
    if (d) {
      lat.push(d.at - at);
      blocks.push(d.height - d.sentHeight);
    }
  }
  const r = { tps: done.size / ((t1 - t0) / 1000), p50: pct(lat, 50), p99: pct(lat, 99), p99Blocks: pct(blocks, 99), failed };
  console.log(
    `${name.padEnd(7)} included ${done.size}/${N} in ${((t1 - t0) / 1000).toFixed(1)} s: ${r.tps.toFixed(1)} tx/s; confirmation p50 ${r.p50} ms, p99 ${r.p99} ms (${r.p99Blocks} blocks); failed ${failed}`,
  );
  return r;
}

async function main() {
  console.log(`starting a localnet (N=${N}, bridge batch ${BATCH})…`);
  const { chain, stop } = await startChain();
  const { db, mf } = await startD1();
  const comet = cometClient(chain.rpcUrl);
  try {
    // ---------------------------------------------------------------- baseline: bank sends
    const acct = chain.accounts.customer2 as { address: string; mnemonic: string };
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(acct.mnemonic, { prefix: chain.prefix });
    const signer = await SigningStargateClient.offline(wallet, { registry: makeRegistry() });
    const info = accountFromAny((await chain.query.auth.account(acct.address)) as never);
    const chainId = (await comet.status()).nodeInfo.network;
    const to = chain.accounts.customer1?.address as string;
    const fee = { amount: [{ denom: "uve", amount: "0" }], gas: "200000" };
    const txs: Uint8Array[] = [];
    for (let i = 0; i < N; i++) {
      const raw = await signer.sign(acct.address, [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: acct.address, toAddress: to, amount: [{ denom: "uve", amount: "1" }] } }], fee, "", {
        accountNumber: info.accountNumber,
        sequence: Number(info.sequence) + i,
        chainId,
      });
      txs.push(TxRaw.encode(raw).finish());
    }
    const bankSent = new Map<string, number>();
    const sentHeight = new Map<string, number>();
    const bankDone = new Map<string, { at: number; height: number; sentHeight: number }>();
    let bankFailed = 0;
    let h = (await comet.status()).syncInfo.latestBlockHeight + 1;
    let height = h - 1;
    const t0 = Date.now();
    let scanning = true;
    const scanner = (async () => {
      while (scanning || bankDone.size + bankFailed < bankSent.size) {
        const latest = (await comet.status()).syncInfo.latestBlockHeight;
        height = latest;
        for (; h <= latest; h++) {
          const block = await comet.block(h);
          const at = Date.now();
          let res = null;
          for (let i = 0; block.block.txs.length && !res; i++) {
            res = await comet.blockResults(h).catch((e) => {
              if (i > 20) throw e;
              return new Promise<null>((r) => setTimeout(() => r(null), 100));
            });
          }
          block.block.txs.forEach((tx, i) => {
            const hash = toHex(sha256(tx)).toUpperCase();
            if (!bankSent.has(hash)) return;
            if (res?.results[i]?.code === 0) bankDone.set(hash, { at, height: h, sentHeight: sentHeight.get(hash) ?? h });
            else bankFailed++;
          });
        }
        if (!scanning && Date.now() - t0 > 300_000) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    for (const tx of txs) {
      const r = await comet.broadcastTxSync({ tx });
      const hash = toHex(r.hash).toUpperCase();
      if (r.code !== 0) {
        bankFailed++;
        continue;
      }
      bankSent.set(hash, Date.now());
      sentHeight.set(hash, height);
    }
    scanning = false;
    await scanner;
    const bank = summarize("bank", bankSent, bankDone, t0, Date.now(), bankFailed);

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

    const sent = new Map<string, number>();
    const done = new Map<string, { at: number; height: number; sentHeight: number }>();
    let lastHeight = (await comet.status()).syncInfo.latestBlockHeight;
    const poll = setInterval(() => {
      comet.status().then((s) => {
        lastHeight = s.syncInfo.latestBlockHeight;
      }, () => {});
    }, 200);
    const heightAtSend = new Map<string, number>();
    const sender = await ChainSender.create(db, {
      rpcUrl: chain.rpcUrl,
      mnemonic: chain.bridge.mnemonic,
      prefix: chain.prefix,
      batchSize: BATCH,
      confirmTimeoutMs: 60_000,
      pollMs: 100,
      hooks: {
        onTx(ev, hash, at) {
          if (ev === "broadcast") {
            sent.set(hash, at);
            heightAtSend.set(hash, lastHeight);
          } else done.set(hash, { at, height: lastHeight, sentHeight: heightAtSend.get(hash) ?? lastHeight });
        },
      },
    });
    const b0 = Date.now();
    const reports = await sender.drain({ deadlineMs: 600_000 });
    const b1 = Date.now();
    clearInterval(poll);
    sender.disconnect();
    const failed = reports.reduce((a, r) => a + r.failed, 0);
    const transient = reports.find((r) => r.transient)?.transient;
    if (transient) console.log(`bridge: ${reports.length} rounds; first transient problem: ${transient}`);
    const bridge = summarize("bridge", sent, done, b0, b1, failed);
    const ratio = bridge.tps / bank.tps;
    console.log(
      `n=${N} bank_tps=${bank.tps.toFixed(1)} bank_p50_ms=${bank.p50} bank_p99_ms=${bank.p99} bank_p99_blocks=${bank.p99Blocks} bridge_tps=${bridge.tps.toFixed(1)} bridge_p50_ms=${bridge.p50} bridge_p99_ms=${bridge.p99} bridge_p99_blocks=${bridge.p99Blocks} bridge_failed=${failed} ratio=${ratio.toFixed(2)}`,
    );
  } finally {
    comet.disconnect();
    await mf.dispose();
    await stop();
  }
}

await main();
