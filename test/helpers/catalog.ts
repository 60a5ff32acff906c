// Catalog fixtures through the API: a provider organization registered as a service provider,
// a category, and an active offering with components and a plan.
import type { WorkerHost } from "../../scripts/lib/worker-host.ts";
import { type Api, type Json, staffApi, userApi } from "./api.ts";
import { verifyProviderDomain } from "./domain.ts";

export interface ProviderFixture {
  staff: Api;
  provider: Api & { uuid: string; username: string };
  customer: Json;
  serviceProvider: Json;
  category: Json;
}

export async function createProvider(host: WorkerHost): Promise<ProviderFixture> {
  const staff = await staffApi(host);
  const provider = await userApi(host);
  const customer = await provider.expect(201, provider.post("/api/customers/", { name: `Provider ${provider.username}` }));
  const serviceProvider = await provider.expect(201, provider.post("/api/marketplace-service-providers/", { customer: customer.url }));
  const category = await staff.expect(201, staff.post("/api/marketplace-categories/", { title: `Cat ${provider.username}` }));
  return { staff, provider, customer, serviceProvider, category };
}

export interface OfferingSpec {
  type?: string;
  name?: string;
  shared?: boolean;
  components?: Json[];
  plans?: Json[];
  plugin_options?: Json;
  secret_options?: Json;
  activate?: boolean;
}

export const USAGE_COMPONENTS = [
  { type: "cpu", name: "CPU", measured_unit: "hours", billing_type: "usage" },
  { type: "storage", name: "Storage", measured_unit: "GB", billing_type: "limit", limit_period: "month", max_value: 1000 },
];

/** The provider's owner authorises the Worker's executor key for its plugins (needed before secret options are sealed). */
export async function authoriseExecutorKey(f: ProviderFixture): Promise<Json> {
  const path = `/api/marketplace-service-providers/${f.serviceProvider.uuid}/executor_key/`;
  const k = await f.provider.expect(200, f.provider.get(path));
  return f.provider.expect(200, f.provider.post(path, { key_id: k.executor_key.key_id }));
}

/** Staff activate the offering once its provider has proven a domain (issue 7), proving it first when needed. */
export async function activateOffering(f: ProviderFixture, offeringUuid: string): Promise<Json> {
  await verifyProviderDomain(f.provider, f.customer);
  return f.staff.expect(200, f.staff.post(`/api/marketplace-provider-offerings/${offeringUuid}/activate/`));
}

export async function createOffering(f: ProviderFixture, spec: OfferingSpec = {}): Promise<Json> {
  if (spec.secret_options && Object.keys(spec.secret_options).length) await authoriseExecutorKey(f);
  const o = await f.provider.expect(
    201,
    f.provider.post("/api/marketplace-provider-offerings/", {
      name: spec.name ?? `Offering ${Math.random().toString(36).slice(2, 8)}`,
      category: f.category.url,
      customer: f.customer.url,
      type: spec.type ?? "Marketplace.Basic",
      shared: spec.shared ?? true,
      components: spec.components ?? USAGE_COMPONENTS,
      plans: spec.plans ?? [{ name: "Standard", unit: "month", prices: { cpu: "0.50", storage: "0.10" } }],
      plugin_options: spec.plugin_options ?? {},
      secret_options: spec.secret_options ?? {},
    }),
  );
  if (spec.activate !== false) await activateOffering(f, o.uuid);
  return f.provider.expect(200, f.provider.get(`/api/marketplace-provider-offerings/${o.uuid}/`));
}

export { userApi };
