import assert from "node:assert/strict";
import { test } from "node:test";
import { eq } from "drizzle-orm";
import { chainOutbox, offerings } from "../../src/db/schema/index.ts";
import { Api, dbOf, userApi } from "../helpers/api.ts";
import { createOffering, createProvider } from "../helpers/catalog.ts";
import { verifyProviderDomain } from "../helpers/domain.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();

test("offering lifecycle: Draft → activate (staff) → public → pause/unpause → archive, with Waldur's bodies", async () => {
  const f = await createProvider(w.host);
  const o = await createOffering(f, { activate: false, secret_options: { api_password: "s3cr3t-value" } });
  assert.equal(o.state, "Draft");
  assert.equal(o.components.length, 2);
  assert.deepEqual(o.plans[0].prices, { cpu: "0.50", storage: "0.10" });
  assert.deepEqual(o.secret_options, { api_password: "********" });
  const anon = new Api(w.host);
  assert.equal((await anon.get(`/api/marketplace-public-offerings/${o.uuid}/`)).status, 404);
  assert.equal((await f.provider.post(`/api/marketplace-provider-offerings/${o.uuid}/activate/`)).status, 403);
  // Issue 7: not before the provider proved a domain (staff included), then through the real flow.
  const unproven = await f.staff.post(`/api/marketplace-provider-offerings/${o.uuid}/activate/`);
  assert.equal(unproven.status, 400);
  assert.match(unproven.body.customer[0], /not verified a domain.*\/api\/identity\/domain\/start\//);
  await verifyProviderDomain(f.provider, f.customer);
  const act = await f.staff.expect(200, f.staff.post(`/api/marketplace-provider-offerings/${o.uuid}/activate/`));
  assert.deepEqual(act, { detail: "Offering state updated.", state: "Active" });
  const pub = await anon.expect(200, anon.get(`/api/marketplace-public-offerings/${o.uuid}/`));
  assert.equal(pub.state, "Active");
  assert.ok(!("secret_options" in pub));
  assert.ok(pub.url.includes("/api/marketplace-public-offerings/"));
  const plans = await anon.expect(200, anon.get(`/api/marketplace-public-offerings/${o.uuid}/plans/`));
  assert.equal(plans[0].url, `${w.host.url}/api/marketplace-public-offerings/${o.uuid}/plans/${plans[0].uuid}/`);
  await anon.expect(200, anon.get(`/api/marketplace-public-offerings/${o.uuid}/plans/${plans[0].uuid}/`));
  assert.equal((await anon.get(`/api/marketplace-public-offerings/${o.uuid}/plans/${"0".repeat(32)}/`)).status, 404);
  const bad = await f.provider.post(`/api/marketplace-provider-offerings/${o.uuid}/unpause/`);
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body, ["Offering state is invalid."]);
  await f.provider.expect(200, f.provider.post(`/api/marketplace-provider-offerings/${o.uuid}/pause/`, { paused_reason: "maintenance" }));
  const paused = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-offerings/${o.uuid}/`));
  assert.equal(paused.state, "Paused");
  assert.equal(paused.paused_reason, "maintenance");
  await f.provider.expect(200, f.provider.post(`/api/marketplace-provider-offerings/${o.uuid}/unpause/`));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-provider-offerings/${o.uuid}/archive/`));
  assert.equal((await anon.get(`/api/marketplace-public-offerings/${o.uuid}/`)).status, 404);
  // Secrets are sealed at rest: the plaintext is nowhere in the row.
  const row = await dbOf(w.host).select().from(offerings).where(eq(offerings.uuid, o.uuid)).get();
  assert.ok(row?.secretOptionsSealed?.startsWith("v2."));
  assert.ok(!JSON.stringify(row).includes("s3cr3t-value"));
});


