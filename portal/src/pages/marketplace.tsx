// The marketplace: category tree with counts, offerings filtered by category, type, text and the
// category's attributes (Waldur's `attributes` JSON filter), sorted and paged, all through the public
// offerings list's own parameters. Every choice lives in the URL query, so reload, back and a shared
// link show the same list.
import { list, type Page, type Query } from "../api/client.ts";
import type { Category, Offering } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { type Async, useAsync } from "../lib/async.ts";
import { navigate, useLocation } from "../lib/router.ts";
import { ChoiceFilter, type Listing, Pager, SearchBox } from "../ui/listing.tsx";
import { OfferingCard } from "../ui/offering-card.tsx";
import { AsyncView, Empty } from "../ui/states.tsx";

const TYPES = [
  "Marketplace.Basic",
  "Marketplace.Slurm",
  "OpenStack.Instance",
  "OpenStack.Tenant",
  "Kubernetes.Namespace",
];
const ORDERINGS = ["name", "-name", "-created", "created"];
const PAGE_SIZES = [10, 12, 25, 50, 100];

interface SectionAttribute {
  key: string;
  title: string;
  type: string;
  options?: { key: string; title: string }[];
}
type CategoryWithSections = Category & { sections?: { attributes?: SectionAttribute[] }[] };

type AttrFilter = Record<string, string[] | boolean>;

/** A facet: a multiple choice (any of) or a yes/no attribute. */
interface Facet {
  key: string;
  title: string;
  kind: "choice" | "bool";
  options: { key: string; title: string; count?: number }[];
}

const MAX_OBSERVED_VALUES = 30;
const MAX_VALUE_LENGTH = 80;
/** Attributes that are text to read, not properties to filter by. */
const NOT_FACETS = new Set(["terms_of_service", "terms_of_service_link", "privacy_policy_link"]);

/** The `attributes` query value, read leniently: the API is the judge, the page only shows what it understood. */
function readAttrs(raw: string | null): AttrFilter {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw);
    if (!v || typeof v !== "object" || Array.isArray(v)) return {};
    const out: AttrFilter = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === "boolean") out[k] = x;
      else if (Array.isArray(x) && x.every((y) => typeof y === "string")) out[k] = x as string[];
    }
    return out;
  } catch {
    return {};
  }
}

/**
 * Facets from the category's declared attributes (choice and list with their options, boolean), and
 * from what its offerings actually carry for keys the category does not declare.
 */
export function facetsOf(category: CategoryWithSections | undefined, sample: Offering[], complete: boolean): Facet[] {
  const facets = new Map<string, Facet>();
  for (const sec of category?.sections ?? []) {
    for (const a of sec.attributes ?? []) {
      if ((a.type === "choice" || a.type === "list") && a.options?.length)
        facets.set(a.key, { key: a.key, title: a.title || a.key, kind: "choice", options: a.options.map((o) => ({ ...o })) });
      else if (a.type === "boolean") facets.set(a.key, { key: a.key, title: a.title || a.key, kind: "bool", options: [] });
    }
  }
  const seen = new Map<string, Map<string, number>>();
  const bools = new Set<string>();
  for (const o of sample) {
    for (const [k, v] of Object.entries(o.attributes ?? {})) {
      if (NOT_FACETS.has(k)) continue;
      const short = (x: unknown): x is string => typeof x === "string" && x.length <= MAX_VALUE_LENGTH;
      const values = short(v) ? [v] : Array.isArray(v) ? v.filter(short) : [];
      if (typeof v === "boolean") bools.add(k);
      const m = seen.get(k) ?? new Map<string, number>();
      for (const x of new Set(values)) m.set(x, (m.get(x) ?? 0) + 1);
      if (values.length) seen.set(k, m);
    }
  }
  for (const k of bools) if (!facets.has(k)) facets.set(k, { key: k, title: k.replace(/_/g, " "), kind: "bool", options: [] });
  for (const [k, m] of seen) {
    const f = facets.get(k);
    if (f?.kind === "bool") continue;
    if (!f) {
      if (m.size > MAX_OBSERVED_VALUES) continue; // free text, not a facet
      facets.set(k, {
        key: k,
        title: k.replace(/_/g, " "),
        kind: "choice",
        options: [...m.keys()].sort().map((x) => ({ key: x, title: x })),
      });
    }
  }
  // Counts are of the category's offerings, shown only when the sample is the whole category.
  if (complete)
    for (const f of facets.values())
      for (const opt of f.options) opt.count = seen.get(f.key)?.get(opt.key) ?? 0;
  return [...facets.values()];
}

