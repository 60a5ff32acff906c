// ComponentUsage and ComponentUserUsage shapes (waldur-api.md §3.6).
import type { componentUsages, componentUserUsages, offeringComponents } from "../../db/schema/index.ts";
import { formatDecimal } from "../../http/decimal.ts";
import type { Links } from "../../http/links.ts";
import type { Related, Resource } from "../orders/context.ts";

type Usage = typeof componentUsages.$inferSelect;
type UserUsage = typeof componentUserUsages.$inferSelect;
type Component = typeof offeringComponents.$inferSelect;

function owners(r: Resource, rel: Related) {
  const off = rel.offerings.get(r.offeringId)!;
  const project = rel.projects.get(r.projectId)!;
  const customer = rel.customers.get(project.customerId)!;
  return {
    resource_name: r.name,
    resource_uuid: r.uuid,
    offering_name: off.name,
    offering_uuid: off.uuid,
    project_name: project.name,
    project_uuid: project.uuid,
    customer_name: customer.name,
    customer_uuid: customer.uuid,
  };
}

export function serializeUsage(links: Links, u: Usage, comp: Component, r: Resource, rel: Related, modifiedBy: string | null) {
  return {
    url: links.to("marketplace-component-usages", u.uuid),
    uuid: u.uuid,
    created: u.created,
    modified: u.modified,
    description: u.description,
    type: comp.type,
    name: comp.name,
    measured_unit: comp.measuredUnit,
    usage: formatDecimal(u.usage, 2),
    date: u.date,
    recurring: u.recurring,
    billing_period: u.billingPeriod,
    // Waldur exposes the modifier's internal id here; we expose no internal ids.
    modified_by: null,
    modified_by_username: modifiedBy,
    ...owners(r, rel),
  };
}

export function serializeUserUsage(links: Links, uu: UserUsage, u: Usage, comp: Component, r: Resource, rel: Related, offeringUserUuid: string | null) {
  return {
    uuid: uu.uuid,
    user: offeringUserUuid ? links.to("marketplace-offering-users", offeringUserUuid) : null,
    username: uu.username,
    component_usage: links.to("marketplace-component-usages", u.uuid),
    usage: formatDecimal(uu.usage, 2),
    measured_unit: comp.measuredUnit,
    description: uu.description,
    created: uu.created,
    modified: uu.modified,
    backend_id: uu.backendId,
    component_type: comp.type,
    date: uu.date,
    billing_period: u.billingPeriod,
    ...owners(r, rel),
  };
}
