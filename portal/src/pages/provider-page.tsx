// A provider's public page: who they are and their active offerings.
import { list } from "../api/client.ts";
import type { Offering, ServiceProvider } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { Pager, useListing } from "../ui/listing.tsx";
import { OfferingCard } from "../ui/offering-card.tsx";
import { AsyncView, Empty } from "../ui/states.tsx";

/** `uuid` is the provider's organization (customer) uuid, as offerings link to it. */
export function ProviderPage({ uuid }: { uuid: string }) {
  const provider = useAsync(
    async () =>
      (await list<ServiceProvider>("/api/marketplace-service-providers/", { customer_uuid: uuid }))
        .items[0] ?? null,
    [uuid],
  );
  const listing = useListing<Offering>("/api/marketplace-public-offerings/", {
    base: { customer_uuid: uuid, state: "Active" },
    ordering: "name",
    pageSize: 12,
  });
  return (
    <>
      <AsyncView a={provider}>
        {(p) =>
          p ? (
            <header class="page-head">
              <div>
                <h1>{p.customer_name}</h1>
                <p>{p.description}</p>
              </div>
            </header>
          ) : (
            <p>{s.state.notFound}</p>
          )
        }
      </AsyncView>
      <h2>{s.landing.offeringsFound}</h2>
      <AsyncView a={listing.result}>
        {(page) => (
          <>
            {page.items.length ? (
              <ul class="cards">
                {page.items.map((o) => (
                  <OfferingCard key={o.uuid} o={o} />
                ))}
              </ul>
            ) : (
              <Empty />
            )}
            <Pager listing={listing} count={page.count} />
          </>
        )}
      </AsyncView>
    </>
  );
}
