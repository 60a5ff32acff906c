// Outbox → chain against a real localnet: records are written in the same D1 batch as a state
// change, sent by the bridge account through x/authz, and read back with ABCI queries; bad records
// keep the chain's error; a sender that crashes mid-way does not duplicate anything.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import type { Miniflare } from "miniflare";
import {
  ChainSender,
  type ChainSenderConfig,
  chainIdFor,
  chainRecords,
  LeaseState,
  OrderState,
  outboxForRef,
  outboxInsert,
} from "../../src/bridge/chain/index.ts";
import { chainOutbox, events } from "../../src/db/schema/index.ts";
import { startD1, type TestDb, useChain } from "../helpers/chain.ts";

const ctx = useChain();
let db: TestDb;
let mf: Miniflare;

before(async () => {
  ({ db, mf } = await startD1());
});
after(async () => {
  await mf?.dispose();
});

const hex32 = (b: number) => b.toString(16).padStart(2, "0").repeat(32);
const sender = (cfg: Partial<ChainSenderConfig> = {}) =>
  ChainSender.create(db, { rpcUrl: ctx.chain.rpcUrl, mnemonic: ctx.chain.bridge.mnemonic, prefix: ctx.chain.prefix, confirmTimeoutMs: 15_000, ...cfg });

async function drainAll(cfg: Partial<ChainSenderConfig> = {}) {
  const s = await sender(cfg);
  try {
    return await s.drain({ deadlineMs: 90_000 });
  } finally {
    s.disconnect();
  }
}

const rowFor = async (uuid: string) => (await db.select().from(chainOutbox).where(eq(chainOutbox.uuid, uuid)))[0];

/** An offering of the localnet provider with a fixed and a usage-billed component. */
function offeringRecord(offeringUuid: string) {
  return chainRecords.offeringCreated({
    offeringUuid,
    provider: ctx.chain.accounts.provider?.address as string,
    category: "vm",
    offeringType: "OpenStack.Instance",
    plans: [
      {
        name: "small",
        components: [
          { component: "cores", billing: "fixed", priceUve: 10 },
          { component: "gpu_hours", billing: "usage", priceUve: 1000 },
        ],
      },
    ],
    descriptionHash: hex32(0xab),
    descriptionKey: `offerings/${offeringUuid}`,
  });
}

function orderRecord(orderUuid: string, offeringUuid: string) {
  return chainRecords.orderCreated({
    orderUuid,
    customer: ctx.chain.accounts.customer1?.address as string,
    offering: { ref: offeringUuid },
    plan: "small",
    limits: [{ component: "cores", amount: 2 }],
    detailsHash: hex32(0xcd),
    detailsKey: `orders/${orderUuid}`,
    depositUve: 5_000_000,
  });
}

const offeringUuid = crypto.randomUUID();

