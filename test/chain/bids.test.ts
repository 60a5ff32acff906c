// Bids through the bridge, against a real localnet: the MsgCreateBid/MsgCloseBid codecs against the
// chain's Go types, chainRecords.bidPlaced/bidClosed validation, a valid bid that commits (queried
// back) and bad bids that each end `failed` with x/market's registered code and message while
// nothing else changes (balances, bids, bid counts, orders), and the good row after them still goes out.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { toBase64 } from "@cosmjs/encoding";
import { makeAuthInfoBytes } from "@cosmjs/proto-signing";
import { QueryClient } from "@cosmjs/stargate";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { eq } from "drizzle-orm";
import type { Miniflare } from "miniflare";
import { ROOT } from "../../scripts/lib/build-worker.ts";
import {
  type Bid,
  BidState,
  bridgeMsgTypes,
  ChainRecordError,
  ChainSender,
  chainIdFor,
  chainRecords,
  cometClient,
  makeRegistry,
  MsgCloseBid,
  MsgCreateBid,
  type OutboxRecord,
  outboxInsert,
  setupMarketExtension,
  typeUrlOf,
} from "../../src/bridge/chain/index.ts";
import { chainOutbox } from "../../src/db/schema/index.ts";
import { startD1, type TestDb, useChain } from "../helpers/chain.ts";

const run = promisify(execFile);
const BIN = path.join(ROOT, "chain/build/virtengined");
const ctx = useChain();
let db: TestDb;
let mf: Miniflare;
before(async () => {
  ({ db, mf } = await startD1());
});
after(async () => {
  await mf?.dispose();
});

const M = "/virtengine.market.v1.";
const addr = (name: string) => ctx.chain.accounts[name]?.address as string;

async function drain() {
  const s = await ChainSender.create(db, { rpcUrl: ctx.chain.rpcUrl, mnemonic: ctx.chain.bridge.mnemonic, prefix: ctx.chain.prefix, confirmTimeoutMs: 15_000 });
  try {
    return await s.drain({ deadlineMs: 60_000 });
  } finally {
    s.disconnect();
  }
}

const row = async (uuid: string) => (await db.select().from(chainOutbox).where(eq(chainOutbox.uuid, uuid)))[0];
const insert = async (rec: OutboxRecord, uuid = crypto.randomUUID()) => {
  await db.batch([outboxInsert(db, rec, { uuid })]);
  return uuid;
};

async function bids(orderId: bigint): Promise<Bid[]> {
  const comet = cometClient(ctx.chain.rpcUrl);
  try {
    return await setupMarketExtension(new QueryClient(comet)).market.bids(orderId);
  } finally {
    comet.disconnect();
  }
}

const balance = async (name: string) => BigInt((await ctx.chain.query.bank.balance(addr(name), "uve")).amount);

/** An open order (no offering: put to auction, bids up to maxPrice), written as the bridge would send it. */
const openOrder = (orderUuid: string, customer: string, maxPriceUve: number): OutboxRecord => ({
  kind: "order.created",
  ref: orderUuid,
  signer: customer,
  typeUrl: `${M}MsgCreateOrder`,
  payload: { customer, offeringId: "0", category: "vm", maxPrice: { denom: "uve", amount: String(maxPriceUve) }, deposit: { denom: "uve", amount: "2000000" } },
});
const rawBid = (order: string, price: { denom: string; amount: string }, deposit: { denom: string; amount: string }): OutboxRecord => ({
  kind: "test.raw",
  ref: null,
  signer: addr("provider"),
  typeUrl: `${M}MsgCreateBid`,
  payload: { provider: addr("provider"), orderId: order, price, deposit },
});

const MAX = 1000;
const orderA = crypto.randomUUID(); // customer1's open order: gets the valid bid
const orderB = crypto.randomUUID(); // customer1's open order: target of the bad bids, then a good one
const orderP = crypto.randomUUID(); // the provider's own open order
const bidA = crypto.randomUUID();
let idA = 0n;
let idB = 0n;
let idP = 0n;
let minDeposit = 0n;

