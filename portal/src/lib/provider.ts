// The provider organizations the signed-in user belongs to: their organizations that are registered
// as service providers.
import { list } from "../api/client.ts";
import type { Customer, ServiceProvider } from "../api/models.ts";

export async function myProviders(): Promise<ServiceProvider[]> {
  const customers = (await list<Customer>("/api/customers/", { page_size: 100, o: "name" })).items;
  if (!customers.length) return [];
  return (
    await list<ServiceProvider>("/api/marketplace-service-providers/", {
      customer_uuid: customers.map((c) => c.uuid),
      page_size: 100,
    })
  ).items;
}
