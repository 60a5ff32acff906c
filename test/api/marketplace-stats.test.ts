// /api/marketplace-stats/*: Waldur's support reporting figures over real orders, resources and
// usage in the Worker's D1 — counts per offering and organization, usage per month (exact decimal
// sums), cost per offering (checked against the provider revenue report over the same months),
// order statistics with filters — and the refusals: bad parameters named, non-staff 403, anonymous 401.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { componentUsages, resourcePlanPeriods, resources, users } from "../../src/db/schema/index.ts";
import { Api, dbOf, type Json, userApi } from "../helpers/api.ts";
import { type OrderFixture, orderFixture, placeOrder } from "../helpers/orders.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";

let host: WorkerHost;
const w = { get host() { return host; } };
const NOW = new Date();
const Y = NOW.getUTCFullYear();
const THIS_MONTH = NOW.getUTCMonth() + 1;
const TODAY = NOW.toISOString().slice(0, 10);
/** A month of this year other than the current one, for usage pinned away from "this month". */
const OTHER_MONTH = THIS_MONTH === 6 ? 5 : 6;
const COMPONENTS = [
  { type: "cpu", name: "CPU", measured_unit: "hours", billing_type: "usage" },
  { type: "storage", name: "Storage", measured_unit: "GB", billing_type: "limit", limit_period: "month", max_value: 1000 },
  { type: "ram", name: "RAM", measured_unit: "GB", billing_type: "fixed" },
];
const PLAN = { name: "Standard", unit: "month", prices: { cpu: "0.50", storage: "0.10", ram: "2.00" }, quotas: { ram: 4 } };
const ENDPOINTS = [
  "count_active_resources_grouped_by_offering",
  "total_cost_of_active_resources_per_offering",
  "component_usages",
  "component_usages_per_month",
  "organization_project_count",
  "organization_resource_count",
  "order_stats",
];

let f: OrderFixture;
let resourceUuids: string[];

async function done(o: Json) {
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
  return o.marketplace_resource_uuid as string;
}

const stats = async (api: Api, name: string, qs = "") => {
  const r = await api.call("GET", `/api/marketplace-stats/${name}/${qs ? `?${qs}` : ""}`);
  return { status: r.status, body: r.body as Json, count: Number(r.headers.get("x-result-count")) };
};

before(async () => {
  host = await startWorkerHost();
  f = await orderFixture(w.host, { components: COMPONENTS, plans: [PLAN] });
  await f.provider.expect(200, f.provider.patch(`/api/customers/${f.customer.uuid}/`, { country: "EE" }));
  await f.customerApi.expect(201, f.customerApi.post("/api/projects/", { name: "Second", customer: f.org.url }));
  const r1 = await done(await placeOrder(f, { limits: { storage: 10 } }));
  const r2 = await done(await placeOrder(f, { limits: { storage: 5 }, attributes: { name: "second" } }));
  const r3 = await done(await placeOrder(f, { limits: { storage: 1 }, attributes: { name: "third" } }));
  await placeOrder(f, { attributes: { name: "pending" } }); // waits for the provider
  resourceUuids = [r1, r2, r3];
  for (const [uuid, amount] of [[r1, "3.75"], [r2, "1.25"], [r3, "0.10"]] as const) {
    await f.provider.expect(201, f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount }], resource: uuid }));
  }
  // Pinned history: r1 ran 16 Jan → 1 Mar with its usage in OTHER_MONTH; r2 ran all of July with
  // usage this month; r3 was terminated (no plan time) with usage this month.
  const db = dbOf(w.host);
  const idOf = async (uuid: string) => (await db.select().from(resources).where(eq(resources.uuid, uuid)).get())!.id;
  const [id1, id2, id3] = [await idOf(r1), await idOf(r2), await idOf(r3)];
  await db.update(resourcePlanPeriods).set({ start: `${Y}-01-16T00:00:00.000Z`, end: `${Y}-03-01T00:00:00.000Z` }).where(eq(resourcePlanPeriods.resourceId, id1));
  await db.update(componentUsages).set({ billingPeriod: `${Y}-${String(OTHER_MONTH).padStart(2, "0")}-01` }).where(eq(componentUsages.resourceId, id1));
  await db.update(resourcePlanPeriods).set({ start: `${Y}-07-01T00:00:00.000Z`, end: `${Y}-08-01T00:00:00.000Z` }).where(eq(resourcePlanPeriods.resourceId, id2));
  await db.update(resourcePlanPeriods).set({ start: `${Y}-07-01T00:00:00.000Z`, end: `${Y}-07-01T00:00:00.000Z` }).where(eq(resourcePlanPeriods.resourceId, id3));
  await db.update(resources).set({ state: "Terminated" }).where(eq(resources.id, id3));
});

