// The marketplace API on chain, end to end: the real Worker (workerd) with VE_CHAIN_RPC and the
// bridge mnemonic bound, against a real localnet. Orders and offerings made through the HTTP API
// become outbox rows in the same D1 batch, the Worker sends them (after the request and from the
// cron), x/market holds them in the right state, and the indexer mirrors them back into D1.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { and, eq, lte } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { cometBlockSource, cometClient, indexChain, OfferingState, OrderState } from "../../src/bridge/chain/index.ts";
import { chainEscrowEvents, chainIndexCursor, chainOffchain, chainOfferings, chainOrders, chainOutbox, chainUsage, sealedBlobs } from "../../src/db/schema/index.ts";
import { type Api, dbOf, type Json, userApi } from "../helpers/api.ts";
import { createOffering, createProvider, type ProviderFixture } from "../helpers/catalog.ts";
import { type Chain, linkWallet as linkChainWallet, startChain, waitFor as waitForChain } from "../helpers/chain.ts";

// One root hook starts the localnet and then the Worker bound to it (the Worker needs its RPC port).
const ctx = {} as { chain: Chain; stop?: () => Promise<void> };
let host: WorkerHost;
before(async () => {
  const started = await startChain();
  ctx.chain = started.chain;
  ctx.stop = started.stop;
  host = await startWorkerHost({ vars: ctx.chain.env() });
});
after(async () => {
  await host?.dispose();
  await ctx.stop?.();
});

const db = () => dbOf(host);
const cron = async () => (await host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });

const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false>) => waitForChain(what, probe, cron);
/** Links one of the localnet's named accounts to an API user. */
const linkWallet = (api: Api, account: string) => linkChainWallet(api, ctx.chain.accounts[account]!, ctx.chain.prefix);

interface Shop {
  f: ProviderFixture;
  offering: Json;
  plan: Json;
}

