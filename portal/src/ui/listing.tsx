// Lists driven by the API's own parameters: page/page_size, o= ordering and filters go to the
// server; the table only renders the page it gets back, with X-Result-Count for the pager.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { list, type Page, type PathWith, type Query } from "../api/client.ts";
import { s } from "../i18n/en.ts";
import { type Async, useAsync } from "../lib/async.ts";
import { Empty, ErrorBox, Loading } from "./states.tsx";

export interface Listing<T> {
  page: number;
  pageSize: number;
  ordering: string;
  filters: Query;
  result: Async<Page<T>>;
  setPage: (p: number) => void;
  setPageSize: (n: number) => void;
  setOrdering: (o: string) => void;
  setFilter: (name: string, value: Query[string]) => void;
}

export function useListing<T>(
  path: PathWith<"get">,
  opts: {
    base?: Query;
    ordering?: string;
    pageSize?: number;
    filters?: Query;
    pathParams?: Record<string, string>;
  } = {},
): Listing<T> {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(opts.pageSize ?? 10);
  const [ordering, setOrdering] = useState(opts.ordering ?? "");
  const [filters, setFilters] = useState<Query>(opts.filters ?? {});
  const key = JSON.stringify([path, opts.base, opts.pathParams, page, pageSize, ordering, filters]);
  const result = useAsync(() => {
    const q: Query = { ...opts.base, page, page_size: pageSize };
    if (ordering) q.o = ordering;
    for (const [k, v] of Object.entries(filters)) if (v !== "" && v !== undefined) q[k] = v;
    return list<T>(path, q, opts.pathParams);
  }, [key]);
  return {
    page,
    pageSize,
    ordering,
    filters,
    result,
    setPage,
    setPageSize: (n) => {
      setPageSize(n);
      setPage(1);
    },
    setOrdering: (o) => {
      setOrdering(o);
      setPage(1);
    },
    setFilter: (name, value) => {
      setFilters((f) => ({ ...f, [name]: value }));
      setPage(1);
    },
  };
}

export interface Column<T> {
  label: string;
  /** The API's ordering key (o=); sortable when given. */
  sort?: string;
  render: (row: T) => ComponentChildren;
}

export function DataTable<T extends { uuid: string }>({
  listing,
  columns,
  caption,
  empty,
}: {
  listing: Listing<T>;
  columns: Column<T>[];
  caption: string;
  empty?: ComponentChildren;
}) {
  const r = listing.result;
  if (r.status === "loading") return <Loading />;
  if (r.status === "error") return <ErrorBox error={r.error} retry={r.reload} />;
  const { items, count } = r.data;
  return (
    <div class="table-wrap">
      {items.length === 0 ? (
        <Empty>{empty}</Empty>
      ) : (
        <table>
          <caption class="sr-only">{caption}</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.label} scope="col" aria-sort={sortState(listing.ordering, c.sort)}>
                  {c.sort ? <SortButton listing={listing} label={c.label} sortKey={c.sort} /> : c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((row) => (
              <tr key={row.uuid}>
                {columns.map((c) => (
                  <td key={c.label} data-label={c.label}>
                    {c.render(row)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager listing={listing} count={count} />
    </div>
  );
}

function sortState(ordering: string, key?: string): "ascending" | "descending" | undefined {
  if (!key) return undefined;
  if (ordering === key) return "ascending";
  if (ordering === `-${key}`) return "descending";
  return undefined;
}

function SortButton<T>({ listing, label, sortKey }: { listing: Listing<T>; label: string; sortKey: string }) {
  const st = sortState(listing.ordering, sortKey);
  const nextOrder = st === "ascending" ? `-${sortKey}` : sortKey;
  return (
    <button type="button" class="sort" onClick={() => listing.setOrdering(nextOrder)}>
      {label}
      <span aria-hidden="true">{st === "ascending" ? " ▲" : st === "descending" ? " ▼" : " ↕"}</span>
    </button>
  );
}

export function Pager<T>({ listing, count }: { listing: Listing<T>; count: number }) {
  const pages = Math.max(1, Math.ceil(count / listing.pageSize));
  return (
    <nav class="pager" aria-label={s.list.pageOf(listing.page, pages, count)}>
      <button type="button" disabled={listing.page <= 1} onClick={() => listing.setPage(listing.page - 1)}>
        {s.list.previous}
      </button>
      <span>{s.list.pageOf(listing.page, pages, count)}</span>
      <button
        type="button"
        disabled={listing.page >= pages}
        onClick={() => listing.setPage(listing.page + 1)}
      >
        {s.list.next}
      </button>
      <label>
        {s.list.pageSize}{" "}
        <select
          value={String(listing.pageSize)}
          onChange={(e) => listing.setPageSize(Number((e.target as HTMLSelectElement).value))}
        >
          {[...new Set([listing.pageSize, 10, 25, 50, 100])]
            .sort((x, y) => x - y)
            .map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
        </select>
      </label>
    </nav>
  );
}

/** A search box that filters the listing by one API parameter (debounced by form submit). */
export function SearchBox<T>({
  listing,
  param,
  label,
}: {
  listing: Listing<T>;
  param: string;
  label: string;
}) {
  const [value, setValue] = useState(String(listing.filters[param] ?? ""));
  return (
    <form
      class="search"
      onSubmit={(e) => {
        e.preventDefault();
        listing.setFilter(param, value.trim());
      }}
    >
      <label>
        <span class="sr-only">{label}</span>
        <input
          type="search"
          placeholder={label}
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">{s.list.search}</button>
    </form>
  );
}

export function ChoiceFilter<T>({
  listing,
  param,
  label,
  choices,
}: {
  listing: Listing<T>;
  param: string;
  label: string;
  choices: readonly string[];
}) {
  return (
    <label class="filter">
      {label}{" "}
      <select
        value={String(listing.filters[param] ?? "")}
        onChange={(e) => listing.setFilter(param, (e.target as HTMLSelectElement).value)}
      >
        <option value="">{s.list.all}</option>
        {choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  );
}