after(async () => {
  await host?.dispose();
});

test("active resources per offering and OK resources per organization, with the provider's country", async () => {
  const byOffering = await stats(f.staff, "count_active_resources_grouped_by_offering");
  assert.equal(byOffering.status, 200, JSON.stringify(byOffering.body));
  // Two OK; the terminated one and the pending order's resource (if any) are not active.
  assert.deepEqual(byOffering.body.find((x: Json) => x.uuid === f.offering.uuid), { count: 2, name: f.offering.name, uuid: f.offering.uuid, country: "EE" });
  assert.equal(byOffering.count, byOffering.body.length);

  const perOrg = await stats(f.staff, "organization_resource_count");
  assert.deepEqual(perOrg.body.find((x: Json) => x.uuid === f.org.uuid), { name: f.org.name, uuid: f.org.uuid, count: 2, abbreviation: f.org.abbreviation ?? "" });
  assert.ok(!perOrg.body.some((x: Json) => x.uuid === f.customer.uuid), "the provider organization holds no resources");

  const projects = await stats(f.staff, "organization_project_count");
  assert.equal(projects.body.find((x: Json) => x.uuid === f.org.uuid)?.count, 2);
  // Pages through the API's own parameters, the count staying the total.
  const page = await stats(f.staff, "organization_project_count", "page_size=1&page=1");
  assert.equal(page.body.length, 1);
  assert.equal(page.count, projects.count);
  assert.equal((await stats(f.staff, "organization_project_count", `page_size=1&page=${projects.count + 1}`)).status, 404);
});

test("component usage: this month summed exactly, per month with year and month", async () => {
  const current = await stats(f.staff, "component_usages");
  assert.equal(current.status, 200, JSON.stringify(current.body));
  assert.deepEqual(current.body, [
    { usage: "1.35", offering_uuid: f.offering.uuid, component_type: "cpu", offering_country: "EE", organization_group_name: "", organization_group_uuid: "" },
  ]);
  const perMonth = await stats(f.staff, "component_usages_per_month");
  assert.deepEqual(
    perMonth.body.map((x: Json) => [x.year, x.month, x.component_type, x.usage, x.offering_uuid]),
    [
      [Y, THIS_MONTH, "cpu", "1.35", f.offering.uuid],
      [Y, OTHER_MONTH, "cpu", "3.75", f.offering.uuid],
    ].sort((a, b) => (b[1] as number) - (a[1] as number)),
  );
  for (const x of perMonth.body) assert.match(x.usage, /^-?\d{0,18}(?:\.\d{0,2})?$/);
});

