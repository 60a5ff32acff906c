// Anonymous landing: search over offerings and providers, categories with their counts, and the
// most recent offerings.
import { useState } from "preact/hooks";
import { list } from "../api/client.ts";
import type { Category, Offering, ServiceProvider } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { OfferingCard } from "../ui/offering-card.tsx";
import { AsyncView, Empty } from "../ui/states.tsx";

export function Landing() {
  const [typed, setTyped] = useState("");
  const [query, setQuery] = useState("");
  const categories = useAsync(
    () => list<Category>("/api/marketplace-categories/", { page_size: 100, o: "title" }),
    [],
  );
  const recent = useAsync(
    () =>
      list<Offering>("/api/marketplace-public-offerings/", { page_size: 6, o: "-created", state: "Active" }),
    [],
  );
  const found = useAsync(
    async () =>
      query
        ? {
            offerings: await list<Offering>("/api/marketplace-public-offerings/", {
              query,
              page_size: 12,
              state: "Active",
            }),
            providers: await list<ServiceProvider>("/api/marketplace-service-providers/", {
              customer_keyword: query,
              page_size: 12,
            }),
          }
        : null,
    [query],
  );
  return (
    <>
      <section class="hero">
        <h1>{s.landing.title}</h1>
        <p>{s.landing.lead}</p>
        <form
          class="search big"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery(typed.trim());
          }}
        >
          <label for="landing-search" class="sr-only">
            {s.landing.searchLabel}
          </label>
          <input
            id="landing-search"
            type="search"
            placeholder={s.landing.searchLabel}
            value={typed}
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
          <button type="submit">{s.landing.searchButton}</button>
        </form>
      </section>
      {query && (
        <section aria-labelledby="results-h">
          <h2 id="results-h" class="sr-only">
            {s.list.search}
          </h2>
          <AsyncView a={found}>
            {(r) =>
              r && (r.offerings.count || r.providers.count) ? (
                <div class="results">
                  <h3>
                    {s.landing.offeringsFound} ({r.offerings.count})
                  </h3>
                  <ul class="cards">
                    {r.offerings.items.map((o) => (
                      <OfferingCard key={o.uuid} o={o} />
                    ))}
                  </ul>
                  <h3>
                    {s.landing.providersFound} ({r.providers.count})
                  </h3>
                  <ul class="plain">
                    {r.providers.items.map((p) => (
                      <li key={p.uuid}>
                        <a href={`/providers/${p.uuid}`}>{p.customer_name}</a>{" "}
                        <span class="muted">{p.description}</span>
                      </li>
                    ))}
                  </ul>
                </div>
              ) : (
                <Empty>{s.landing.noResults}</Empty>
              )
            }
          </AsyncView>
        </section>
      )}
      <section aria-labelledby="cat-h">
        <h2 id="cat-h">{s.landing.categories}</h2>
        <AsyncView a={categories}>
          {(c) =>
            c.items.length ? (
              <ul class="categories">
                {c.items.map((cat) => (
                  <li key={cat.uuid}>
                    <a href={`/marketplace?category=${cat.uuid}`}>
                      <strong>{cat.title}</strong>{" "}
                      <span class="count">
                        {s.landing.offeringCount(cat.available_offerings_count ?? cat.offering_count)}
                      </span>
                    </a>
                  </li>
                ))}
              </ul>
            ) : (
              <Empty />
            )
          }
        </AsyncView>
      </section>
      <section aria-labelledby="recent-h">
        <h2 id="recent-h">{s.landing.recent}</h2>
        <AsyncView a={recent}>
          {(r) =>
            r.items.length ? (
              <ul class="cards">
                {r.items.map((o) => (
                  <OfferingCard key={o.uuid} o={o} />
                ))}
              </ul>
            ) : (
              <Empty />
            )
          }
        </AsyncView>
      </section>
    </>
  );
}
