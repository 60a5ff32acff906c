// Providers other than the localnet's pre-made one, end to end against a real localnet and the
// real Worker: a fresh wallet enrolled the way a new provider is (funded, ServiceProvider role
// nominated by genesis-admin, x/authz grants to the bridge) becomes an x/market provider through
// the outbox, ordered before its first offering; a wallet without the role is refused by the chain
// and its offering fails with it. Also: parallel usage reports post each increase once.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { eq } from "drizzle-orm";
import { enrollProvider, fundAndGrant } from "../../scripts/lib/chain-bridge-setup.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { OfferingState } from "../../src/bridge/chain/index.ts";
import { usagePricePerStep } from "../../src/bridge/chain/pricing.ts";
import { chainOutbox, offerings, plans } from "../../src/db/schema/index.ts";
import { type Api, dbOf, type Json, staffApi, userApi } from "../helpers/api.ts";
import { createOffering, type ProviderFixture } from "../helpers/catalog.ts";
import { type Chain, type ChainAccount, linkWallet, startChain, waitFor } from "../helpers/chain.ts";

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
const settle = <T>(what: string, probe: () => Promise<T | undefined | false>) => waitFor(what, probe, cron);
const rowsFor = (ref: string) => db().select().from(chainOutbox).where(eq(chainOutbox.ref, ref)).orderBy(chainOutbox.id);

/** A provider organization whose owner linked `wallet` before becoming a service provider. */
async function providerOrg(wallet: ChainAccount): Promise<ProviderFixture> {
  const staff = await staffApi(host);
  const provider = await userApi(host);
  await linkWallet(provider, wallet, ctx.chain.prefix);
  const customer = await provider.expect(201, provider.post("/api/customers/", { name: `Provider ${provider.username}` }));
  const serviceProvider = await provider.expect(201, provider.post("/api/marketplace-service-providers/", { customer: customer.url }));
  const category = await staff.expect(201, staff.post("/api/marketplace-categories/", { title: `Cat ${provider.username}` }));
  return { staff, provider, customer, serviceProvider, category };
}

async function freshWallet(): Promise<ChainAccount> {
  const w = await DirectSecp256k1HdWallet.generate(24, { prefix: ctx.chain.prefix });
  const [a] = await w.getAccounts();
  return { name: "fresh", address: a!.address, mnemonic: w.mnemonic };
}