test("activation needs the provider's own verified domain: a pending proof or another organization's does not count", async () => {
  const f = await createProvider(w.host);
  const o = await createOffering(f, { activate: false });
  const activate = () => f.staff.post(`/api/marketplace-provider-offerings/${o.uuid}/activate/`);
  // Started, never verified: still refused.
  await f.provider.expect(200, f.provider.post("/api/identity/domain/start/", { domain: "pending.example", customer: f.customer.url }));
  const pending = await activate();
  assert.equal(pending.status, 400);
  assert.deepEqual(Object.keys(pending.body), ["customer"]);
  // Another provider's verified domain does not vouch for this one.
  const g = await createProvider(w.host);
  await verifyProviderDomain(g.provider, g.customer);
  assert.equal((await activate()).status, 400);
  // Nothing changed by the refusals: still Draft, not public, nothing queued for the chain.
  const row = await dbOf(w.host).select().from(offerings).where(eq(offerings.uuid, o.uuid)).get();
  assert.equal(row?.state, "Draft");
  assert.equal((await new Api(w.host).get(`/api/marketplace-public-offerings/${o.uuid}/`)).status, 404);
  assert.deepEqual(await dbOf(w.host).select().from(chainOutbox).where(eq(chainOutbox.ref, o.uuid)).all(), []);
  const domain = await verifyProviderDomain(f.provider, f.customer);
  assert.match(domain, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(await f.staff.expect(200, activate()), { detail: "Offering state updated.", state: "Active" });
  // The organization's next offering goes live on the same proof.
  const o2 = await createOffering(f);
  assert.equal(o2.state, "Active");
});
test("only the provider's managers see and edit its offerings; others get 404; PUT is 405", async () => {
  const f = await createProvider(w.host);
  const o = await createOffering(f);
  const stranger = await userApi(w.host);
  assert.equal((await stranger.get(`/api/marketplace-provider-offerings/${o.uuid}/`)).status, 404);
  assert.equal((await stranger.post(`/api/marketplace-provider-offerings/${o.uuid}/pause/`)).status, 404);
  assert.equal((await f.provider.put(`/api/marketplace-provider-offerings/${o.uuid}/`, { name: "x" })).status, 405);
  const upd = await f.provider.expect(200, f.provider.post(`/api/marketplace-provider-offerings/${o.uuid}/update_overview/`, { name: "Renamed", description: "New text" }));
  assert.equal(upd.name, "Renamed");
  await f.provider.expect(201, f.provider.post(`/api/marketplace-provider-offerings/${o.uuid}/create_offering_component/`, { type: "gpu", name: "GPU", billing_type: "usage", measured_unit: "hours" }));
  const withGpu = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-offerings/${o.uuid}/?field=components`));
  assert.deepEqual(Object.keys(withGpu), ["components"]);
  assert.deepEqual(withGpu.components.map((c: { type: string }) => c.type).sort(), ["cpu", "gpu", "storage"]);
  const mine = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-offerings/?customer_uuid=${f.customer.uuid}`));
  assert.equal(mine.length, 1);
  assert.equal((await stranger.expect(200, stranger.get(`/api/marketplace-provider-offerings/?customer_uuid=${f.customer.uuid}`))).length, 0);
});

test("bad offering input: unknown type, foreign components, unknown price keys, negative prices, bad category", async () => {
  const f = await createProvider(w.host);
  const base = { name: "X", category: f.category.url, customer: f.customer.url };
  const t = await f.provider.post("/api/marketplace-provider-offerings/", { ...base, type: "Nope.Type" });
  assert.deepEqual(t.body, { type: ["Invalid value."] });
  const extra = await f.provider.post("/api/marketplace-provider-offerings/", {
    ...base,
    type: "OpenStack.Tenant",
    components: [{ type: "bananas", name: "B", billing_type: "usage" }],
  });
  assert.deepEqual(extra.body, { components: "Extra components are not allowed." });
  const keys = await f.provider.post("/api/marketplace-provider-offerings/", {
    ...base,
    type: "Marketplace.Basic",
    components: [{ type: "cpu", name: "CPU", billing_type: "usage" }],
    plans: [{ name: "P", prices: { gpu: "1.00" } }],
  });
  assert.equal(keys.status, 400);
  assert.match(keys.body.plans[0], /"gpu" is not a component/);
  const neg = await f.provider.post("/api/marketplace-provider-offerings/", {
    ...base,
    type: "Marketplace.Basic",
    components: [{ type: "cpu", name: "CPU", billing_type: "usage" }],
    plans: [{ name: "P", prices: { cpu: "-1" } }],
  });
  assert.equal(neg.status, 400);
  const badBilling = await f.provider.post("/api/marketplace-provider-offerings/", {
    ...base,
    type: "Marketplace.Basic",
    components: [{ type: "cpu", name: "CPU", billing_type: "sometimes" }],
  });
  assert.equal(badBilling.status, 400);
  const cat = await f.provider.post("/api/marketplace-provider-offerings/", { ...base, type: "Marketplace.Basic", category: `${w.host.url}/api/marketplace-categories/${"1".repeat(32)}/` });
  assert.deepEqual(cat.body, { category: ["Invalid hyperlink - Object does not exist."] });
  const notSp = await userApi(w.host);
  const own = await notSp.expect(201, notSp.post("/api/customers/", { name: "Not a provider" }));
  const r = await notSp.post("/api/marketplace-provider-offerings/", { ...base, customer: own.url, type: "Marketplace.Basic" });
  assert.deepEqual(r.body, { customer: ["Organization is not registered as a service provider."] });
});

