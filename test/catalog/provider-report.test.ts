// The provider report (/api/marketplace-provider-reports/): revenue per offering per month in
// integer uve from the provider's resources — usage × price, fixed and limit components prorated
// over the plan period's seconds in each month — and who may read it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eq } from "drizzle-orm";
import { componentUsages, resourcePlanPeriods, resources } from "../../src/db/schema/index.ts";
import { Api, dbOf, type Json, userApi } from "../helpers/api.ts";
import { createOffering } from "../helpers/catalog.ts";
import { orderFixture, placeOrder } from "../helpers/orders.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();
const Y = new Date().getUTCFullYear();
const COMPONENTS = [
  { type: "cpu", name: "CPU", measured_unit: "hours", billing_type: "usage" },
  { type: "storage", name: "Storage", measured_unit: "GB", billing_type: "limit", limit_period: "month", max_value: 1000 },
  { type: "ram", name: "RAM", measured_unit: "GB", billing_type: "fixed" },
];
const PLAN = { name: "Standard", unit: "month", prices: { cpu: "0.50", storage: "0.10", ram: "2.00" }, quotas: { ram: 4 } };
const MONTH_S = 30n * 86_400n; // a plan "month" is 30 days

/** floor(price VE × qty × seconds / month seconds) in uve, for the expectations below. */
const prorated = (priceMicro: bigint, qty: bigint, seconds: bigint) => (priceMicro * qty * seconds) / MONTH_S;

async function report(api: Api, qs: string) {
  const r = await api.call("GET", `/api/marketplace-provider-reports/?${qs}`);
  return { status: r.status, body: r.body as Json, count: Number(r.headers.get("x-result-count")) };
}

test("revenue per offering per month: usage × price, fixed and limit prorated, exact integers", async () => {
  const f = await orderFixture(w.host, { components: COMPONENTS, plans: [PLAN] });
  const idle = await createOffering(f, { name: "Idle offering" });
  const o = await placeOrder(f, { limits: { storage: 10 } });
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
  const rid = o.marketplace_resource_uuid;
  await f.provider.expect(201, f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "3.75" }], resource: rid }));
  // Pin the history to known instants: the plan ran 16 Jan 00:00 → 1 Mar 00:00, usage in June.
  const db = dbOf(w.host);
  const res = (await db.select().from(resources).where(eq(resources.uuid, rid)).get())!;
  await db.update(resourcePlanPeriods).set({ start: `${Y}-01-16T00:00:00.000Z`, end: `${Y}-03-01T00:00:00.000Z` }).where(eq(resourcePlanPeriods.resourceId, res.id));
  await db.update(componentUsages).set({ billingPeriod: `${Y}-06-01` }).where(eq(componentUsages.resourceId, res.id));

  const r = await report(f.provider, `customer_uuid=${f.customer.uuid}&start=${Y}-01&end=${Y}-12&o=month`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.count, 3);
  const jan = 16n * 86_400n;
  const feb = BigInt(new Date(Date.UTC(Y, 2, 1)).getTime() - new Date(Date.UTC(Y, 1, 1)).getTime()) / 1000n;
  // ram: 2.00 VE × 4; storage: 0.10 VE × limit 10; each floored separately.
  const fixed = (s: bigint) => prorated(2_000_000n, 4n, s) + prorated(100_000n, 10n, s);
  const cpu = (375n * 500_000n) / 100n; // 3.75 × 0.50 VE
  assert.deepEqual(
    r.body.map((x: Json) => [x.month, x.offering_uuid, x.resources_count, x.usage_uve, x.fixed_uve, x.total_uve]),
    [
      [`${Y}-01`, f.offering.uuid, 1, "0", String(fixed(jan)), String(fixed(jan))],
      [`${Y}-02`, f.offering.uuid, 1, "0", String(fixed(feb)), String(fixed(feb))],
      [`${Y}-06`, f.offering.uuid, 1, String(cpu), "0", String(cpu)],
    ],
  );
  assert.equal(fixed(jan), 4_266_666n + 533_333n); // 8 VE × 16/30 and 1 VE × 16/30, floored
  for (const x of r.body) assert.match(x.total_uve, /^\d+$/);
  assert.ok(!r.body.some((x: Json) => x.offering_uuid === idle.uuid), "an offering without resources has no rows");

  // Filters, ordering and pages through the API's parameters.
  const only = await report(f.provider, `customer_uuid=${f.customer.uuid}&start=${Y}-02&end=${Y}-06&offering_uuid=${f.offering.uuid}`);
  assert.deepEqual(only.body.map((x: Json) => x.month), [`${Y}-06`, `${Y}-02`], "newest month first by default");
  const byTotal = await report(f.provider, `customer_uuid=${f.customer.uuid}&start=${Y}-01&end=${Y}-12&o=-total_uve&page_size=1&page=1`);
  assert.equal(byTotal.count, 3);
  assert.equal(byTotal.body.length, 1);
  assert.equal(byTotal.body[0].month, `${Y}-02`);
  const none = await report(f.provider, `customer_uuid=${f.customer.uuid}&start=${Y}-01&end=${Y}-12&offering_uuid=${idle.uuid}`);
  assert.deepEqual([none.status, none.count], [200, 0]);
  // Staff read any provider's report.
  assert.equal((await report(f.staff, `customer_uuid=${f.customer.uuid}&start=${Y}-01&end=${Y}-12`)).count, 3);
});

