// Order cost (Waldur's Order.cost) through the API: set when a Create or Update order is placed —
// the plan's fixed components (or its unit price when it has none), limit components × limit /
// unit factor, one-time components on Create, on-plan-switch components on Update — exact to 10
// places; Terminate orders have none; and order_stats adds the costs up exactly.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Json } from "../helpers/api.ts";
import { orderFixture, placeOrder } from "../helpers/orders.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();
const COMPONENTS = [
  { type: "cpu", name: "CPU", measured_unit: "hours", billing_type: "usage" },
  { type: "storage", name: "Storage", measured_unit: "GB", billing_type: "limit", limit_period: "month", max_value: 1000 },
  // Limits in MB, priced per GB.
  { type: "mem", name: "Memory", measured_unit: "GB", billing_type: "limit", limit_period: "month", max_value: 1_048_576, unit_factor: 1024 },
  { type: "ram", name: "RAM", measured_unit: "GB", billing_type: "fixed" },
  { type: "setup", name: "Setup", measured_unit: "", billing_type: "one" },
  { type: "switch", name: "Switch fee", measured_unit: "", billing_type: "few" },
];
const PLANS = [
  {
    name: "A",
    unit: "month",
    prices: { cpu: "0.50", storage: "0.10", mem: "0.003", ram: "2.00", setup: "15.00", switch: "5.00" },
    quotas: { ram: 4, setup: 2, switch: 1 },
  },
  { name: "B", unit: "month", prices: { storage: "0.20", ram: "3.00", switch: "7.50" }, quotas: { ram: 4, switch: 2 } },
  // No fixed components: its unit price is its fixed part.
  { name: "C", unit: "month", unit_price: "12.50", prices: { storage: "0.10" } },
];

const done = async (f: Awaited<ReturnType<typeof orderFixture>>, uuid: string) => {
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${uuid}/set_state_done/`));
};

test("Create and Update orders carry Waldur's cost estimate; Terminate none; order_stats sums them exactly", async () => {
  const f = await orderFixture(w.host, { components: COMPONENTS, plans: PLANS });
  const plans = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-public-offerings/${f.offering.uuid}/plans/`));
  const plan = (name: string) => plans.find((p: Json) => p.name === name);
  const orderOf = (uuid: string) => f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-orders/${uuid}/`));

  // ram 2.00 × 4 + storage 0.10 × 10 + mem 0.003 × 2048 MB / 1024 + setup 15.00 × 2 (Create only).
  const o = await placeOrder(f, { plan: plan("A").url, limits: { storage: 10, mem: 2048 } });
  assert.equal(o.cost, "39.0060000000");
  assert.equal((await orderOf(o.uuid)).cost, "39.0060000000");
  await done(f, o.uuid);
  const rid = o.marketplace_resource_uuid;

  // New limits: ram 8 + storage 2.00 + mem 0.006 + switch 5.00 × 1 (Update only, no setup).
  const upd = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${rid}/update_limits/`, { limits: { storage: 20, mem: 2048 } }));
  assert.equal((await orderOf(upd.order_uuid)).cost, "15.0060000000");
  await done(f, upd.order_uuid);

  // The new plan's prices over the resource's limits: ram 3.00 × 4 + storage 0.20 × 20 + switch 7.50 × 2; B prices no mem.
  const sw = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${rid}/switch_plan/`, { plan: plan("B").url }));
  assert.equal((await orderOf(sw.order_uuid)).cost, "31.0000000000");
  await done(f, sw.order_uuid);

  const term = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${rid}/terminate/`, {}));
  assert.equal((await orderOf(term.order_uuid)).cost, null);

  // unit price 12.50 + storage 0.10 × 3; no setup price on plan C.
  const c = await placeOrder(f, { plan: plan("C").url, limits: { storage: 3 }, attributes: { name: "c" } });
  assert.equal(c.cost, "12.8000000000");
  // No limits given: the limit components add nothing.
  const bare = await placeOrder(f, { plan: plan("A").url, attributes: { name: "bare" } });
  assert.equal(bare.cost, "38.0000000000");

  // Every figure above, summed: cost over all orders, revenue over Create and Update ones (Terminate has none).
  const stats = await f.staff.expect(200, f.staff.get(`/api/marketplace-stats/order_stats/?customer_uuid=${f.org.uuid}`));
  assert.equal(stats.summary.total, 6);
  assert.equal(stats.summary.total_cost, "135.81"); // 39.006 + 15.006 + 31 + 12.8 + 38 = 135.812
  assert.equal(stats.summary.total_revenue, "135.81");
  assert.equal(stats.daily.length, 1);
  assert.equal(stats.daily[0].total_cost, "135.81");
});

test("an order without a plan has no cost, and order_stats totals stay null", async () => {
  const f = await orderFixture(w.host);
  // With its only plan archived the offering takes orders without one.
  await f.provider.expect(200, f.provider.post(`/api/marketplace-plans/${f.plan.uuid}/archive/`));
  const o = await f.customerApi.expect(
    201,
    f.customerApi.post("/api/marketplace-orders/", {
      offering: `${w.host.url}/api/marketplace-public-offerings/${f.offering.uuid}/`,
      project: f.project.url,
      attributes: { name: "no-plan" },
    }),
  );
  assert.equal(o.cost, null);
  const stats = await f.staff.expect(200, f.staff.get(`/api/marketplace-stats/order_stats/?customer_uuid=${f.org.uuid}`));
  assert.deepEqual([stats.summary.total, stats.summary.total_cost, stats.summary.total_revenue], [1, null, null]);
});

test("o=cost orders by value, not as text", async () => {
  const f = await orderFixture(w.host, {
    components: [{ type: "storage", name: "Storage", measured_unit: "GB", billing_type: "limit", limit_period: "month", max_value: 1000 }],
    plans: [
      { name: "small", unit: "month", unit_price: "8.00", prices: { storage: "0.10" } },
      { name: "large", unit: "month", unit_price: "15.00", prices: { storage: "0.10" } },
    ],
  });
  const plans = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-public-offerings/${f.offering.uuid}/plans/`));
  const plan = (name: string) => plans.find((p: Json) => p.name === name).url;
  await placeOrder(f, { plan: plan("large"), limits: { storage: 0 }, attributes: { name: "l" } });
  await placeOrder(f, { plan: plan("small"), limits: { storage: 0 }, attributes: { name: "s" } });
  const costs = async (o: string) =>
    (await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-orders/?offering_uuid=${f.offering.uuid}&o=${o}`))).map((x: Json) => x.cost);
  // As text "15.0…" would come before "8.0…".
  assert.deepEqual(await costs("cost"), ["8.0000000000", "15.0000000000"]);
  assert.deepEqual(await costs("-cost"), ["15.0000000000", "8.0000000000"]);
});
