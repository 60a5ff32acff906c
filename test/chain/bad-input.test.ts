// Bad input through the bridge, against a real localnet: outbox rows the record builders would
// refuse (written here as raw rows, as a bug or a tampered D1 row would) and records the chain
// refuses for its own reasons. Each row ends `failed` with the chain's registered codespace, code
// and message; no order, escrow deposit or balance changes, and the rows around it still go out.
// (Bids are not a bridge flow — providers bid with their own keys — so self-bids, duplicate bids
// and bids above the maximum are tested on chain only: chain/x/market/keeper.)
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { fromBase64 } from "@cosmjs/encoding";
import { eq } from "drizzle-orm";
import type { Miniflare } from "miniflare";
import { ROOT } from "../../scripts/lib/build-worker.ts";
import { ChainSender, type ChainSenderConfig, chainIdFor, chainRecords, cometClient, outboxInsert, type OutboxRecord } from "../../src/bridge/chain/index.ts";
import { chainOutbox } from "../../src/db/schema/index.ts";
import { startD1, type TestDb, useChain } from "../helpers/chain.ts";

const run = promisify(execFile);
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

async function drain(cfg: Partial<ChainSenderConfig> = {}) {
  const s = await ChainSender.create(db, { rpcUrl: ctx.chain.rpcUrl, mnemonic: ctx.chain.bridge.mnemonic, prefix: ctx.chain.prefix, confirmTimeoutMs: 15_000, ...cfg });
  try {
    return await s.drain({ deadlineMs: 60_000 });
  } finally {
    s.disconnect();
  }
}

const row = async (uuid: string) => (await db.select().from(chainOutbox).where(eq(chainOutbox.uuid, uuid)))[0];

/** What a bad record must not touch: the customer's balance and the next order id. */
async function snapshot() {
  const balance = (await ctx.chain.query.bank.balance(addr("customer1"), "uve")).amount;
  let next = 1n;
  // Orders are numbered from 1: find the first id that does not exist.
  for (;;) {
    try {
      await ctx.chain.query.market.order(next);
      next++;
    } catch {
      break;
    }
  }
  return { balance, next };
}

const raw = (typeUrl: string, signer: string, payload: Record<string, unknown>): OutboxRecord => ({ kind: "test.raw", ref: null, signer, typeUrl, payload });

let offeringId = "";
const offeringUuid = crypto.randomUUID();
const goodOrderUuid = crypto.randomUUID();
const DEPOSIT = 2_000_000;

function order(over: Record<string, unknown>) {
  return { customer: addr("customer1"), offeringId, plan: "small", limits: [{ component: "cores", amount: "1" }], deposit: { denom: "uve", amount: String(DEPOSIT) }, ...over };
}
const createOrder = (over: Record<string, unknown>, signer = addr("customer1")) => raw(`${M}MsgCreateOrder`, signer, order(over));

interface Expect {
  codespace: string;
  code: number;
  log: RegExp;
}

/** Each row, the registered error it must end with. */
const cases: [string, () => OutboxRecord, Expect][] = [
  ["invalid bech32", () => createOrder({ customer: "virtengine1notanaddress" }), { codespace: "sdk", code: 7, log: /MsgCreateOrder: signer: decoding bech32 failed/ }],
  ["wrong prefix", () => createOrder({ customer: "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu" }), { codespace: "sdk", code: 7, log: /hrp does not match bech32 prefix/ }],
  ["zero amount", () => createOrder({ deposit: { denom: "uve", amount: "0" } }), { codespace: "market", code: 3, log: /deposit must be positive/ }],
  ["negative amount", () => createOrder({ deposit: { denom: "uve", amount: "-5" } }), { codespace: "market", code: 3, log: /negative coin amount: -5/ }],
  ["overflowing amount", () => createOrder({ deposit: { denom: "uve", amount: `1${"0".repeat(39)}` } }), { codespace: "market", code: 3, log: /exceeds the maximum/ }],
  ["amount that is no integer", () => createOrder({ deposit: { denom: "uve", amount: "12abc" } }), { codespace: "sdk", code: 2, log: /cannot unmarshal "12abc"/ }],
  ["wrong denom", () => createOrder({ deposit: { denom: "stake", amount: String(DEPOSIT) } }), { codespace: "market", code: 4, log: /deposit must be in uve, got "stake"/ }],
  ["unknown offering", () => createOrder({ offeringId: "999999" }), { codespace: "market", code: 6, log: /offering not found/ }],
  ["unknown order", () => raw(`${M}MsgApproveOrder`, addr("provider"), { provider: addr("provider"), orderId: "424242" }), { codespace: "market", code: 9, log: /order 424242: order not found/ }],
  ["wrong signer (customer approves)", () => chainRecords.orderApproved({ orderUuid: goodOrderUuid, provider: addr("customer1") }), { codespace: "market", code: 11, log: /signer is not the party/ }],
  ["signer without a grant", () => createOrder({ customer: addr("customer2") }, addr("customer2")), { codespace: "authz", code: 2, log: /authorization not found/ }],
];

