// A public offering: overview, description, details with components, pricing per period for each
// plan, provider, location and terms, and the way to order it.
import { useState } from "preact/hooks";
import { get } from "../api/client.ts";
import { type Offering, termsOf } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { PlanPricing } from "../ui/pricing.tsx";
import { AsyncView, Empty, MISSING } from "../ui/states.tsx";
import { DataTable, useListing } from "../ui/listing.tsx";
import type { Screenshot } from "./provider-offering-media.tsx";

const TABS = ["overview", "details", "pricing", "support", "location", "terms"] as const;
type Tab = (typeof TABS)[number];
const TAB_LABEL: Record<Tab, string> = {
  overview: s.offering.overview,
  details: s.offering.details,
  pricing: s.offering.pricing,
  support: s.offering.support,
  location: s.offering.location,
  terms: s.offering.terms,
};

export function OfferingPage({ uuid }: { uuid: string }) {
  const a = useAsync(() => get<Offering>("/api/marketplace-public-offerings/{uuid}/", { uuid }), [uuid]);
  const [tab, setTab] = useState<Tab>("overview");
  return (
    <AsyncView a={a} missing={MISSING.offering}>
      {(o) => (
        <article>
          <header class="page-head">
            <div>
              <p class="muted">
                <a href={`/marketplace?category=${o.category_uuid}`}>{o.category_title}</a>
              </p>
              <h1>{o.name}</h1>
              <p>
                {s.offering.provider}: <a href={`/providers/${o.customer_uuid}`}>{o.customer_name}</a>
              </p>
            </div>
            {o.state === "Active" && o.plans.length > 0 && (
              <a class="button primary" href={`/offerings/${o.uuid}/order`}>
                {s.offering.order}
              </a>
            )}
          </header>
          <div role="tablist" aria-label={o.name} class="tabs">
            {TABS.map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                id={`tab-${t}`}
                aria-selected={tab === t}
                aria-controls={`panel-${t}`}
                tabIndex={tab === t ? 0 : -1}
                onClick={() => setTab(t)}
                onKeyDown={(e) => {
                  const i = TABS.indexOf(tab);
                  const next =
                    e.key === "ArrowRight"
                      ? TABS[(i + 1) % TABS.length]
                      : e.key === "ArrowLeft"
                        ? TABS[(i + TABS.length - 1) % TABS.length]
                        : undefined;
                  if (next) {
                    setTab(next);
                    document.getElementById(`tab-${next}`)?.focus();
                  }
                }}
              >
                {TAB_LABEL[t]}
              </button>
            ))}
          </div>
          <section role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} class="panel">
            {tab === "overview" && (
              <>
                <p>{o.description}</p>
                {o.full_description && <p class="pre">{o.full_description}</p>}
                <dl class="facts">
                  <dt>{s.offering.type}</dt>
                  <dd>{o.type}</dd>
                  <dt>{s.offering.category}</dt>
                  <dd>{o.category_title}</dd>
                  <dt>{s.offering.state}</dt>
                  <dd>{o.state}</dd>
                </dl>
              </>
            )}
            {tab === "details" && (
              <table>
                <caption>{s.offering.components}</caption>
                <thead>
                  <tr>
                    <th scope="col">{s.offering.component}</th>
                    <th scope="col">{s.offering.unit}</th>
                    <th scope="col">{s.offering.billing}</th>
                  </tr>
                </thead>
                <tbody>
                  {o.components.map((c) => (
                    <tr key={c.type}>
                      <th scope="row">{c.name}</th>
                      <td>{c.measured_unit}</td>
                      <td>{s.offering.billingTypes[c.billing_type] ?? c.billing_type}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {tab === "pricing" &&
              (o.plans.length ? (
                o.plans
                  .filter((p) => !p.archived)
                  .map((p) => <PlanPricing key={p.uuid} plan={p} components={o.components} />)
              ) : (
                <Empty>{s.offering.noPlans}</Empty>
              ))}
            {tab === "support" && (
              <>
                {o.getting_started ? <p class="pre">{o.getting_started}</p> : <Empty />}
                {o.access_url && (
                  <p>
                    {s.offering.accessUrl}: <a href={o.access_url}>{o.access_url}</a>
                  </p>
                )}
                {o.vendor_details && <p class="pre">{o.vendor_details}</p>}
              </>
            )}
            {tab === "location" &&
              (o.country || o.latitude != null ? (
                <dl class="facts">
                  <dt>{s.offering.country}</dt>
                  <dd>{o.country || "—"}</dd>
                  {o.latitude != null && (
                    <>
                      <dt>Lat/Lon</dt>
                      <dd>
                        {o.latitude}, {o.longitude}
                      </dd>
                    </>
                  )}
                </dl>
              ) : (
                <Empty>{s.offering.noLocation}</Empty>
              ))}
            {tab === "terms" && (
              <>
                {termsOf(o) ? <p class="pre">{termsOf(o)}</p> : <Empty />}
                {o.privacy_policy_link && (
                  <p>
                    <a href={o.privacy_policy_link}>{s.offering.privacy}</a>
                  </p>
                )}
              </>
            )}
          </section>
          <Screenshots uuid={o.uuid} />
        </article>
      )}
    </AsyncView>
  );
}

/** The offering's screenshots, as its provider uploaded them (paged by the API). */
function Screenshots({ uuid }: { uuid: string }) {
  const listing = useListing<Screenshot>("/api/marketplace-screenshots/", {
    base: { offering_uuid: uuid },
    ordering: "created",
    pageSize: 6,
  });
  const r = listing.result;
  // Nothing while loading or when there are none: the section appears with its pictures.
  if (r.status === "loading" || (r.status === "ok" && r.data.count === 0)) return null;
  return (
    <section class="screenshots" aria-labelledby="screenshots-title">
      <h2 id="screenshots-title">{s.adminTools.screenshots}</h2>
      <DataTable
        listing={listing}
        caption={s.adminTools.screenshots}
        columns={[
          {
            label: s.adminTools.screenshots,
            render: (x) => (
              <figure>
                <img src={x.image} alt={x.name} loading="lazy" style={{ maxWidth: "100%", height: "auto" }} />
                <figcaption>
                  <strong>{x.name}</strong>
                  {x.description && <span> — {x.description}</span>}
                </figcaption>
              </figure>
            ),
          },
        ]}
      />
    </section>
  );
}
