// Resources customers hold on the user's provider organizations' offerings.
import { RESOURCE_STATES, type Resource } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { StateBadge, when } from "../ui/format.tsx";
import { ChoiceFilter, DataTable, SearchBox, useListing } from "../ui/listing.tsx";

export function ProviderResources() {
  const listing = useListing<Resource>("/api/marketplace-provider-resources/", { ordering: "-created" });
  return (
    <section>
      <h1>{s.provider.resources}</h1>
      <div class="toolbar">
        <SearchBox listing={listing} param="query" label={s.list.search} />
        <ChoiceFilter listing={listing} param="state" label={s.resources.state} choices={RESOURCE_STATES} />
      </div>
      <DataTable
        listing={listing}
        caption={s.provider.resources}
        columns={[
          { label: s.resources.name, sort: "name", render: (r) => r.name },
          { label: s.resources.offering, render: (r) => r.offering_name },
          { label: s.provider.customer, render: (r) => `${r.customer_name} / ${r.project_name}` },
          { label: s.resources.state, sort: "state", render: (r) => <StateBadge state={r.state} /> },
          { label: s.resources.created, sort: "created", render: (r) => when(r.created) },
        ]}
      />
    </section>
  );
}
