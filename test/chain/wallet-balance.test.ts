// GET /api/wallet/balance/ against a real localnet: the linked address's bank balance as the chain
// reports it, the escrow account of an order the API placed for the user and of one their address
// placed directly (seen by the indexer), nothing of another user's; no wallet → nulls; no chain → 503.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { EscrowQueryClient, MsgCreateOrder, typeUrlOf } from "../../src/bridge/chain/index.ts";
import { chainOrders, chainOutbox } from "../../src/db/schema/index.ts";
import { createProtobufRpcClient, QueryClient } from "@cosmjs/stargate";
import { cometClient } from "../../src/bridge/chain/client.ts";
import { type Api, dbOf, type Json, userApi } from "../helpers/api.ts";
import { createOffering, createProvider } from "../helpers/catalog.ts";
import { type Chain, linkWallet, startChain, waitFor } from "../helpers/chain.ts";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { assertAccessible, launch, step } from "../portal/browser.ts";

const ctx = {} as { chain: Chain; stop?: () => Promise<void> };
let host: WorkerHost;
let chainless: WorkerHost;
before(async () => {
  const [started] = await Promise.all([startChain(), ensurePortal()]);
  ctx.chain = started.chain;
  ctx.stop = started.stop;
  [host, chainless] = await Promise.all([startWorkerHost({ portal: true, vars: ctx.chain.env() }), startWorkerHost()]);
});
after(async () => {
  await host?.dispose();
  await chainless?.dispose();
  await ctx.stop?.();
});

