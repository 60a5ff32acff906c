// Pages of up to 300 rows (Waldur's maximum) and long uuid filters: D1 binds at most 100
// parameters per statement, so id lists must not be inlined one parameter each.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useWorker } from "../helpers/worker.ts";
import { orderFixture, orderBody } from "../helpers/orders.ts";
import type { Json } from "../helpers/api.ts";

const w = useWorker();

test("300-row pages of orders and resources, and a 150-uuid filter, answer 200 with every row", async () => {
  const f = await orderFixture(w.host);
  const N = 130;
  const made: Json[] = [];
  for (let i = 0; i < N; i++) made.push(await f.customerApi.expect(201, f.customerApi.post("/api/marketplace-orders/", orderBody(f, { attributes: { name: `r${i}` } }))));
  for (const api of [f.customerApi, f.staff]) {
    const orders = await api.expect(200, api.get("/api/marketplace-orders/?page_size=300"));
    assert.equal(orders.length, N);
    const resources = await api.expect(200, api.get("/api/marketplace-resources/?page_size=300"));
    assert.equal(resources.length, N);
  }
  const provider = await f.provider.expect(200, f.provider.get("/api/marketplace-provider-resources/?page_size=300"));
  assert.equal(provider.length, N);
  const uuids = made.slice(0, 150).map((o) => o.marketplace_resource_uuid);
  const some = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/?page_size=300&${uuids.map((u) => `uuid=${u}`).join("&")}`));
  assert.ok(some.length >= 1);
});
