// Pure parts of the bridge: Waldur prices to integer uve, and the indexer's handling of blocks
// (resume from the cursor, failed txs ignored, no going back to an older state, re-index adds
// nothing). Blocks here are hand-written in the shape CometBFT's block_results gives (typed events
// with JSON-encoded attribute values); the end-to-end tests read real ones from a localnet.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Miniflare } from "miniflare";
import { type BlockSource, indexChain, indexedHeight } from "../../src/bridge/chain/indexer.ts";
import type { ChainBlock, ChainEvent, ChainTx } from "../../src/bridge/chain/subscribe.ts";
import { blocksPerUnit, fixedRatePerBlock, orderDeposit, PricingError, usagePricePerStep, usageSteps } from "../../src/bridge/chain/pricing.ts";
import { chainEscrowEvents, chainOrders, chainUsage } from "../../src/db/schema/index.ts";
import { startD1, type TestDb } from "../helpers/chain.ts";

describe("pricing", () => {
  test("fixed prices per plan unit become uve per block, rounded up", () => {
    assert.equal(blocksPerUnit("month"), 2_592_000n);
    assert.equal(blocksPerUnit("hour"), 3600n);
    assert.equal(blocksPerUnit("quantity"), 2_592_000n, "unknown units count as a month");
    assert.equal(fixedRatePerBlock("25.92", "month"), 10n); // exactly 25,920,000 uve a month
    assert.equal(fixedRatePerBlock("25.920001", "month"), 11n);
    assert.equal(fixedRatePerBlock("0.10", "month"), 1n);
    assert.equal(fixedRatePerBlock("0", "month"), 0n);
    assert.equal(fixedRatePerBlock("3.6", "hour", 2n), 2000n);
  });

  test("usage prices are per hundredth of a unit; usage is exact in hundredths", () => {
    assert.equal(usagePricePerStep("0.50"), 5000n);
    assert.equal(usagePricePerStep("0.0000001"), 1n);
    assert.equal(usageSteps("3.75"), 375n);
    assert.equal(usageSteps("12"), 1200n);
    assert.throws(() => usageSteps("1.234"), PricingError);
  });

  test("bad prices are refused, not guessed", () => {
    assert.throws(() => fixedRatePerBlock("-1", "month"), PricingError);
    assert.throws(() => fixedRatePerBlock("1e3", "month"), PricingError);
    assert.throws(() => usagePricePerStep("abc"), PricingError);
  });

  test("the deposit is one plan unit of the fixed rate, at least 1 VE", () => {
    assert.equal(orderDeposit(10n, "month"), 25_920_000n);
    assert.equal(orderDeposit(0n, "month"), 1_000_000n);
  });
});

// ---- indexer over hand-written blocks

const ev = (type: string, fields: Record<string, unknown>): ChainEvent => ({
  type,
  attributes: [...Object.entries(fields).map(([key, v]) => ({ key, value: JSON.stringify(v) })), { key: "msg_index", value: "0" }],
});
const M = "virtengine.market.v1.";
const E = "virtengine.escrow.v1.";
const CUSTOMER = "virtengine1customer";
const PROVIDER = "virtengine1provider";

/** A block list served like a node would (named as what it is: a stand-in for the RPC). */
function fakeNode(blocks: ChainBlock[]): BlockSource & { fetched: number[] } {
  const fetched: number[] = [];
  return {
    fetched,
    chainId: async () => "test-chain",
    heights: async () => ({ latest: blocks.length, earliest: 1 }),
    block: async (h) => {
      fetched.push(h);
      return blocks[h - 1]!;
    },
  };
}