const cron = async () => (await host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
const balanceOf = (api: Api) => api.get("/api/wallet/balance/");
const escrowQuery = () => new EscrowQueryClient(createProtobufRpcClient(new QueryClient(cometClient(ctx.chain.rpcUrl))));
const bank = async (name: string) => (await ctx.chain.query.bank.balance(ctx.chain.accounts[name]!.address, "uve")).amount;

test("no chain configured: 503 naming the missing setting; anonymous: 401", async () => {
  const api = await userApi(chainless);
  const r = await balanceOf(api);
  assert.equal(r.status, 503);
  assert.match((r.body as Json).detail, /No chain is configured.*VE_CHAIN_RPC/);
  const anon = await chainless.fetch("/api/wallet/balance/");
  assert.equal(anon.status, 401);
});

test("a user without a linked wallet gets nulls, not an error", async () => {
  const api = await userApi(host);
  const body = await api.expect(200, balanceOf(api));
  assert.deepEqual(body, { address: null, denom: "uve", balance: null, escrow: [], escrow_total: "0" });
});

test("the linked address's bank balance and the escrow of its orders, exact uve from the chain", { timeout: 300_000 }, async () => {
  const chain = ctx.chain;
  const me = await userApi(host);
  await linkWallet(me, chain.accounts.customer1!, chain.prefix);
  const first = await me.expect(200, balanceOf(me));
  assert.equal(first.address, chain.accounts.customer1!.address);
  assert.equal(first.balance, await bank("customer1"));
  assert.match(first.balance, /^[0-9]+$/);
  assert.deepEqual(first.escrow, []);

  // An order placed through the API: the bridge sends it for the user (x/authz), x/market opens order/<id>.
  const f = await createProvider(host);
  await linkWallet(f.provider, chain.accounts.provider!, chain.prefix);
  const offering = await createOffering(f, {});
  const plans = await f.provider.expect(200, f.provider.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
  const org = await me.expect(201, me.post("/api/customers/", { name: "Balance Org" }));
  const project = await me.expect(201, me.post("/api/projects/", { name: "Research", customer: org.url }));
  const apiOrder = await me.expect(
    201,
    me.post("/api/marketplace-orders/", {
      offering: `${host.url}/api/marketplace-public-offerings/${offering.uuid}/`,
      project: project.url,
      plan: plans[0].url,
      limits: { storage: 10 },
      attributes: { name: "balance-test" },
    }),
  );
  const db = dbOf(host);
  const apiChainId = await waitFor(
    "the API order on chain",
    async () => (await db.select().from(chainOutbox).where(eq(chainOutbox.ref, apiOrder.uuid))).find((r) => r.kind === "order.created" && r.state === "committed")?.result?.chainId,
    cron,
  );

  // An open order customer1 places directly (not through the API): found through the indexer's mirror.
  const client = await chain.clientFor("customer1");
  const customer = chain.accounts.customer1!.address;
  const res = await client.signAndBroadcast(
    customer,
    [
      {
        typeUrl: typeUrlOf(MsgCreateOrder),
        value: MsgCreateOrder.fromPartial({ customer, offeringId: 0n, category: "vm", maxPrice: { denom: "uve", amount: "1000" }, deposit: { denom: "uve", amount: "2000000" } }),
      },
    ],
    { amount: [{ denom: "uve", amount: "0" }], gas: "1000000" },
  );
  assert.equal(res.code, 0, res.rawLog);
  const directId = await waitFor(
    "the direct order indexed",
    async () => {
      const rows = await db.select().from(chainOrders).where(eq(chainOrders.customer, customer));
      return rows.map((r) => String(r.orderId)).find((id) => id !== apiChainId);
    },
    cron,
  );

  const body = await me.expect(200, balanceOf(me));
  assert.equal(body.balance, await bank("customer1"), "the bank balance as the chain reports it now");
  assert.ok(BigInt(body.balance) < BigInt(first.balance), "deposits and fees left the account");
  const esc = escrowQuery();
  const expected = await Promise.all(
    [apiChainId, directId].map(async (id) => {
      const a = (await esc.Account({ id: `order/${id}` })).account!;
      return { id, balance: a.balance!.amount, transferred: a.transferred!.amount };
    }),
  );
  assert.deepEqual(
    body.escrow.map((e: Json) => [e.account_id, e.order_id, e.order_uuid, e.owner, e.balance, e.transferred]).sort(),
    [
      [`order/${apiChainId}`, apiChainId, apiOrder.uuid, customer, expected[0]!.balance, expected[0]!.transferred],
      [`order/${directId}`, directId, null, customer, expected[1]!.balance, expected[1]!.transferred],
    ].sort(),
  );
  assert.ok(body.escrow.every((e: Json) => ["open", "overdrawn", "closed"].includes(e.state)));
  assert.equal(body.escrow_total, (BigInt(expected[0]!.balance) + BigInt(expected[1]!.balance)).toString());
  assert.ok(BigInt(body.escrow_total) >= 2_000_000n, "the direct order's deposit is held");

  // The portal shows the same amounts as VE, exactly (grouping and trailing zeros aside).
  const ve = (uve: string) => {
    const padded = uve.padStart(7, "0");
    const frac = padded.slice(-6).replace(/0+$/, "");
    return `${BigInt(padded.slice(0, -6)).toLocaleString("en-US")}${frac ? `.${frac}` : ""} VE`;
  };
  const browser = await launch(host.url);
  try {
    const { page } = await browser.person();
    await page.goto("/login?next=/wallet/balance");
    await page.getByLabel("Username").fill(me.username);
    await page.getByLabel("Password").fill("user-password-1");
    await page.getByRole("button", { name: "Log in" }).click();
    await step(page, "wallet balance: available and escrow in VE, as the chain holds them", async () => {
      await page.getByRole("heading", { name: "Wallet balance" }).waitFor();
      const now = await me.expect(200, balanceOf(me));
      assert.equal(await page.getByTestId("wallet-address").textContent(), customer);
      assert.equal(await page.getByTestId("wallet-available").textContent(), ve(now.balance));
      assert.equal(await page.getByTestId("wallet-escrow").textContent(), ve(now.escrow_total));
      assert.equal(await page.getByTestId("escrow").locator("tbody tr").count(), 2);
      await page.getByTestId("escrow").getByRole("cell", { name: `order/${directId}`, exact: true }).waitFor();
      await page.getByTestId("escrow").getByRole("link", { name: apiChainId, exact: true }).waitFor();
      await assertAccessible(page, "wallet balance");
    });
    await step(page, "wallet balance at phone width", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByTestId("wallet-available").waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
    });
  } finally {
    await browser.close();
  }

  // Another user with another address sees none of it.
  const other = await userApi(host);
  await linkWallet(other, chain.accounts.customer2!, chain.prefix);
  const theirs = await other.expect(200, balanceOf(other));
  assert.equal(theirs.address, chain.accounts.customer2!.address);
  assert.equal(theirs.balance, await bank("customer2"));
  assert.deepEqual(theirs.escrow, []);
});

test("an unreachable chain is a 503, not a 500", async () => {
  const down = await startWorkerHost({ vars: { VE_CHAIN_RPC: "http://127.0.0.1:9" } });
  try {
    const api = await userApi(down);
    await linkWallet(api, ctx.chain.accounts.customer2!, ctx.chain.prefix);
    const r = await balanceOf(api);
    assert.equal(r.status, 503);
    assert.match((r.body as Json).detail, /could not be reached/);
  } finally {
    await down.dispose();
  }
});