describe("bad input through the bridge", () => {
  test("setup: an offering and an order on chain", async () => {
    await db.batch([
      outboxInsert(
        db,
        chainRecords.offeringCreated({
          offeringUuid,
          provider: addr("provider"),
          category: "vm",
          offeringType: "OpenStack.Instance",
          plans: [{ name: "small", components: [{ component: "cores", billing: "fixed", priceUve: 10 }] }],
        }),
      ),
    ]);
    await db.batch([outboxInsert(db, chainRecords.orderCreated({ orderUuid: goodOrderUuid, customer: addr("customer1"), offering: { ref: offeringUuid }, plan: "small", depositUve: DEPOSIT }))]);
    await drain();
    offeringId = (await chainIdFor(db, offeringUuid)) as string;
    assert.match(offeringId, /^[0-9]+$/);
    assert.match((await chainIdFor(db, goodOrderUuid)) ?? "", /^[0-9]+$/);
  });

  test("every bad row ends failed with its registered error; the good row after them goes out; nothing else changes", async () => {
    const before = await snapshot();
    const uuids = new Map<string, string>();
    for (const [name, rec] of cases) {
      const uuid = crypto.randomUUID();
      uuids.set(name, uuid);
      await db.batch([outboxInsert(db, rec(), { uuid })]);
    }
    const good = crypto.randomUUID();
    await db.batch([outboxInsert(db, chainRecords.orderCreated({ orderUuid: good, customer: addr("customer1"), offering: { ref: offeringUuid }, plan: "small", depositUve: DEPOSIT }))]);
    await drain();
    for (const [name, , want] of cases) {
      const r = await row(uuids.get(name) as string);
      assert.equal(r?.state, "failed", `${name}: ${JSON.stringify(r)}`);
      assert.equal(r?.chainCodespace, want.codespace, `${name}: ${r?.chainLog}`);
      assert.equal(r?.chainCode, want.code, `${name}: ${r?.chainLog}`);
      assert.match(r?.chainLog ?? "", want.log, name);
      assert.equal(r?.txBytes, null, `${name}: no signed bytes left to re-send`);
    }
    // Exactly one new order (the good one), paid by exactly its deposit.
    const after = await snapshot();
    assert.equal(after.next, before.next + 1n);
    assert.equal(BigInt(after.balance), BigInt(before.balance) - BigInt(DEPOSIT));
    const created = await chainIdFor(db, good);
    assert.equal(created, String(before.next));
    const onChain = await ctx.chain.query.market.order(BigInt(created as string));
    assert.equal(onChain.customer, addr("customer1"));
  });

  test("a replayed transaction changes nothing: a new drain sends nothing, the same bytes are refused", async () => {
    const uuid = crypto.randomUUID();
    await db.batch([outboxInsert(db, chainRecords.orderCreated({ orderUuid: crypto.randomUUID(), customer: addr("customer1"), offering: { ref: offeringUuid }, plan: "small", depositUve: DEPOSIT }), { uuid })]);
    let bytes = "";
    await drain({
      hooks: {
        afterSign(rows) {
          bytes = rows.find((r) => r.uuid === uuid)?.txBytes ?? bytes;
        },
      },
    });
    assert.equal((await row(uuid))?.state, "committed");
    assert.ok(bytes);
    const before = await snapshot();
    const again = await drain();
    assert.equal(again.reduce((n, r) => n + r.signed + r.broadcast, 0), 0);
    const comet = cometClient(ctx.chain.rpcUrl);
    try {
      const res = await comet.broadcastTxSync({ tx: fromBase64(bytes) }).then(
        (r) => ({ code: r.code, codespace: r.codespace, log: r.log ?? "" }),
        (e: Error) => ({ code: -1, codespace: "", log: e.message }),
      );
      // Either CheckTx refuses the spent sequence (sdk 32) or the node's cache already knows the tx.
      if (res.code === -1) assert.match(res.log, /tx already exists in cache/);
      else {
        assert.equal(res.codespace, "sdk");
        assert.equal(res.code, 32);
        assert.match(res.log, /account sequence mismatch/);
      }
    } finally {
      comet.disconnect();
    }
    await new Promise((r) => setTimeout(r, 2500)); // two blocks: nothing lands
    assert.deepEqual(await snapshot(), before);
  });

  test("a suspended account's records are refused by the ante handler with roles' code", async () => {
    const home = ctx.chain.home;
    const bin = path.join(ROOT, "chain/build/virtengined");
    const node = ctx.chain.rpcUrl.replace(/^http/, "tcp");
    const { stdout } = await run(bin, ["tx", "roles", "set-state", addr("customer1"), "suspended", "bad-input-test", "--from", "genesis-admin", "--keyring-backend", "test", "--home", home, "--node", node, "--chain-id", "virtengine-local", "-y", "-o", "json"]);
    assert.equal(JSON.parse(stdout).code, 0, stdout);
    const state = async () => JSON.parse((await run(bin, ["q", "roles", "state", addr("customer1"), "--home", home, "--node", node, "-o", "json"])).stdout);
    for (let i = 0; i < 30 && !JSON.stringify(await state()).includes("SUSPENDED"); i++) await new Promise((r) => setTimeout(r, 500));
    const before = await snapshot();
    const uuid = crypto.randomUUID();
    await db.batch([outboxInsert(db, chainRecords.orderCreated({ orderUuid: crypto.randomUUID(), customer: addr("customer1"), offering: { ref: offeringUuid }, plan: "small", depositUve: DEPOSIT }), { uuid })]);
    await drain();
    const r = await row(uuid);
    assert.equal(r?.state, "failed");
    assert.equal(r?.chainCodespace, "roles");
    assert.equal(r?.chainCode, 10);
    assert.match(r?.chainLog ?? "", /is suspended/);
    assert.deepEqual(await snapshot(), before);
  });
});
