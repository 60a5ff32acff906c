// Resources customers hold on the user's provider organizations' offerings.
import { s } from "../i18n/en.ts";
import { RESOURCE_COLUMNS as c, ResourceList } from "./resource-list.tsx";

export function ProviderResources() {
  return (
    <ResourceList
      path="/api/marketplace-provider-resources/"
      title={s.provider.resources}
      columns={[c.name, c.offering, c.customerProject, c.state, c.created]}
    />
  );
}