test("cost per offering over a range agrees with the provider report and the plan arithmetic", async () => {
  const r = await stats(f.staff, "total_cost_of_active_resources_per_offering", `start=${Y}-01&end=${Y}-12`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const row = r.body.find((x: Json) => x.offering_uuid === f.offering.uuid);
  assert.ok(row, JSON.stringify(r.body));
  // Plan arithmetic: fixed ram 2.00 × 4 and storage 0.10 × limit, prorated over 30-day plan months, floored per part.
  const MONTH_S = 30n * 86_400n;
  const pro = (micro: bigint, qty: bigint, s: bigint) => (micro * qty * s) / MONTH_S;
  const secs = (from: string, to: string) => BigInt(Date.parse(to) - Date.parse(from)) / 1000n;
  const jan = secs(`${Y}-01-16`, `${Y}-02-01`);
  const feb = secs(`${Y}-02-01`, `${Y}-03-01`);
  const jul = secs(`${Y}-07-01`, `${Y}-08-01`);
  const fixed = (s: bigint, storage: bigint) => pro(2_000_000n, 4n, s) + pro(100_000n, storage, s);
  const usage = (375n + 125n + 10n) * 5_000n; // (3.75 + 1.25 + 0.10) × 0.50 VE in uve
  const expected = fixed(jan, 10n) + fixed(feb, 10n) + fixed(jul, 5n) + usage;
  assert.equal(row.cost_uve, expected.toString());
  assert.equal(row.cost, Number(expected) / 1e6);
  assert.equal(row.offering_name, f.offering.name);
  // The provider's own report over the same months sums to the same amount: both use
  // src/marketplace/reports/costs.ts, so this checks the report's resource selection and grouping,
  // while the plan arithmetic above checks the rules themselves.
  const report = await f.staff.expect(200, f.staff.get(`/api/marketplace-provider-reports/?customer_uuid=${f.customer.uuid}&start=${Y}-01&end=${Y}-12&page_size=300`));
  const reported = report.filter((x: Json) => x.offering_uuid === f.offering.uuid).reduce((s: bigint, x: Json) => s + BigInt(x.total_uve), 0n);
  assert.equal(row.cost_uve, reported.toString());
  // A range without any of it: no row for the offering.
  const before = await stats(f.staff, "total_cost_of_active_resources_per_offering", `start=${Y - 1}-01&end=${Y - 1}-12`);
  assert.ok(!before.body.some((x: Json) => x.offering_uuid === f.offering.uuid));
});

test("order statistics: totals by state and type, per day, filtered by customer and provider", async () => {
  const r = await f.staff.expect(200, f.staff.get(`/api/marketplace-stats/order_stats/?customer_uuid=${f.org.uuid}`));
  assert.equal(r.summary.total, 4);
  assert.equal(r.summary.done, 3);
  assert.equal(r.summary.pending, 1);
  assert.equal(r.summary.executing + r.summary.erred + r.summary.canceled + r.summary.rejected, 0);
  assert.deepEqual(r.by_type, { Create: 4 });
  assert.equal(r.by_state.done, 3);
  assert.equal(r.daily.length, 1);
  assert.equal(r.daily[0].date, TODAY);
  assert.equal(r.daily[0].total, 4);
  assert.deepEqual(r.daily[0].by_type, { Create: 4 });
  // Order costs (ram 2.00 × 4 + storage 0.10 × limit): 9.00 + 8.50 + 8.10 + 8.00 for the order without limits.
  assert.deepEqual([r.summary.total_cost, r.summary.total_revenue, r.daily[0].total_cost, r.daily[0].revenue], ["33.60", "33.60", "33.60", "33.60"]);
  const byProvider = await f.staff.expect(200, f.staff.get(`/api/marketplace-stats/order_stats/?provider_uuid=${f.serviceProvider.uuid}&start=${TODAY}&end=${TODAY}`));
  assert.equal(byProvider.summary.total, 4);
  const nobody = await f.staff.expect(200, f.staff.get(`/api/marketplace-stats/order_stats/?customer_uuid=${"0".repeat(32)}`));
  assert.deepEqual([nobody.summary.total, nobody.daily, nobody.by_state], [0, [], {}]);
  const past = await f.staff.expect(200, f.staff.get(`/api/marketplace-stats/order_stats/?customer_uuid=${f.org.uuid}&start=${Y - 1}-01-01&end=${Y - 1}-06-30`));
  assert.equal(past.summary.total, 0);
});

test("bad parameters are 400s naming the parameter", async () => {
  const bad = async (name: string, qs: string, param: string) => {
    const r = await stats(f.staff, name, qs);
    assert.equal(r.status, 400, `${name}?${qs}: ${JSON.stringify(r.body)}`);
    assert.ok(param in r.body, `${name}?${qs}: ${JSON.stringify(r.body)}`);
  };
  const cost = "total_cost_of_active_resources_per_offering";
  await bad(cost, "start=2026-13", "start");
  await bad(cost, "start=2026-1", "start");
  await bad(cost, "start=0001-01", "start");
  await bad(cost, "end=last-month", "end");
  await bad(cost, `start=${Y}-05&end=${Y}-04`, "end");
  await bad(cost, `start=${Y - 4}-01&end=${Y}-01`, "end");
  await bad("order_stats", "start=2026-02-30", "start");
  await bad("order_stats", "end=2026/01/01", "end");
  await bad("order_stats", "start=2026-03-01&end=2026-02-01", "end");
  await bad("order_stats", "start=2020-01-01&end=2026-01-01", "end");
  await bad("order_stats", "customer_uuid=not-a-uuid", "customer_uuid");
  await bad("order_stats", "provider_uuid=%00%27", "provider_uuid");
  const twoBad = await stats(f.staff, "order_stats", "start=x&customer_uuid=y");
  assert.equal(twoBad.status, 400);
  assert.ok("start" in twoBad.body && "customer_uuid" in twoBad.body, JSON.stringify(twoBad.body));
  assert.equal((await stats(f.staff, "component_usages", "page=zero")).status, 404, "Waldur's invalid page");
});

test("staff and support only: owners, providers and plain users 403, anonymous 401", async () => {
  const support = await userApi(w.host, "statsupport");
  await dbOf(w.host).update(users).set({ isSupport: true }).where(eq(users.uuid, support.uuid));
  const stranger = await userApi(w.host, "statstranger");
  for (const name of ENDPOINTS) {
    assert.equal((await stats(support, name)).status, 200, `${name} for support`);
    for (const api of [f.customerApi, f.provider, stranger]) assert.equal((await stats(api, name)).status, 403, `${name} for ${api.token}`);
    assert.equal((await stats(new Api(w.host), name)).status, 401, `${name} anonymous`);
  }
  assert.equal(resourceUuids.length, 3);
});