describe("chain outbox", () => {
  test("an order's life goes to the chain in order and reads back", async () => {
    const orderUuid = crypto.randomUUID();
    const provider = ctx.chain.accounts.provider?.address as string;
    const now = new Date().toISOString();
    // Recorded in the same batch as the API's state change (here: an audit event row).
    await db.batch([
      db.insert(events).values({ uuid: crypto.randomUUID(), eventType: "offering_created", message: "x", created: now }),
      outboxInsert(db, offeringRecord(offeringUuid)),
    ]);
    await db.batch([
      db.insert(events).values({ uuid: crypto.randomUUID(), eventType: "order_created", message: "x", created: now }),
      outboxInsert(db, orderRecord(orderUuid, offeringUuid)),
    ]);
    await db.batch([
      outboxInsert(db, chainRecords.orderApproved({ orderUuid, provider })),
      outboxInsert(db, chainRecords.usageReported({ orderUuid, provider, component: "gpu_hours", amount: 3, periodStart: 1_700_000_000, periodEnd: 1_700_003_600 })),
      outboxInsert(db, chainRecords.orderDone({ orderUuid, provider })),
    ]);
    const key = new Uint8Array(32).fill(7);
    const keyUuid = crypto.randomUUID();
    await db.batch([outboxInsert(db, chainRecords.encryptionKeyRegistered({ owner: ctx.chain.accounts.customer1?.address as string, publicKey: key, version: 1 }), { uuid: keyUuid })]);

    const reports = await drainAll();
    const rows = await outboxForRef(db, orderUuid);
    assert.deepEqual(
      rows.map((r) => [r.kind, r.state, r.chainLog ?? null]),
      [
        ["order.created", "committed", null],
        ["order.approved", "committed", null],
        ["usage.reported", "committed", null],
        ["order.done", "committed", null],
      ],
      JSON.stringify(reports),
    );
    for (const r of rows) {
      assert.match(r.txHash ?? "", /^[0-9A-F]{64}$/);
      assert.ok((r.height ?? 0) > 0);
    }
    assert.equal((await rowFor(keyUuid))?.state, "committed");

    const offeringId = BigInt((await chainIdFor(db, offeringUuid)) as string);
    const orderId = BigInt((await chainIdFor(db, orderUuid)) as string);
    const offering = await ctx.chain.query.market.offering(offeringId);
    assert.equal(offering.provider, provider);
    assert.equal(offering.plans[0]?.components[1]?.component, "gpu_hours");
    const order = await ctx.chain.query.market.order(orderId);
    assert.equal(order.customer, ctx.chain.accounts.customer1?.address);
    assert.equal(order.offeringId, offeringId);
    assert.equal(order.state, OrderState.DONE);
    assert.equal(order.detailsKey, `orders/${orderUuid}`);
    assert.equal(Buffer.from(order.detailsHash).toString("hex"), hex32(0xcd));
    const lease = await ctx.chain.query.market.lease(orderId);
    assert.equal(lease.provider, provider);
    assert.notEqual(lease.state, LeaseState.UNSPECIFIED);
    const usage = await ctx.chain.query.market.usage(orderId);
    assert.equal(usage.length, 1);
    assert.equal(usage[0]?.amount, 3n);
    assert.equal(usage[0]?.cost?.amount, "3000");
    assert.equal(rows[2]?.result?.seq, String(usage[0]?.seq));
  });

  test("a bad record is refused with the chain's error kept on its row; later records of it are not sent", async () => {
    const provider = ctx.chain.accounts.provider?.address as string;
    const badOrder = crypto.randomUUID();
    const goodOrder = crypto.randomUUID();
    const bad = crypto.randomUUID();
    await db.batch([
      // Offering 999999 does not exist on chain.
      outboxInsert(
        db,
        chainRecords.orderCreated({ orderUuid: badOrder, customer: ctx.chain.accounts.customer1?.address as string, offering: 999_999, plan: "small", depositUve: 5_000_000 }),
        { uuid: bad },
      ),
      outboxInsert(db, chainRecords.orderApproved({ orderUuid: badOrder, provider })),
      outboxInsert(db, orderRecord(goodOrder, offeringUuid)),
    ]);
    // Usage for a component the plan does not bill by usage: refused by x/market.
    const badUsage = crypto.randomUUID();
    await db.batch([outboxInsert(db, chainRecords.orderApproved({ orderUuid: goodOrder, provider }))]);
    await db.batch([
      outboxInsert(db, chainRecords.usageReported({ orderUuid: goodOrder, provider, component: "cores", amount: 1, periodStart: 0, periodEnd: 60 }), { uuid: badUsage }),
    ]);
    await drainAll();

    const row = await rowFor(bad);
    assert.equal(row?.state, "failed");
    assert.equal(row?.chainCodespace, "market");
    assert.equal(row?.chainCode, 6); // ErrOfferingNotFound
    assert.match(row?.chainLog ?? "", /offering/);
    assert.ok(row?.txHash, "refused in the block, so the tx hash is kept");
    const [, dependent] = await outboxForRef(db, badOrder);
    assert.equal(dependent?.state, "failed");
    assert.equal(dependent?.chainCode, null);
    assert.match(dependent?.chainLog ?? "", new RegExp(`not sent: record ${bad}`));

    const usage = await rowFor(badUsage);
    assert.equal(usage?.state, "failed");
    assert.equal(usage?.chainCodespace, "market");
    assert.equal(usage?.chainCode, 23); // ErrInvalidUsage
    assert.match(usage?.chainLog ?? "", /invalid usage record/);
    assert.deepEqual(
      (await outboxForRef(db, goodOrder)).map((r) => r.state),
      ["committed", "committed", "failed"],
    );
  });

  test("the record builders refuse what must not go on chain", () => {
    const customer = ctx.chain.accounts.customer1?.address as string;
    const base = { orderUuid: crypto.randomUUID(), customer, offering: 1, plan: "small", depositUve: 1 };
    assert.throws(() => chainRecords.orderCreated({ ...base, orderUuid: "Alice's order" }), /uuid/);
    assert.throws(() => chainRecords.orderCreated({ ...base, customer: "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu" }), /must be a virtengine1… address/);
    assert.throws(() => chainRecords.orderCreated({ ...base, depositUve: 1.5 }), /integer/);
    assert.throws(() => chainRecords.orderCreated({ ...base, depositUve: -1 }), /range/);
    assert.throws(() => chainRecords.orderCreated({ ...base, depositUve: "18446744073709551616" }), /range/);
    assert.throws(() => chainRecords.orderCreated({ ...base, detailsKey: "customer alice@example.org" }), /object key/);
    assert.throws(() => chainRecords.orderCreated({ ...base, detailsHash: "abcd" }), /32-byte/);
    assert.throws(() => chainRecords.orderCreated({ ...base, plan: "a plan with spaces" }), /identifier/);
  });
});