test("months of years 0-99 are those years, not 1900-1999", async () => {
  const f = await orderFixture(w.host, { components: COMPONENTS, plans: [PLAN] });
  const o = await placeOrder(f, { limits: { storage: 10 } });
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
  const db = dbOf(w.host);
  const res = (await db.select().from(resources).where(eq(resources.uuid, o.marketplace_resource_uuid)).get())!;
  // The plan ran the last 16 days of December of year 99 and nothing else.
  await db.update(resourcePlanPeriods).set({ start: "0099-12-16T00:00:00.000Z", end: "0100-01-01T00:00:00.000Z" }).where(eq(resourcePlanPeriods.resourceId, res.id));
  const r = await report(f.provider, `customer_uuid=${f.customer.uuid}&start=0099-11&end=0100-02&o=month`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const fixed = prorated(2_000_000n, 4n, 16n * 86_400n) + prorated(100_000n, 10n, 16n * 86_400n);
  assert.deepEqual(
    r.body.map((x: Json) => [x.month, x.resources_count, x.usage_uve, x.fixed_uve, x.total_uve]),
    [["0099-12", 1, "0", String(fixed), String(fixed)]],
  );
  // The same months in 1999 hold nothing of it.
  assert.equal((await report(f.provider, `customer_uuid=${f.customer.uuid}&start=1999-11&end=2000-02`)).count, 0);
});

test("refusals: parameters named in 400s; customers, strangers and anonymous refused", async () => {
  const f = await orderFixture(w.host);
  const bad = async (qs: string, field: string) => {
    const r = await report(f.provider, qs);
    assert.equal(r.status, 400, `${qs}: ${JSON.stringify(r.body)}`);
    assert.ok(field in r.body, `${qs}: ${JSON.stringify(r.body)}`);
  };
  await bad("", "customer_uuid");
  await bad("customer_uuid=zzz", "customer_uuid");
  await bad(`customer_uuid=${"6".repeat(32)}`, "customer_uuid");
  await bad(`customer_uuid=${f.customer.uuid}&start=2026-13`, "start");
  await bad(`customer_uuid=${f.customer.uuid}&start=last-year`, "start");
  await bad(`customer_uuid=${f.customer.uuid}&start=2026-05&end=2026-04`, "end");
  await bad(`customer_uuid=${f.customer.uuid}&start=2020-01&end=2026-01`, "end");
  await bad(`customer_uuid=${f.customer.uuid}&offering_uuid=nope`, "offering_uuid");
  // The consumer organization's owner does not read the provider's report, nor a stranger.
  assert.equal((await report(f.customerApi, `customer_uuid=${f.customer.uuid}`)).status, 403);
  const stranger = await userApi(w.host);
  assert.equal((await report(stranger, `customer_uuid=${f.customer.uuid}`)).status, 403);
  assert.equal((await report(new Api(w.host), `customer_uuid=${f.customer.uuid}`)).status, 401);
  // A provider reads its own customer's report only.
  assert.equal((await report(f.provider, `customer_uuid=${f.org.uuid}`)).status, 403);
});