/** A provider organization whose owner may have a wallet, with one active offering. */
async function shop(providerAccount: string | null, spec: Parameters<typeof createOffering>[1] = {}): Promise<Shop> {
  const f = await createProvider(host);
  if (providerAccount) await linkWallet(f.provider, providerAccount);
  const offering = await createOffering(f, spec);
  const plans = await f.provider.expect(200, f.provider.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
  return { f, offering, plan: plans[0] };
}

// A wallet belongs to one account: each localnet customer is one API user, made once.
const customers = new Map<string, Promise<{ api: Api; project: Json }>>();
function customer(account: string | null): Promise<{ api: Api; project: Json }> {
  if (!account) return newCustomer(null);
  if (!customers.has(account)) customers.set(account, newCustomer(account));
  return customers.get(account)!;
}

async function newCustomer(account: string | null): Promise<{ api: Api; project: Json }> {
  const api = await userApi(host);
  if (account) await linkWallet(api, account);
  const org = await api.expect(201, api.post("/api/customers/", { name: `Org ${Math.random().toString(36).slice(2)}` }));
  const project = await api.expect(201, api.post("/api/projects/", { name: "Research", customer: org.url }));
  return { api, project };
}

const order = (s: Shop, c: { api: Api; project: Json }, limits: Record<string, number> = { storage: 10 }, attributes: Json = { name: "chain-test" }) =>
  c.api.expect(
    201,
    c.api.post("/api/marketplace-orders/", {
      offering: `${host.url}/api/marketplace-public-offerings/${s.offering.uuid}/`,
      project: c.project.url,
      plan: s.plan.url,
      limits,
      attributes,
    }),
  );

const rowsFor = (ref: string) => db().select().from(chainOutbox).where(eq(chainOutbox.ref, ref)).orderBy(chainOutbox.id);

describe("marketplace → chain", () => {
  let mainShop: Shop;
  before(async () => {
    mainShop = await shop("provider");
  });

  test("an order's life through the API lands on chain in the right state and is indexed back", async () => {
    const s = mainShop;
    const offeringRows = await rowsFor(s.offering.uuid);
    assert.deepEqual(
      offeringRows.map((r) => [r.kind, r.signer]),
      // The provider record first (its owner linked a wallet after becoming a service provider).
      [
        ["provider.upserted", ctx.chain.accounts.provider!.address],
        ["offering.created", ctx.chain.accounts.provider!.address],
      ],
    );
    const c = await customer("customer1");
    // A private attribute: sealed by the API, so only the envelope's hash and key go on chain.
    const o = await order(s, c, { storage: 10 }, { name: "chain-test", purpose: "secret-genome-project" });
    assert.equal(o.state, "pending-provider");
    const createdRow = (await rowsFor(o.uuid))[0]!;
    assert.doesNotMatch(JSON.stringify(createdRow.payload), /secret-genome-project/);
    await s.f.provider.expect(200, s.f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
    await s.f.provider.expect(200, s.f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
    const rid = o.marketplace_resource_uuid;
    await s.f.provider.expect(201, s.f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "2.50" }], resource: rid }));
    // A re-report replaces the month's total in the API; only the increase is charged on chain.
    await s.f.provider.expect(201, s.f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "3.75" }], resource: rid }));
    await s.f.provider.expect(201, s.f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "3.00" }], resource: rid }));

    const kinds = (await rowsFor(o.uuid)).map((r) => r.kind);
    assert.deepEqual(kinds, ["order.created", "order.approved", "order.done", "usage.reported", "usage.reported"]);

    const seen = await waitFor("the order done on chain and indexed", async () => {
      const v = await c.api.expect(200, c.api.get(`/api/marketplace-orders/${o.uuid}/`));
      const rows = await rowsFor(o.uuid);
      return v.chain_state === "done" && rows.every((r) => r.state === "committed") && (await db().select().from(chainUsage)).length >= 2 ? v : undefined;
    });
    const rows = await rowsFor(o.uuid);
    assert.equal(seen.state, "done", "Waldur fields unchanged");
    assert.equal(seen.chain_lease_state, "active");
    assert.equal(seen.chain_tx_hash, rows.at(-1)?.txHash);
    assert.match(seen.chain_id, /^[1-9][0-9]*$/);

    const chainOrder = await ctx.chain.query.market.order(BigInt(seen.chain_id));
    assert.equal(chainOrder.state, OrderState.DONE);
    assert.equal(chainOrder.customer, ctx.chain.accounts.customer1!.address);
    assert.equal(chainOrder.plan, s.plan.uuid);
    const [sealed] = await db().select().from(sealedBlobs).where(eq(sealedBlobs.recordId, o.uuid));
    assert.ok(sealed, "the attributes were sealed");
    assert.equal(chainOrder.detailsKey, sealed.objectKey);
    assert.equal(Buffer.from(chainOrder.detailsHash).toString("hex"), sealed.sha256);
    assert.deepEqual(
      chainOrder.limits.map((l) => [l.component, l.amount]),
      [["storage", 10n]],
    );
    const offeringView = await s.f.provider.expect(200, s.f.provider.get(`/api/marketplace-provider-offerings/${s.offering.uuid}/`));
    assert.equal(offeringView.chain_state, "active");
    const providerList = await s.f.provider.expect(200, s.f.provider.get(`/api/marketplace-provider-offerings/?customer_uuid=${s.f.customer.uuid}`));
    assert.equal(providerList.find((x: Json) => x.uuid === s.offering.uuid)?.chain_id, offeringView.chain_id);
    assert.equal(chainOrder.offeringId, BigInt(offeringView.chain_id));
    const chainOffering = await ctx.chain.query.market.offering(BigInt(offeringView.chain_id));
    assert.equal(chainOffering.provider, ctx.chain.accounts.provider!.address);
    assert.equal(chainOffering.offeringType, "Marketplace.Basic");
    // 0.50 VE per cpu hour = 5000 uve per hundredth; 0.10 VE per GB-month of storage = 1 uve per block (rounded up).
    const prices = Object.fromEntries(chainOffering.plans[0]!.components.map((x) => [x.component, x.price?.amount]));
    assert.deepEqual(prices, { cpu: "5000", storage: "1" });

    // Usage: 2.50 then +1.25 (the later decrease to 3.00 is not posted), in hundredths.
    const usage = await ctx.chain.query.market.usage(BigInt(seen.chain_id));
    assert.deepEqual(
      usage.map((u) => [u.component, u.amount, u.cost?.amount]),
      [
        ["cpu", 250n, "1250000"],
        ["cpu", 125n, "625000"],
      ],
    );

    // The indexer's tables.
    const status = cometClient(ctx.chain.rpcUrl);
    const chainId = (await status.status()).nodeInfo.network;
    status.disconnect();
    const [mirrored] = await db()
      .select()
      .from(chainOrders)
      .where(and(eq(chainOrders.chainId, chainId), eq(chainOrders.orderId, Number(seen.chain_id))));
    assert.equal(mirrored?.state, "done");
    assert.equal(mirrored?.customer, ctx.chain.accounts.customer1!.address);
    assert.equal(mirrored?.leaseProvider, ctx.chain.accounts.provider!.address);
    assert.equal(mirrored?.leasePrice, "10uve");
    const mirroredUsage = await db().select().from(chainUsage).where(eq(chainUsage.orderId, Number(seen.chain_id))).orderBy(chainUsage.seq);
    assert.deepEqual(
      mirroredUsage.map((u) => [u.amount, u.cost]),
      [
        ["250", "1250000uve"],
        ["125", "625000uve"],
      ],
    );
    const escrow = await db().select().from(chainEscrowEvents).where(eq(chainEscrowEvents.accountId, `order/${seen.chain_id}`));
    // One plan month of the fixed rate: 10 uve per block × 2,592,000 blocks.
    assert.equal(escrow.find((e) => e.type === "account_created")?.amount, "25920000uve");
    assert.ok(escrow.some((e) => e.type === "payment_created" && e.amount === "10uve"));

    // Re-indexing from the first block changes nothing (up to the height indexed so far; EndBlocker
    // sweeps keep adding escrow events in new blocks).
    const upTo = (await db().select().from(chainIndexCursor).where(eq(chainIndexCursor.chainId, chainId)))[0]!.height;
    const snapshot = async () =>
      JSON.stringify([
        await db().select().from(chainOrders).orderBy(chainOrders.orderId),
        await db().select().from(chainOfferings).orderBy(chainOfferings.offeringId),
        await db().select().from(chainUsage).orderBy(chainUsage.orderId, chainUsage.seq),
        await db().select().from(chainEscrowEvents).where(lte(chainEscrowEvents.height, upTo)).orderBy(chainEscrowEvents.height, chainEscrowEvents.txIndex, chainEscrowEvents.eventIndex),
      ]);
    const beforeReindex = await snapshot();
    const r = await indexChain(db(), cometBlockSource(ctx.chain.rpcUrl), { fromHeight: 1, maxBlocks: 100_000, deadlineMs: 120_000 });
    assert.equal(r.from, 1);
    // Blocks made after the snapshot may add rows; the ones already there must be unchanged.
    const afterReindex = JSON.parse(await snapshot()) as unknown[][];
    const beforeRows = JSON.parse(beforeReindex) as unknown[][];
    beforeRows.forEach((table, i) => {
      for (const row of table) assert.ok(afterReindex[i]!.some((x) => JSON.stringify(x) === JSON.stringify(row)), `row kept: ${JSON.stringify(row)}`);
      assert.equal(afterReindex[i]!.length, table.length, "no row added twice");
    });
  });

  test("orders made while the node is down are all sent once it is back, none twice", async () => {
    const s = mainShop;
    const c = await customer("customer1");
    await ctx.chain.stopNode();
    let orders: Json[];
    try {
      orders = [await order(s, c), await order(s, c), await order(s, c)];
      // A move while down: withdrawn before the provider saw it.
      await c.api.expect(202, c.api.post(`/api/marketplace-orders/${orders[2].uuid}/cancel/`));
      const view = await c.api.expect(200, c.api.get(`/api/marketplace-orders/${orders[0].uuid}/`));
      assert.equal(view.chain_state, "pending");
      await cron(); // the cron fails to reach the node and keeps everything
      for (const o of orders) for (const r of await rowsFor(o.uuid)) assert.equal(r.state, "pending");
    } finally {
      await ctx.chain.startNode();
    }
    // Recovery, not latency, is under test: a send that was under way when the node went down holds
    // the sender lock until its TTL (60 s) and its rows back off, so allow well beyond that.
    let lastSeen = "";
    await waitForChain(
      "every order committed",
      async () => {
        const rows = (await Promise.all(orders.map((o) => rowsFor(o.uuid)))).flat();
        lastSeen = rows.map((r) => `${r.kind}:${r.state}${r.lastError ? ` (${r.lastError})` : ""}`).join(", ");
        return rows.every((r) => r.state === "committed");
      },
      cron,
      240_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; outbox rows: ${lastSeen}`);
    });
    const ids: bigint[] = [];
    for (const o of orders) {
      const created = (await rowsFor(o.uuid)).filter((r) => r.kind === "order.created");
      assert.equal(created.length, 1);
      ids.push(BigInt(created[0]!.result!.chainId!));
    }
    assert.equal(new Set(ids).size, 3);
    // biome-ignore lint/complexity/useMathMinMax: bigints
    const max = ids.reduce((a, b) => (a > b ? a : b));
    await assert.rejects(ctx.chain.query.market.order(max + 1n), /not found/, "no order was created twice");
    assert.equal((await ctx.chain.query.market.order(ids[2]!)).state, OrderState.CANCELED);
    assert.equal((await ctx.chain.query.market.order(ids[0]!)).state, OrderState.PENDING_PROVIDER);
  });

  test("a customer without a wallet: the order works in the API and is counted off chain", async () => {
    const c = await customer(null);
    const o = await order(mainShop, c);
    assert.equal(o.chain_state, "off-chain");
    assert.equal(o.chain_offchain_reason, "no_customer_wallet");
    assert.equal(o.chain_id, null);
    assert.deepEqual(await rowsFor(o.uuid), []);
    // Later moves of an off-chain order write nothing either.
    await mainShop.f.provider.expect(200, mainShop.f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
    assert.deepEqual(await rowsFor(o.uuid), []);
    const notes = await db().select().from(chainOffchain).where(eq(chainOffchain.ref, o.uuid));
    assert.deepEqual(
      notes.map((n) => [n.kind, n.reason]),
      [["order.created", "no_customer_wallet"]],
    );

    // A provider organization without a wallet: its offering and every order on it stay off chain.
    const plain = await shop(null);
    const offeringView = await plain.f.provider.expect(200, plain.f.provider.get(`/api/marketplace-provider-offerings/${plain.offering.uuid}/`));
    assert.equal(offeringView.chain_state, "off-chain");
    assert.equal(offeringView.chain_offchain_reason, "no_provider_wallet");
    // Activated again (still without a wallet): the same case, counted once.
    await plain.f.provider.expect(200, plain.f.provider.post(`/api/marketplace-provider-offerings/${plain.offering.uuid}/pause/`, {}));
    await plain.f.provider.expect(200, plain.f.provider.post(`/api/marketplace-provider-offerings/${plain.offering.uuid}/unpause/`));
    assert.equal((await db().select().from(chainOffchain).where(eq(chainOffchain.ref, plain.offering.uuid))).length, 1);
    const o2 = await order(plain, await customer("customer1"));
    assert.equal(o2.chain_offchain_reason, "offering_off_chain");

    const staff = mainShop.f.staff;
    const status = await staff.expect(200, staff.get("/api/chain-status/"));
    assert.equal(status.bridge_configured, true);
    assert.ok(status.off_chain.no_customer_wallet >= 1);
    assert.ok(status.off_chain.no_provider_wallet >= 1);
    assert.ok(status.off_chain.offering_off_chain >= 1);
    assert.ok(status.indexer[0].height > 0);
    assert.equal(typeof status.outbox.committed, "number");
    assert.equal((await c.api.get("/api/chain-status/")).status, 403);
  });

  test("bad cases: unrepresentable values stay off chain, races write one record, chain refusals are kept", async () => {
    // A component type the API accepts but x/market does not ("/" is not in a chain identifier).
    const odd = await createOffering(mainShop.f, {
      components: [{ type: "gpu/hours", name: "GPU", measured_unit: "hours", billing_type: "usage" }],
      plans: [{ name: "Standard", unit: "month", prices: { "gpu/hours": "1.00" } }],
    });
    assert.equal(odd.state, "Active");
    const oddView = await mainShop.f.provider.expect(200, mainShop.f.provider.get(`/api/marketplace-provider-offerings/${odd.uuid}/`));
    assert.equal(oddView.chain_state, "off-chain");
    assert.equal(oddView.chain_offchain_reason, "not_representable");
    assert.deepEqual(await rowsFor(odd.uuid), []);

    // Two approvals at once: one wins, one record.
    const c = await customer("customer1");
    const o = await order(mainShop, c);
    const p = mainShop.f.provider;
    const results = await Promise.all([
      p.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}),
      p.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
    assert.equal((await rowsFor(o.uuid)).filter((r) => r.kind === "order.approved").length, 1);

    // customer2 never granted the bridge anything: x/authz refuses, the API order is unaffected
    // and the order's later records are not sent.
    const c2 = await customer("customer2");
    const refused = await order(mainShop, c2);
    await p.expect(200, p.post(`/api/marketplace-orders/${refused.uuid}/approve_by_provider/`, {}));
    await waitFor("the chain's refusal", async () => {
      const rows = await rowsFor(refused.uuid);
      return rows.every((r) => r.state === "failed") ? rows : undefined;
    });
    const [created, approved] = await rowsFor(refused.uuid);
    assert.ok(created?.chainCodespace, "the chain's codespace is kept");
    assert.match(created?.chainLog ?? "", /authoriz/i);
    assert.match(approved?.chainLog ?? "", /not sent/);
    const v = await c2.api.expect(200, c2.api.get(`/api/marketplace-orders/${refused.uuid}/`));
    assert.equal(v.state, "executing");
    assert.equal(v.chain_state, "failed");
  });

  test("terminating a resource closes its lease on chain; Update and Terminate orders are not orders there", async () => {
    const c = await customer("customer1");
    const p = mainShop.f.provider;
    const o = await order(mainShop, c);
    await p.expect(200, p.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
    await p.expect(200, p.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
    const rid = o.marketplace_resource_uuid;
    const upd = await c.api.expect(200, c.api.post(`/api/marketplace-resources/${rid}/update_limits/`, { limits: { storage: 20 } }));
    await p.expect(200, p.post(`/api/marketplace-orders/${upd.order_uuid}/approve_by_provider/`, {}));
    await p.expect(200, p.post(`/api/marketplace-orders/${upd.order_uuid}/set_state_done/`));
    const term = await c.api.expect(200, c.api.post(`/api/marketplace-resources/${rid}/terminate/`, {}));
    await p.expect(200, p.post(`/api/marketplace-orders/${term.order_uuid}/approve_by_provider/`, {}));
    await p.expect(200, p.post(`/api/marketplace-orders/${term.order_uuid}/set_state_done/`));
    assert.deepEqual(await rowsFor(upd.order_uuid), []);
    assert.deepEqual(await rowsFor(term.order_uuid), []);
    const view = await waitFor("the lease closed and indexed", async () => {
      const v = await c.api.expect(200, c.api.get(`/api/marketplace-orders/${o.uuid}/`));
      return v.chain_lease_state === "closed" ? v : undefined;
    });
    assert.deepEqual(
      (await rowsFor(o.uuid)).map((r) => [r.kind, r.state]),
      [
        ["order.created", "committed"],
        ["order.approved", "committed"],
        ["order.done", "committed"],
        ["resource.terminated", "committed"],
      ],
    );
    const lease = await ctx.chain.query.market.lease(BigInt(view.chain_id));
    assert.equal(lease.closeReason, 1, "closed by the customer, who asked for the termination");
    const [row] = await db().select().from(chainOrders).where(eq(chainOrders.orderId, Number(view.chain_id)));
    assert.equal(row?.leaseCloseReason, "customer");
  });

  test("pausing, resuming and archiving an offering move it on chain too", async () => {
    const p = mainShop.f.provider;
    const off = await createOffering(mainShop.f);
    const chainState = async (want: string) => {
      const v = await waitFor(`offering ${want} on chain and indexed`, async () => {
        const got = await p.expect(200, p.get(`/api/marketplace-provider-offerings/${off.uuid}/`));
        return got.chain_state === want ? got : undefined;
      });
      return (await ctx.chain.query.market.offering(BigInt(v.chain_id))).state;
    };
    assert.equal(await chainState("active"), OfferingState.ACTIVE);
    await p.expect(200, p.post(`/api/marketplace-provider-offerings/${off.uuid}/pause/`, { paused_reason: "maintenance" }));
    assert.equal(await chainState("paused"), OfferingState.PAUSED);
    await p.expect(200, p.post(`/api/marketplace-provider-offerings/${off.uuid}/unpause/`));
    assert.equal(await chainState("active"), OfferingState.ACTIVE);
    await p.expect(200, p.post(`/api/marketplace-provider-offerings/${off.uuid}/archive/`));
    assert.equal(await chainState("archived"), OfferingState.ARCHIVED);
    assert.deepEqual(
      (await rowsFor(off.uuid)).map((r) => [r.kind, r.state]),
      [
        ["offering.created", "committed"],
        ["offering.state", "committed"],
        ["offering.state", "committed"],
        ["offering.state", "committed"],
      ],
    );
  });
});