/** A tx result as decodeBlock gives it; only the hash, code and events matter to the indexer. */
const tx = (hash: string, code: number, events: ChainEvent[]): ChainTx => ({
  hash,
  tx: new Uint8Array(),
  code,
  codespace: code ? "market" : "",
  log: "",
  data: new Uint8Array(),
  gasWanted: 0,
  gasUsed: 0,
  events,
});
const T = "2026-01-01T00:00:00Z";
const empty = (height: number): ChainBlock => ({ height, time: T, txs: [], events: [] });
const blocks: ChainBlock[] = [
  {
    height: 1,
    time: T,
    txs: [
      tx("AA", 0, [
        ev(`${E}EventAccountCreated`, { id: "order/7", owner: CUSTOMER, deposit: { denom: "uve", amount: "5000000" } }),
        ev(`${M}EventOrderCreated`, { id: "7", customer: CUSTOMER, offering_id: "3" }),
      ]),
      // Refused in the block: its events must not count.
      tx("BB", 6, [ev(`${M}EventOrderCreated`, { id: "8", customer: CUSTOMER, offering_id: "3" })]),
    ],
    events: [],
  },
  empty(2),
  {
    height: 3,
    time: T,
    txs: [
      tx("CC", 0, [
        ev(`${M}EventLeaseCreated`, { order_id: "7", provider: PROVIDER, price: "4uve" }),
        ev(`${M}EventOrderStateChanged`, { id: "7", previous: "ORDER_STATE_PENDING_PROVIDER", state: "ORDER_STATE_EXECUTING", by: PROVIDER }),
        ev(`${M}EventUsagePosted`, { order_id: "7", seq: "1", component: "cpu", amount: "250", cost: "1250000uve" }),
      ]),
    ],
    events: [ev(`${E}EventSettled`, { account_id: "order/7", height: "3", transferred: { denom: "uve", amount: "8" } })],
  },
  {
    height: 4,
    time: T,
    txs: [],
    events: [ev(`${M}EventLeaseStateChanged`, { order_id: "7", state: "LEASE_STATE_CLOSED", reason: "LEASE_CLOSE_REASON_INSUFFICIENT_FUNDS" })],
  },
];

let db: TestDb;
let mf: Miniflare;
before(async () => {
  ({ db, mf } = await startD1());
});
after(async () => {
  await mf?.dispose();
});

describe("indexer", () => {
  test("mirrors a block range, resumes from its cursor, and ignores failed txs", async () => {
    const first = fakeNode(blocks.slice(0, 2));
    const r1 = await indexChain(db, first);
    assert.deepEqual([r1.from, r1.to], [1, 2]);
    assert.equal(await indexedHeight(db, "test-chain"), 2);
    const orders = await db.select().from(chainOrders);
    assert.deepEqual(
      orders.map((o) => [o.orderId, o.state, o.customer, o.offeringId, o.txHash]),
      [[7, "pending_provider", CUSTOMER, 3, "AA"]],
      "order 8's tx failed",
    );

    const rest = fakeNode(blocks);
    const r2 = await indexChain(db, rest);
    assert.deepEqual(rest.fetched, [3, 4], "resumes after the cursor");
    assert.equal(r2.to, 4);
    const [o] = await db.select().from(chainOrders);
    assert.equal(o?.state, "executing");
    assert.equal(o?.leaseProvider, PROVIDER);
    assert.equal(o?.leasePrice, "4uve");
    assert.equal(o?.leaseState, "closed");
    assert.equal(o?.leaseCloseReason, "insufficient_funds");
    assert.deepEqual(
      (await db.select().from(chainUsage)).map((u) => [u.orderId, u.seq, u.component, u.amount, u.cost]),
      [[7, 1, "cpu", "250", "1250000uve"]],
    );
    assert.deepEqual(
      (await db.select().from(chainEscrowEvents)).map((e) => [e.height, e.txIndex, e.type, e.accountId, e.amount]),
      [
        [1, 0, "account_created", "order/7", "5000000uve"],
        [3, -1, "settled", "order/7", "8uve"],
      ],
    );
  });

  test("indexing again from the start changes nothing and never moves state or the cursor back", async () => {
    const snapshot = async () =>
      JSON.stringify([await db.select().from(chainOrders), await db.select().from(chainUsage), await db.select().from(chainEscrowEvents)]);
    const before = await snapshot();
    // Only the first block again: the order must not go back to pending_provider.
    await indexChain(db, fakeNode(blocks.slice(0, 1)), { fromHeight: 1 });
    assert.equal(await snapshot(), before);
    assert.equal(await indexedHeight(db, "test-chain"), 4);
    await indexChain(db, fakeNode(blocks), { fromHeight: 1 });
    assert.equal(await snapshot(), before);
  });

  test("a malformed event stops the run before the cursor moves past it", async () => {
    const bad: ChainBlock[] = [...blocks, { height: 5, time: T, txs: [tx("DD", 0, [ev(`${M}EventOrderCreated`, { id: "-1", customer: CUSTOMER })])], events: [] }];
    await assert.rejects(indexChain(db, fakeNode(bad)), /not a chain id/);
    assert.equal(await indexedHeight(db, "test-chain"), 4);
  });
});
