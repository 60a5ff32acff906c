// Bridge fixtures: a "remote Waldur" (a second instance of our own API, which speaks Waldur) with
// a provider organization and offerings, and a local provider organization that connects to it.
import type { WorkerHost } from "../../scripts/lib/worker-host.ts";
import type { Api, Json } from "../helpers/api.ts";
import { createOffering, createProvider, type ProviderFixture } from "../helpers/catalog.ts";

export const WALDUR_PLUGIN_CONFIG = JSON.stringify({
  plugins: [
    {
      plugin: "waldur",
      offering_types: ["Waldur.RemoteOffering"],
      settings: {
        api_url: { $secret: "waldur_api_url" },
        token: { $secret: "waldur_token" },
        customer_uuid: { $secret: "waldur_customer_uuid" },
        offering_uuid: { $secret: "waldur_offering_uuid" },
        plans: { $secret: "waldur_plans" },
      },
    },
  ],
});

export const REMOTE_COMPONENTS = [
  { type: "cpu", name: "CPU", measured_unit: "hours", billing_type: "usage" },
  { type: "storage", name: "Storage", measured_unit: "GB", billing_type: "limit", limit_period: "month", max_value: 1000 },
];

export interface RemoteSide extends ProviderFixture {
  offerings: Json[];
}

export async function remoteProvider(host: WorkerHost, n = 1): Promise<RemoteSide> {
  const f = await createProvider(host);
  const offerings: Json[] = [];
  for (let i = 0; i < n; i++) {
    offerings.push(
      await createOffering(f, {
        name: `Remote offering ${i}`,
        components: REMOTE_COMPONENTS,
        plans: [{ name: "Standard", unit: "month", prices: { cpu: "0.50", storage: "0.10" } }],
      }),
    );
  }
  return { ...f, offerings };
}

export function connectBody(remote: WorkerHost, r: RemoteSide, local: ProviderFixture, extra: Json = {}): Json {
  return {
    api_url: `${remote.url}/api/`,
    token: r.provider.token,
    customer: local.customer.url,
    remote_customer_uuid: r.customer.uuid,
    category: local.category.url,
    ...extra,
  };
}

export async function connect(local: ProviderFixture, remote: WorkerHost, r: RemoteSide): Promise<Json> {
  return local.provider.expect(201, local.provider.post("/api/waldur-connections/", connectBody(remote, r, local)));
}

export type { Api, Json };