test("plans: ProviderPlanDetails required keys, update_prices, update_quotas, archive", async () => {
  const f = await createProvider(w.host);
  const o = await createOffering(f);
  const planUuid = o.plans[0].uuid;
  const plan = await f.provider.expect(200, f.provider.get(`/api/marketplace-plans/${planUuid}/`));
  for (const k of ["url", "uuid", "name", "is_active", "init_price", "switch_price", "organization_groups", "components", "offering", "prices", "future_prices", "quotas", "resources_count", "plan_type", "minimal_price"]) {
    assert.ok(k in plan, `ProviderPlanDetails lacks ${k}`);
  }
  const priced = await f.provider.expect(200, f.provider.post(`/api/marketplace-plans/${planUuid}/update_prices/`, { prices: { cpu: "1.25" } }));
  assert.equal(priced.prices.cpu, "1.25");
  // Sub-cent prices keep their places (Waldur's DecimalField has 10), in prices and components alike.
  const subCent = await f.provider.expect(200, f.provider.post(`/api/marketplace-plans/${planUuid}/update_prices/`, { prices: { cpu: "0.013" } }));
  assert.equal(subCent.prices.cpu, "0.013");
  assert.equal(subCent.components.find((x: { type: string }) => x.type === "cpu")?.price, "0.013");
  const bad = await f.provider.post(`/api/marketplace-plans/${planUuid}/update_prices/`, { prices: { cpu: "abc" } });
  assert.equal(bad.status, 400);
  const unknown = await f.provider.post(`/api/marketplace-plans/${planUuid}/update_quotas/`, { quotas: { ram: 4 } });
  assert.equal(unknown.status, 400);
  const created = await f.provider.expect(201, f.provider.post("/api/marketplace-plans/", { name: "Extra", offering: o.url, unit: "day" }));
  assert.equal(created.unit, "day");
  await f.provider.expect(200, f.provider.post(`/api/marketplace-plans/${created.uuid}/archive/`));
  const pub = await new Api(w.host).expect(200, new Api(w.host).get(`/api/marketplace-public-offerings/${o.uuid}/plans/`));
  assert.deepEqual(pub.map((p: { uuid: string }) => p.uuid), [planUuid]);
});

test("categories, service providers and the site-agent registry", async () => {
  const f = await createProvider(w.host);
  const cats = await new Api(w.host).expect(200, new Api(w.host).get(`/api/marketplace-categories/?title=${encodeURIComponent(f.category.title)}`));
  assert.equal(cats.length, 1);
  assert.equal((await f.provider.post("/api/marketplace-categories/", { title: "nope" })).status, 403);
  const dup = await f.provider.post("/api/marketplace-service-providers/", { customer: f.customer.url });
  assert.deepEqual(dup.body, { customer: ["Service provider with this customer already exists."] });
  const sps = await f.provider.expect(200, f.provider.get(`/api/marketplace-service-providers/?customer_uuid=${f.customer.uuid}&field=uuid`));
  assert.deepEqual(sps, [{ uuid: f.serviceProvider.uuid }]);
  const o = await createOffering(f, { type: "Marketplace.Slurm" });
  const ident = await f.provider.expect(201, f.provider.post("/api/marketplace-site-agent-identities/", { offering: o.uuid, name: `agent-${o.uuid}`, version: "1.0.7" }));
  for (const k of ["uuid", "url", "offering", "created_by", "name", "created", "modified", "services"]) assert.ok(k in ident, k);
  const found = await f.provider.expect(200, f.provider.get(`/api/marketplace-site-agent-identities/?name=agent-${o.uuid}`));
  assert.equal(found[0].uuid, ident.uuid);
  const svc = await f.provider.expect(201, f.provider.post(`/api/marketplace-site-agent-identities/${ident.uuid}/register_service/`, { name: "order_process", mode: "order_process" }));
  for (const k of ["uuid", "url", "identity", "identity_name", "name", "state", "created", "modified", "processors"]) assert.ok(k in svc, k);
  await f.provider.expect(200, f.provider.post(`/api/marketplace-site-agent-identities/${ident.uuid}/register_service/`, { name: "order_process", mode: "order_process" }));
  const proc = await f.provider.expect(201, f.provider.post(`/api/marketplace-site-agent-services/${svc.uuid}/register_processor/`, { name: "OfferingOrderProcessor", backend_type: "slurm", backend_version: "22.05" }));
  for (const k of ["uuid", "url", "service", "service_name", "name", "backend_type", "created", "modified"]) assert.ok(k in proc, k);
  const stranger = await userApi(w.host);
  assert.equal((await stranger.post("/api/marketplace-site-agent-identities/", { offering: o.uuid, name: "x" })).status, 403);
  assert.equal((await stranger.get(`/api/marketplace-site-agent-identities/${ident.uuid}/`)).status, 404);
  const cfg = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-offerings/${o.uuid}/user-attribute-config/`));
  for (const k of ["uuid", "created", "modified", "exposed_fields", "is_default", "offering_uuid", "offering_name"]) assert.ok(k in cfg, k);
});