export function Marketplace() {
  const loc = useLocation();
  const q = loc.query;
  const category = q.get("category") ?? "";
  const attrs = readAttrs(q.get("attributes"));
  const ordering = ORDERINGS.includes(q.get("o") ?? "") ? (q.get("o") as string) : "name";
  const page = Math.max(1, Number.parseInt(q.get("page") ?? "1", 10) || 1);
  const pageSize = PAGE_SIZES.includes(Number(q.get("page_size"))) ? Number(q.get("page_size")) : 12;
  const filters: Query = { query: q.get("query") ?? "", type: q.get("type") ?? "" };

  /** A new URL from the current one: changing any filter goes back to page 1. */
  function go(change: Record<string, string | null>, keepPage = false) {
    const next = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(change)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    if (!keepPage) next.delete("page");
    const qs = next.toString();
    navigate(`/marketplace${qs ? `?${qs}` : ""}`);
  }
  const setAttrs = (a: AttrFilter) => go({ attributes: Object.keys(a).length ? JSON.stringify(a) : null });

  const categories = useAsync(
    () => list<CategoryWithSections>("/api/marketplace-categories/", { page_size: 100, o: "title" }),
    [],
  );
  // What the category's offerings carry, for facets the category does not declare.
  const sample = useAsync(
    async () =>
      category
        ? list<Offering>("/api/marketplace-public-offerings/", {
            category_uuid: category,
            state: "Active",
            page_size: 100,
            field: ["uuid", "attributes"],
          })
        : { items: [], count: 0 },
    [category],
  );
  const apiQuery: Query = {
    state: "Active",
    page,
    page_size: pageSize,
    o: ordering,
    ...(category ? { category_uuid: category } : {}),
    ...(filters.query ? { query: filters.query } : {}),
    ...(filters.type ? { type: filters.type } : {}),
    ...(Object.keys(attrs).length ? { attributes: JSON.stringify(attrs) } : {}),
  };
  const result = useAsync(() => list<Offering>("/api/marketplace-public-offerings/", apiQuery), [JSON.stringify(apiQuery)]);
  const listing: Listing<Offering> = {
    page,
    pageSize,
    ordering,
    filters,
    result,
    setPage: (p) => go({ page: p > 1 ? String(p) : null }, true),
    setPageSize: (n) => go({ page_size: String(n) }),
    setOrdering: (o) => go({ o }),
    setFilter: (name, value) => go({ [name]: value === undefined ? null : String(value) }),
  };
  const anyFilter = !!(filters.query || filters.type || Object.keys(attrs).length);

  return (
    <div class="with-side">
      <aside aria-labelledby="cats-h">
        <h2 id="cats-h">{s.landing.categories}</h2>
        <AsyncView a={categories}>
          {(c) => (
            <>
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
              <AttributeFilters
                category={c.items.find((x) => x.uuid === category)}
                sample={sample}
                attrs={attrs}
                onChange={setAttrs}
              />
            </>
          )}
        </AsyncView>
      </aside>
      <section aria-labelledby="mk-h">
        <h1 id="mk-h">{s.nav.marketplace}</h1>
        <div class="toolbar">
          <SearchBox key={filters.query} listing={listing} param="query" label={s.landing.searchLabel} />
          <ChoiceFilter listing={listing} param="type" label={s.offering.type} choices={TYPES} />
          <label class="filter">
            {s.list.sortBy}{" "}
            <select value={ordering} onChange={(e) => listing.setOrdering((e.target as HTMLSelectElement).value)}>
              <option value="name">{s.list.nameAsc}</option>
              <option value="-name">{s.list.nameDesc}</option>
              <option value="-created">{s.list.newest}</option>
              <option value="created">{s.list.oldest}</option>
            </select>
          </label>
          {anyFilter && (
            <button type="button" onClick={() => go({ query: null, type: null, attributes: null })}>
              {s.marketFilters.clear}
            </button>
          )}
        </div>
        <AsyncView a={result}>
          {(pg) => (
            <>
              {pg.items.length ? (
                <ul class="cards">
                  {pg.items.map((o) => (
                    <OfferingCard key={o.uuid} o={o} />
                  ))}
                </ul>
              ) : (
                <Empty />
              )}
              <Pager listing={listing} count={pg.count} />
            </>
          )}
        </AsyncView>
      </section>
    </div>
  );
}

function AttributeFilters({
  category,
  sample,
  attrs,
  onChange,
}: {
  category: CategoryWithSections | undefined;
  sample: Async<Page<Offering>>;
  attrs: AttrFilter;
  onChange: (a: AttrFilter) => void;
}) {
  if (!category) return <p class="muted">{s.marketFilters.chooseCategory}</p>;
  return (
    <section aria-labelledby="attr-h" class="attr-filters">
      <h2 id="attr-h">{s.marketFilters.attributesOf(category.title)}</h2>
      <AsyncView a={sample}>
        {(sm) => {
          const facets = facetsOf(category, sm.items, sm.items.length >= sm.count);
          if (!facets.length) return <p class="muted">{s.marketFilters.none}</p>;
          return (
            <>
              {facets.map((f) =>
                f.kind === "bool" ? (
                  <label key={f.key} class="filter">
                    {f.title}{" "}
                    <select
                      name={`attr-${f.key}`}
                      value={attrs[f.key] === true ? "true" : attrs[f.key] === false ? "false" : ""}
                      onChange={(e) => {
                        const v = (e.target as HTMLSelectElement).value;
                        const { [f.key]: _, ...rest } = attrs;
                        onChange(v === "" ? rest : { ...rest, [f.key]: v === "true" });
                      }}
                    >
                      <option value="">{s.marketFilters.any}</option>
                      <option value="true">{s.common.yes}</option>
                      <option value="false">{s.common.no}</option>
                    </select>
                  </label>
                ) : (
                  <fieldset key={f.key} class="facet">
                    <legend>{f.title}</legend>
                    {f.options.map((opt) => {
                      const chosen = Array.isArray(attrs[f.key]) ? (attrs[f.key] as string[]) : [];
                      const on = chosen.includes(opt.key);
                      return (
                        <label key={opt.key} class="check">
                          <input
                            type="checkbox"
                            name={`attr-${f.key}`}
                            value={opt.key}
                            checked={on}
                            onChange={() => {
                              const next = on ? chosen.filter((x) => x !== opt.key) : [...chosen, opt.key];
                              const { [f.key]: _, ...rest } = attrs;
                              onChange(next.length ? { ...rest, [f.key]: next } : rest);
                            }}
                          />{" "}
                          {opt.title}
                          {opt.count !== undefined && <span class="count"> ({opt.count})</span>}
                        </label>
                      );
                    })}
                  </fieldset>
                ),
              )}
            </>
          );
        }}
      </AsyncView>
    </section>
  );
}
