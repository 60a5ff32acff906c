// A provider's public page: who they are and their active offerings.
import { ApiFailure, list } from "../api/client.ts";
import type { Offering, ServiceProvider } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { Pager, useListing } from "../ui/listing.tsx";
import { OfferingCard } from "../ui/offering-card.tsx";
import { AsyncView, Empty, MISSING, NotFound, isNotFound } from "../ui/states.tsx";

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** `uuid` is the provider's organization (customer) uuid, as offerings link to it. */
export function ProviderPage({ uuid }: { uuid: string }) {
  // The list answers 400 to a malformed uuid and [] to an unknown one: both mean "no such provider".
  const provider = useAsync(async () => {
    const found = UUID.test(uuid)
      ? (await list<ServiceProvider>("/api/marketplace-service-providers/", { customer_uuid: uuid })).items[0]
      : undefined;
    if (!found) throw new ApiFailure(404, {}, []);
    return found;
  }, [uuid]);
  const listing = useListing<Offering>("/api/marketplace-public-offerings/", {
    base: { customer_uuid: uuid, state: "Active" },
    ordering: "name",
    pageSize: 12,
  });
  if (provider.status === "error" && isNotFound(provider.error)) return <NotFound missing={MISSING.provider} />;
  return (
    <>
      <AsyncView a={provider}>
        {(p) => (
          <header class="page-head">
            <div>
              <h1>{p.customer_name}</h1>
              <p>{p.description}</p>
            </div>
          </header>
        )}
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
