// The marketplace: category tree with counts, offerings filtered by category, type and text, and
// sorted, all through the public offerings list's own parameters.
import { list } from "../api/client.ts";
import type { Category, Offering } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { useLocation } from "../lib/router.ts";
import { ChoiceFilter, Pager, SearchBox, useListing } from "../ui/listing.tsx";
import { OfferingCard } from "../ui/offering-card.tsx";
import { AsyncView, Empty } from "../ui/states.tsx";

const TYPES = [
  "Marketplace.Basic",
  "Marketplace.Slurm",
  "OpenStack.Instance",
  "OpenStack.Tenant",
  "Kubernetes.Namespace",
];

export function Marketplace() {
  const loc = useLocation();
  const category = loc.query.get("category") ?? "";
  const categories = useAsync(
    () => list<Category>("/api/marketplace-categories/", { page_size: 100, o: "title" }),
    [],
  );
  const listing = useListing<Offering>("/api/marketplace-public-offerings/", {
    base: { state: "Active", ...(category ? { category_uuid: category } : {}) },
    ordering: "name",
    pageSize: 12,
  });
  const r = listing.result;
  return (
    <div class="with-side">
      <aside aria-labelledby="cats-h">
        <h2 id="cats-h">{s.landing.categories}</h2>
        <AsyncView a={categories}>
          {(c) => (
            <ul class="plain">
              <li>
                <a href="/marketplace" aria-current={category === "" ? "page" : undefined}>
                  {s.list.all}
                </a>
              </li>
              {c.items.map((cat) => (
                <li key={cat.uuid}>
                  <a
                    href={`/marketplace?category=${cat.uuid}`}
                    aria-current={category === cat.uuid ? "page" : undefined}
                  >
                    {cat.title}{" "}
                    <span class="count">({cat.available_offerings_count ?? cat.offering_count})</span>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </AsyncView>
      </aside>
      <section aria-labelledby="mk-h">
        <h1 id="mk-h">{s.nav.marketplace}</h1>
        <div class="toolbar">
          <SearchBox listing={listing} param="query" label={s.landing.searchLabel} />
          <ChoiceFilter listing={listing} param="type" label={s.offering.type} choices={TYPES} />
          <label class="filter">
            {s.list.sortBy}{" "}
            <select
              value={listing.ordering}
              onChange={(e) => listing.setOrdering((e.target as HTMLSelectElement).value)}
            >
              <option value="name">{s.list.nameAsc}</option>
              <option value="-name">{s.list.nameDesc}</option>
              <option value="-created">{s.list.newest}</option>
              <option value="created">{s.list.oldest}</option>
            </select>
          </label>
        </div>
        <AsyncView a={r}>
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
      </section>
    </div>
  );
}