describe("bids through the bridge", () => {
  test("MsgCreateBid and MsgCloseBid decode in virtengined with the same field values, and back", async () => {
    const registry = makeRegistry();
    const types = bridgeMsgTypes.map(typeUrlOf);
    assert.ok(types.includes(`${M}MsgCreateBid`) && types.includes(`${M}MsgCloseBid`), "the authz grants cover bids");
    const A = "virtengine1tr7u5lqrwu80nqa5f4yuvwmkrqrt386r2yryne";
    const msgs = [
      {
        typeUrl: typeUrlOf(MsgCreateBid),
        value: MsgCreateBid.fromPartial({ provider: A, orderId: 12n, price: { denom: "uve", amount: "750" }, deposit: { denom: "uve", amount: "500000" } }),
      },
      { typeUrl: typeUrlOf(MsgCloseBid), value: MsgCloseBid.fromPartial({ provider: A, orderId: 12n }) },
    ];
    const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: msgs.map((m) => registry.encodeAsAny(m)), memo: "ve-outbox:bids" })).finish();
    const raw = TxRaw.encode(TxRaw.fromPartial({ bodyBytes, authInfoBytes: makeAuthInfoBytes([], [], 200000, undefined, undefined), signatures: [] })).finish();
    const { stdout } = await run(BIN, ["tx", "decode", toBase64(raw), "--output", "json"], { env: { ...process.env, HOME: "/tmp" } });
    const m = (JSON.parse(stdout) as { body: { messages: Record<string, unknown>[] } }).body.messages;
    assert.deepEqual(m, [
      { "@type": `${M}MsgCreateBid`, provider: A, order_id: "12", price: { denom: "uve", amount: "750" }, deposit: { denom: "uve", amount: "500000" } },
      { "@type": `${M}MsgCloseBid`, provider: A, order_id: "12" },
    ]);
    const back = TxBody.decode(bodyBytes).messages.map((a) => registry.decode(a));
    assert.deepEqual(back[0], { provider: A, orderId: 12n, price: { denom: "uve", amount: "750" }, deposit: { denom: "uve", amount: "500000" } });
    assert.deepEqual(back[1], { provider: A, orderId: 12n });
  });

  test("bidPlaced validates public-only data: order id or ref, provider address, positive integer uve", () => {
    const ok = { bidUuid: crypto.randomUUID(), order: 5, provider: addr("provider"), priceUve: 10, depositUve: "500000" };
    const rec = chainRecords.bidPlaced(ok);
    assert.deepEqual(rec, {
      kind: "bid.placed",
      ref: ok.bidUuid,
      signer: addr("provider"),
      typeUrl: `${M}MsgCreateBid`,
      payload: { provider: addr("provider"), orderId: "5", price: { denom: "uve", amount: "10" }, deposit: { denom: "uve", amount: "500000" } },
    });
    assert.deepEqual(chainRecords.bidPlaced({ ...ok, order: { ref: orderA } }).payload.orderId, { $chainId: orderA });
    const bad: [string, Partial<typeof ok> | Record<string, unknown>][] = [
      ["zero price", { priceUve: 0 }],
      ["overflowing price", { priceUve: `1${"0".repeat(39)}` }],
      ["negative price", { priceUve: -1 }],
      ["fractional price", { priceUve: 1.5 }],
      ["price that is no integer", { priceUve: "12abc" }],
      ["zero deposit", { depositUve: 0 }],
      ["order 0", { order: 0 }],
      ["order ref that is no uuid", { order: { ref: "orders/1" } }],
      ["provider that is no address", { provider: "virtengine1notanaddress" }],
      ["provider of another chain", { provider: "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu" }],
      ["bid uuid that is no uuid", { bidUuid: "bid-1" }],
    ];
    for (const [name, over] of bad) assert.throws(() => chainRecords.bidPlaced({ ...ok, ...over } as typeof ok), ChainRecordError, name);
    assert.throws(() => chainRecords.bidClosed({ bidUuid: ok.bidUuid, order: 0, provider: addr("provider") }), ChainRecordError);
  });

  test("a valid bid goes through the bridge once its order is on chain and is queried back", async () => {
    const genesis = JSON.parse(readFileSync(path.join(ctx.chain.home, "config/genesis.json"), "utf8"));
    const params = genesis.app_state.market.params as { bid_min_deposit: { denom: string; amount: string } };
    assert.equal(params.bid_min_deposit.denom, "uve");
    minDeposit = BigInt(params.bid_min_deposit.amount);
    assert.ok(minDeposit > 1n);
    const before = await balance("provider");
    // Written in one go: the bid waits for its order (a ref), then goes out.
    await insert(openOrder(orderA, addr("customer1"), MAX));
    await insert(openOrder(orderB, addr("customer1"), MAX));
    await insert(openOrder(orderP, addr("provider"), MAX));
    const uuid = await insert(chainRecords.bidPlaced({ bidUuid: bidA, order: { ref: orderA }, provider: addr("provider"), priceUve: 800, depositUve: minDeposit }));
    await drain();
    idA = BigInt((await chainIdFor(db, orderA)) ?? 0);
    idB = BigInt((await chainIdFor(db, orderB)) ?? 0);
    idP = BigInt((await chainIdFor(db, orderP)) ?? 0);
    assert.ok(idA > 0n && idB > 0n && idP > 0n);
    const r = await row(uuid);
    assert.equal(r?.state, "committed", JSON.stringify(r));
    const onChain = await bids(idA);
    assert.equal(onChain.length, 1);
    assert.equal(onChain[0]?.provider, addr("provider"));
    assert.equal(onChain[0]?.orderId, idA);
    assert.deepEqual(onChain[0]?.price, { denom: "uve", amount: "800" });
    assert.deepEqual(onChain[0]?.deposit, { denom: "uve", amount: String(minDeposit) });
    assert.equal(onChain[0]?.state, BidState.OPEN);
    assert.equal((await ctx.chain.query.market.order(idA)).bidCount, 1);
    // The deposit came from the provider (the bridge pays the fees as grantee); the other orders have no bids.
    assert.equal(await balance("provider"), before - minDeposit - 2_000_000n);
    assert.deepEqual(await bids(idB), []);
    assert.deepEqual(await bids(idP), []);
  });

  test("every bad bid ends failed with x/market's registered error; nothing else changes; the good bid after them goes out", async () => {
    const p = addr("provider");
    const uve = (amount: string | bigint | number) => ({ denom: "uve", amount: String(amount) });
    const cases: [string, OutboxRecord, { code: number; log: RegExp }][] = [
      ["provider bids on its own order", chainRecords.bidPlaced({ bidUuid: crypto.randomUUID(), order: { ref: orderP }, provider: p, priceUve: 500, depositUve: minDeposit }), { code: 13, log: /placed order \d+: provider cannot bid on its own order/ }],
      ["duplicate bid", chainRecords.bidPlaced({ bidUuid: crypto.randomUUID(), order: { ref: orderA }, provider: p, priceUve: 700, depositUve: minDeposit }), { code: 14, log: /on order \d+: provider already bid on this order/ }],
      ["bid above the order's maximum", chainRecords.bidPlaced({ bidUuid: crypto.randomUUID(), order: { ref: orderB }, provider: p, priceUve: MAX + 1, depositUve: minDeposit }), { code: 15, log: /price 1001uve exceeds max_price 1000uve: bid price above the order's maximum/ }],
      ["zero price", rawBid(String(idB), uve(0), uve(minDeposit)), { code: 3, log: /price must be positive/ }],
      ["overflowing price", rawBid(String(idB), uve(`1${"0".repeat(39)}`), uve(minDeposit)), { code: 3, log: /price 1000000000000000000000000000000000000000 exceeds the maximum/ }],
      ["price in another denom", rawBid(String(idB), { denom: "stake", amount: "10" }, uve(minDeposit)), { code: 4, log: /price must be in uve, got "stake"/ }],
      ["deposit below the minimum", chainRecords.bidPlaced({ bidUuid: crypto.randomUUID(), order: { ref: orderB }, provider: p, priceUve: 10, depositUve: 1 }), { code: 19, log: /deposit below the minimum/ }],
      ["bid on an unknown order", chainRecords.bidPlaced({ bidUuid: crypto.randomUUID(), order: 999999, provider: p, priceUve: 10, depositUve: minDeposit }), { code: 9, log: /order 999999: order not found/ }],
    ];
    const snapshot = async () => ({
      provider: await balance("provider"),
      customer1: await balance("customer1"),
      bids: [await bids(idA), await bids(idB), await bids(idP)],
      counts: [(await ctx.chain.query.market.order(idA)).bidCount, (await ctx.chain.query.market.order(idB)).bidCount, (await ctx.chain.query.market.order(idP)).bidCount],
      states: [(await ctx.chain.query.market.order(idA)).state, (await ctx.chain.query.market.order(idB)).state, (await ctx.chain.query.market.order(idP)).state],
      nextOrder: await ctx.chain.query.market.order(idP + 1n).then(
        () => "exists",
        () => "none",
      ),
    });
    const before = await snapshot();
    const uuids = new Map<string, string>();
    for (const [name, rec] of cases) uuids.set(name, await insert(rec));
    // Then a good bid at exactly the maximum.
    const good = await insert(chainRecords.bidPlaced({ bidUuid: crypto.randomUUID(), order: { ref: orderB }, provider: p, priceUve: MAX, depositUve: minDeposit }));
    await drain();
    for (const [name, , want] of cases) {
      const r = await row(uuids.get(name) as string);
      assert.equal(r?.state, "failed", `${name}: ${JSON.stringify(r)}`);
      assert.equal(r?.chainCodespace, "market", `${name}: ${r?.chainLog}`);
      assert.equal(r?.chainCode, want.code, `${name}: ${r?.chainLog}`);
      assert.match(r?.chainLog ?? "", want.log, name);
      assert.equal(r?.txBytes, null, `${name}: no signed bytes left to re-send`);
    }
    assert.equal((await row(good))?.state, "committed");
    const after = await snapshot();
    // The only change: the good bid on order B and its deposit.
    const [goodBid] = after.bids[1] ?? [];
    assert.equal(after.bids[1]?.length, 1);
    assert.equal(goodBid?.provider, p);
    assert.deepEqual(goodBid?.price, uve(MAX));
    assert.equal(goodBid?.state, BidState.OPEN);
    assert.deepEqual(
      { ...after, provider: after.provider + minDeposit, bids: [after.bids[0], [], after.bids[2]], counts: [after.counts[0], (after.counts[1] ?? 0) - 1, after.counts[2]] },
      before,
    );
  });

  test("a closed bid is closed on chain and its deposit refunded", async () => {
    const before = await balance("provider");
    const uuid = await insert(chainRecords.bidClosed({ bidUuid: bidA, order: { ref: orderA }, provider: addr("provider") }));
    await drain();
    assert.equal((await row(uuid))?.state, "committed");
    const [b] = await bids(idA);
    assert.equal(b?.state, BidState.CLOSED);
    assert.equal(await balance("provider"), before + minDeposit);
  });
});