describe("providers on chain", () => {
  let f: ProviderFixture;
  let wallet: ChainAccount;
  let offering: Json;
  before(async () => {
    const c = ctx.chain;
    wallet = await enrollProvider(c.rpcUrl, c.accounts, c.bridge, c.prefix);
    f = await providerOrg(wallet);
    offering = await createOffering(f);
  });

  test("a new provider's record goes to the outbox when it becomes a service provider and before its first offering", async () => {
    const spRows = await rowsFor(f.serviceProvider.uuid);
    assert.deepEqual(
      spRows.map((r) => [r.kind, r.signer, r.payload]),
      [["provider.upserted", wallet.address, { owner: wallet.address, name: f.customer.uuid }]],
      "only public data: the wallet and the organization's uuid",
    );
    const rows = await rowsFor(offering.uuid);
    const created = rows.findIndex((r) => r.kind === "offering.created");
    assert.ok(created >= 0);
    // The provider record rides under the offering's ref unless the first one committed already.
    if (created > 0) assert.deepEqual(rows.slice(0, created).map((r) => r.kind), ["provider.upserted"]);
    else assert.equal((await rowsFor(f.serviceProvider.uuid))[0]?.state, "committed");

    const done = await settle("the offering committed on chain", async () => {
      const all = [...(await rowsFor(f.serviceProvider.uuid)), ...(await rowsFor(offering.uuid))];
      assert.ok(all.every((r) => r.state !== "failed"), JSON.stringify(all.map((r) => [r.kind, r.chainLog])));
      return all.every((r) => r.state === "committed") ? all : undefined;
    });
    const id = done.find((r) => r.kind === "offering.created")?.result?.chainId;
    assert.match(String(id), /^[1-9][0-9]*$/);
    const onChain = await ctx.chain.query.market.offering(BigInt(id as string));
    assert.equal(onChain.provider, wallet.address);
    assert.equal(onChain.state, OfferingState.ACTIVE);
  });

  test("a wallet without the ServiceProvider role: the chain refuses its record and the offering fails with it", async () => {
    const c = ctx.chain;
    const lone = await freshWallet();
    const admin = await c.clientFor("genesis-admin");
    const [adminAcct] = [c.accounts["genesis-admin"]!];
    const sent = await admin.sendTokens(adminAcct.address, lone.address, [{ denom: "uve", amount: "1000000" }], { amount: [{ denom: "uve", amount: "0" }], gas: "200000" });
    admin.disconnect();
    assert.equal(sent.code, 0);
    await fundAndGrant(c.rpcUrl, { ...c.accounts, lone }, c.bridge, ["lone"], c.prefix);
    const g = await providerOrg(lone);
    const o = await createOffering(g);
    const rows = await settle("the refusal", async () => {
      const r = await rowsFor(o.uuid);
      return r.length >= 2 && r.every((x) => x.state === "failed") ? r : undefined;
    });
    assert.deepEqual(rows.map((r) => r.kind), ["provider.upserted", "offering.created"]);
    assert.match(rows[0]!.chainLog ?? "", /ServiceProvider/);
    assert.match(rows[1]!.chainLog ?? "", /depends on failed/);
    const v = await g.provider.expect(200, g.provider.get(`/api/marketplace-provider-offerings/${o.uuid}/`));
    assert.equal(v.chain_state, "failed");
  });

  test("parallel usage reports post each increase once", async () => {
    const c = ctx.chain;
    const buyer = await userApi(host);
    await linkWallet(buyer, c.accounts.customer1!, c.prefix);
    const org = await buyer.expect(201, buyer.post("/api/customers/", { name: "Buyer org" }));
    const project = await buyer.expect(201, buyer.post("/api/projects/", { name: "Research", customer: org.url }));
    const plans = await buyer.expect(200, buyer.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
    const o = await buyer.expect(
      201,
      buyer.post("/api/marketplace-orders/", {
        offering: `${host.url}/api/marketplace-public-offerings/${offering.uuid}/`,
        project: project.url,
        plan: plans[0].url,
        limits: { storage: 10 },
        attributes: { name: "race" },
      }),
    );
    const p: Api = f.provider;
    await p.expect(200, p.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
    await p.expect(200, p.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
    const report = (amount: string) =>
      p.expect(201, p.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount }], resource: o.marketplace_resource_uuid }));
    // Six reports at once, totals up to 5.00: whatever order they commit in, 500 hundredths in all.
    await Promise.all(["3.00", "5.00", "3.00", "5.00", "4.00", "5.00"].map(report));
    const posted = (await rowsFor(o.uuid)).filter((r) => r.kind === "usage.reported");
    assert.ok(posted.length >= 1 && posted.length <= 3, `${posted.length} usage rows`);
    assert.equal(posted.reduce((s, r) => s + BigInt(String(r.payload.amount)), 0n), 500n);
    assert.ok(posted.every((r) => /^[1-9][0-9]*$/.test(String(r.payload.amount))));
    // A lower re-report posts nothing; a higher one posts only the difference.
    await report("4.50");
    await report("6.25");
    const after = (await rowsFor(o.uuid)).filter((r) => r.kind === "usage.reported");
    assert.equal(after.length, posted.length + 1);
    assert.equal(after.at(-1)?.payload.amount, "125");
    const charged = await settle("the usage on chain", async () => {
      const rows = await rowsFor(o.uuid);
      if (rows.some((r) => r.state === "failed")) assert.fail(JSON.stringify(rows.map((r) => [r.kind, r.chainLog])));
      if (!rows.every((r) => r.state === "committed")) return undefined;
      const id = BigInt(String(rows[0]!.result?.chainId));
      const recs = await c.query.market.usage(id);
      return recs.length === after.length ? recs : undefined;
    });
    assert.equal(charged.reduce((s, r) => s + r.amount, 0n), 625n);
  });
  // Last: the higher price would outrun the usage test's escrow deposit.
  test("plan changes after activation replace the offering's plans on chain, written with the change", async () => {
    const d = db();
    const off = (await d.select().from(offerings).where(eq(offerings.uuid, offering.uuid)).get())!;
    const plan = (await d.select().from(plans).where(eq(plans.offeringId, off.id)).get())!;
    const id = (await rowsFor(offering.uuid)).find((x) => x.kind === "offering.created")?.result?.chainId;
    const onChainPlans = async () => (await ctx.chain.query.market.offering(BigInt(id as string))).plans;
    const planRows = async () => (await rowsFor(offering.uuid)).filter((x) => x.kind === "offering.plans");
    const committedPlans = (n: number) =>
      settle(`${n} plan records on chain`, async () => {
        const rows = await planRows();
        const bad = rows.find((r) => r.state === "failed");
        if (bad) assert.fail(bad.chainLog ?? "failed");
        return rows.length === n && rows.every((r) => r.state === "committed") ? rows : undefined;
      });

    // update_prices: the price upsert and the record are one batch (a refused price writes neither).
    await f.provider.expect(400, f.provider.post(`/api/marketplace-plans/${plan.uuid}/update_prices/`, { prices: { cpu: "-1" } }));
    assert.equal((await planRows()).length, 0, "a refused change records nothing");
    await f.provider.expect(200, f.provider.post(`/api/marketplace-plans/${plan.uuid}/update_prices/`, { prices: { cpu: "7" } }));
    const [row] = await committedPlans(1);
    assert.equal(row!.typeUrl, "/virtengine.market.v1.MsgUpdateOffering");
    let chainPlans = await onChainPlans();
    assert.equal(chainPlans.find((p) => p.name === plan.uuid)?.components.find((c) => c.component === "cpu")?.price?.amount, usagePricePerStep("7").toString());

    // A new plan appears on chain; archiving it takes it off again; the first plan keeps its new price.
    const added = await f.provider.expect(
      201,
      f.provider.post("/api/marketplace-plans/", { offering: offering.url, name: "large", unit: "hour", prices: { cpu: "9" }, quotas: {} }),
    );
    await committedPlans(2);
    chainPlans = await onChainPlans();
    assert.deepEqual(chainPlans.map((p) => p.name).sort(), [plan.uuid, added.uuid].sort());
    assert.equal(chainPlans.find((p) => p.name === added.uuid)?.components.find((c) => c.component === "cpu")?.price?.amount, usagePricePerStep("9").toString());
    await f.provider.expect(200, f.provider.post(`/api/marketplace-plans/${added.uuid}/archive/`, {}));
    await committedPlans(3);
    chainPlans = await onChainPlans();
    assert.deepEqual(chainPlans.map((p) => p.name), [plan.uuid]);
    assert.equal(chainPlans[0]?.components.find((c) => c.component === "cpu")?.price?.amount, usagePricePerStep("7").toString());
    assert.equal((await ctx.chain.query.market.offering(BigInt(id as string))).state, OfferingState.ACTIVE, "state unchanged");
  });
});
