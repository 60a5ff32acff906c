// One resource list for the customer's, the provider's and staff's views: the same search, state
// filter, sorting and column renderings, over whichever API list the view reads.
import type { ComponentChildren } from "preact";
import type { PathWith } from "../api/client.ts";
import { RESOURCE_STATES, type Resource } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { StateBadge, when } from "../ui/format.tsx";
import { ChoiceFilter, type Column, DataTable, type Listing, SearchBox, useListing } from "../ui/listing.tsx";

/** The columns the views choose from, each rendered one way everywhere. */
export const RESOURCE_COLUMNS = {
  name: { label: s.resources.name, sort: "name", render: (r) => r.name },
  nameLinked: { label: s.resources.name, sort: "name", render: (r) => <a href={`/resources/${r.uuid}`}>{r.name}</a> },
  offering: { label: s.resources.offering, render: (r) => r.offering_name },
  provider: { label: s.resources.provider, render: (r) => r.provider_name },
  customer: { label: s.adminTools.customer, render: (r) => r.customer_name },
  project: { label: s.resources.project, render: (r) => r.project_name },
  customerProject: { label: s.provider.customer, render: (r) => `${r.customer_name} / ${r.project_name}` },
  state: { label: s.resources.state, sort: "state", render: (r) => <StateBadge state={r.state} /> },
  created: { label: s.resources.created, sort: "created", render: (r) => when(r.created) },
} satisfies Record<string, Column<Resource>>;

export function ResourceList(props: {
  path: PathWith<"get">;
  title: string;
  columns: Column<Resource>[];
  /** Buttons beside the title, given the list as filtered (e.g. an export of it). */
  actions?: (listing: Listing<Resource>) => ComponentChildren;
}) {
  const listing = useListing<Resource>(props.path, { ordering: "-created" });
  return (
    <section>
      <header class="page-head">
        <h1>{props.title}</h1>
        {props.actions?.(listing)}
      </header>
      <div class="toolbar">
        <SearchBox listing={listing} param="query" label={s.list.search} />
        <ChoiceFilter listing={listing} param="state" label={s.resources.state} choices={RESOURCE_STATES} />
      </div>
      <DataTable listing={listing} caption={props.title} columns={props.columns} />
    </section>
  );
}
