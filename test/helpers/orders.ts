// Order fixtures: a provider with an active offering, and a customer organization with a project.
import type { WorkerHost } from "../../scripts/lib/worker-host.ts";
import { type Api, type Json, userApi } from "./api.ts";
import { createOffering, createProvider, type OfferingSpec, type ProviderFixture } from "./catalog.ts";

export interface OrderFixture extends ProviderFixture {
  offering: Json;
  plan: Json;
  customerApi: Api & { uuid: string; username: string };
  org: Json;
  project: Json;
}

export async function orderFixture(host: WorkerHost, spec: OfferingSpec = {}): Promise<OrderFixture> {
  const f = await createProvider(host);
  const offering = await createOffering(f, spec);
  const customerApi = await userApi(host);
  const org = await customerApi.expect(201, customerApi.post("/api/customers/", { name: `Org ${customerApi.username}` }));
  const project = await customerApi.expect(201, customerApi.post("/api/projects/", { name: "Research", customer: org.url }));
  const plans = await customerApi.expect(200, customerApi.get(`/api/marketplace-public-offerings/${offering.uuid}/plans/`));
  return { ...f, offering, plan: plans[0], customerApi, org, project };
}

export function orderBody(f: OrderFixture, extra: Json = {}): Json {
  return {
    offering: `${f.customerApi.host.url}/api/marketplace-public-offerings/${f.offering.uuid}/`,
    project: f.project.url,
    plan: f.plan.url,
    attributes: { name: "my-resource" },
    ...extra,
  };
}

export async function placeOrder(f: OrderFixture, extra: Json = {}): Promise<Json> {
  return f.customerApi.expect(201, f.customerApi.post("/api/marketplace-orders/", orderBody(f, extra)));
}
