// Every object our API returns parses under Waldur's published models (the ones its generated
// clients use): no null where Waldur has none, right types, known enum values, required keys.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Api, staffApi, userApi } from "../helpers/api.ts";
import { createOffering, createProvider } from "../helpers/catalog.ts";
import { conformance } from "../helpers/waldur-conformance.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();

async function collect(api: Api, path: string) {
  const r = await api.get(path);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

test("responses conform to Waldur 8.0.5's models across a full order flow", async () => {
  const f = await createProvider(w.host);
  const offering = await createOffering(f, {
    type: "Marketplace.Slurm",
    plugin_options: { service_provider_can_create_offering_user: true, username_generation_policy: "waldur_username" },
  });
  const customer = await userApi(w.host);
  const org = await customer.expect(201, customer.post("/api/customers/", { name: "Conformance Org" }));
  const project = await customer.expect(201, customer.post("/api/projects/", { name: "Conformance", customer: org.url }));
  const member = await userApi(w.host);
  await customer.expect(201, customer.post(`/api/projects/${project.uuid}/add_user/`, { role: "PROJECT.ADMIN", user: member.uuid }));
  const plans = await collect(customer, `/api/marketplace-public-offerings/${offering.uuid}/plans/`);
  const order = await customer.expect(201, customer.post("/api/marketplace-orders/", { offering: `${w.host.url}/api/marketplace-public-offerings/${offering.uuid}/`, project: project.url, plan: plans[0].url, attributes: { name: "conf" } }));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${order.uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${order.uuid}/set_state_done/`));
  await f.provider.expect(201, f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "1.50" }], resource: order.marketplace_resource_uuid }));
  const staff = await staffApi(w.host);

  const cases: [string, unknown][] = [
    ["User", await collect(customer, "/api/users/me/")],
    ["User", (await collect(staff, "/api/users/"))[0]],
    ["Customer", await collect(customer, `/api/customers/${org.uuid}/`)],
    ["Project", await collect(customer, `/api/projects/${project.uuid}/`)],
    ["MarketplaceCategory", await collect(customer, `/api/marketplace-categories/${f.category.uuid}/`)],
    ["ServiceProvider", await collect(customer, `/api/marketplace-service-providers/${f.serviceProvider.uuid}/`)],
    ["ProviderOfferingDetails", await collect(f.provider, `/api/marketplace-provider-offerings/${offering.uuid}/`)],
    ["PublicOfferingDetails", await collect(customer, `/api/marketplace-public-offerings/${offering.uuid}/`)],
    ["BasePublicPlan", plans[0]],
    ["ProviderPlanDetails", await collect(f.provider, `/api/marketplace-plans/${plans[0].uuid}/`)],
    ["OrderDetails", await collect(customer, `/api/marketplace-orders/${order.uuid}/`)],
    ["Resource", await collect(customer, `/api/marketplace-resources/${order.marketplace_resource_uuid}/`)],
    ["Resource", await collect(f.provider, `/api/marketplace-provider-resources/${order.marketplace_resource_uuid}/`)],
    ["ProjectUser", (await collect(f.provider, `/api/marketplace-provider-resources/${order.marketplace_resource_uuid}/team/`))[0] ?? {}],
    ["ComponentUsage", (await collect(customer, `/api/marketplace-component-usages/?resource_uuid=${order.marketplace_resource_uuid}`))[0]],
    ["OfferingUser", (await collect(f.provider, `/api/marketplace-offering-users/?offering_uuid=${offering.uuid}`))[0]],
    ["OfferingUserAttributeConfig", await collect(f.provider, `/api/marketplace-provider-offerings/${offering.uuid}/user-attribute-config/`)],
  ];
  const problems = cases.flatMap(([model, obj]) => (obj === undefined ? [`${model}: no object returned`] : conformance(model, obj)));
  assert.deepEqual(problems, []);
});