describe("crash and re-send", () => {
  async function queueOrders(n: number): Promise<string[]> {
    const refs = Array.from({ length: n }, () => crypto.randomUUID());
    await db.batch(refs.map((r) => outboxInsert(db, orderRecord(r, offeringUuid))) as never);
    return refs;
  }

  async function assertExactlyOnce(refs: string[]) {
    const ids: bigint[] = [];
    for (const r of refs) {
      const rows = await outboxForRef(db, r);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.state, "committed", JSON.stringify(rows[0]));
      ids.push(BigInt(rows[0]?.result?.chainId as string));
    }
    assert.equal(new Set(ids).size, refs.length, "one chain order per row");
    // No order beyond the last one recorded: nothing was created twice.
    // biome-ignore lint/complexity/useMathMinMax: bigints
    const max = ids.reduce((a, b) => (a > b ? a : b));
    for (const id of ids) assert.equal((await ctx.chain.query.market.order(id)).detailsKey.startsWith("orders/"), true);
    await assert.rejects(ctx.chain.query.market.order(max + 1n), /not found/);
  }

  test("a sender that dies after signing (nothing broadcast) leaves rows a new sender sends once", async () => {
    const refs = await queueOrders(3);
    const crashing = await sender({
      hooks: {
        afterSign() {
          throw new Error("crash after sign");
        },
      },
    });
    const report = await crashing.round();
    crashing.disconnect();
    assert.match(report.transient ?? "", /crash after sign/);
    const signed = await db.select().from(chainOutbox).where(eq(chainOutbox.state, "signed"));
    assert.equal(signed.length, 3);
    const hashes = signed.map((r) => r.txHash);
    await drainAll();
    await assertExactlyOnce(refs);
    // The very bytes signed before the crash went out (same hashes).
    for (const r of refs) assert.ok(hashes.includes((await outboxForRef(db, r))[0]?.txHash ?? ""));
  });

  test("a sender that dies after broadcasting (before recording the outcome) is not repeated", async () => {
    const refs = await queueOrders(4);
    const crashing = await sender({
      hooks: {
        afterBroadcast() {
          throw new Error("crash after broadcast");
        },
      },
    });
    const report = await crashing.round();
    crashing.disconnect();
    assert.match(report.transient ?? "", /crash after broadcast/);
    assert.equal(report.broadcast, 4);
    // Let the txs land, then make sure a fresh sender only records them.
    await new Promise((r) => setTimeout(r, 2500));
    const before = await ctx.chain.query.auth.account(ctx.chain.bridge.address);
    await drainAll();
    const afterAcc = await ctx.chain.query.auth.account(ctx.chain.bridge.address);
    assert.deepEqual(afterAcc?.value, before?.value, "the new sender signed nothing new");
    await assertExactlyOnce(refs);
  });

  test("signed rows whose tx was lost are re-broadcast byte for byte; a stale re-send is harmless", async () => {
    const refs = await queueOrders(2);
    // Sign, broadcast and commit; then pretend the outcome was never recorded.
    await drainAll();
    for (const r of refs) {
      const [row] = await outboxForRef(db, r);
      await db
        .update(chainOutbox)
        .set({ state: "signed", height: null, result: null, txBytes: null })
        .where(eq(chainOutbox.id, row?.id as number));
    }
    // Also a row signed at a sequence another tx already used: it must be re-signed, not lost.
    const [late] = await queueOrders(1);
    const usedSeq = (await outboxForRef(db, refs[0] as string))[0]?.sequence as number;
    const [lateRow] = await outboxForRef(db, late as string);
    await db
      .update(chainOutbox)
      .set({ state: "signed", sequence: usedSeq, txHash: "00".repeat(32), txBytes: null })
      .where(eq(chainOutbox.id, lateRow?.id as number));
    await drainAll();
    await assertExactlyOnce([...refs, late as string]);
  });
});
