// Resource, as Waldur renders it (waldur-api.md §3.5), with order_in_progress / creation_order.
import type { Links } from "../../http/links.ts";
import { serializeComponent } from "../catalog/serialize.ts";
import type { Order, Related, Resource } from "../orders/context.ts";
import { serializeOrder } from "../orders/serialize.ts";

export function availableActions(state: string): string[] {
  if (state === "OK") return ["terminate", "switch_plan", "update_limits", "edit_termination_date", "show_usage", "view_details"];
  if (state === "Erred") return ["terminate", "set_as_erred", "view_details"];
  return ["view_details"];
}

export function serializeResource(links: Links, r: Resource, rel: Related, ordersOf: Order[]) {
  const off = rel.offerings.get(r.offeringId)!;
  const provider = rel.customers.get(off.customerId)!;
  const project = rel.projects.get(r.projectId)!;
  const customer = rel.customers.get(project.customerId)!;
  const category = rel.categories.get(off.categoryId);
  const plan = r.planId ? rel.plans.get(r.planId) : undefined;
  const components = rel.components.get(off.id) ?? [];
  const mine = ordersOf.filter((o) => o.resourceId === r.id).sort((a, b) => a.id - b.id);
  const inProgress = mine.find((o) => !["done", "erred", "canceled", "rejected"].includes(o.state));
  const creation = mine.find((o) => o.type === "Create");
  return {
    url: links.to("marketplace-resources", r.uuid),
    uuid: r.uuid,
    created: r.created,
    modified: r.modified,
    name: r.name,
    slug: r.slug,
    description: r.description,
    state: r.state,
    backend_id: r.backendId,
    effective_id: r.effectiveId,
    resource_uuid: r.uuid,
    resource_type: off.type,
    scope: null,
    offering: links.to("marketplace-public-offerings", off.uuid),
    offering_name: off.name,
    offering_uuid: off.uuid,
    offering_slug: off.slug,
    offering_description: off.description,
    offering_image: off.image,
    offering_thumbnail: off.thumbnail,
    offering_type: off.type,
    offering_shared: off.shared,
    offering_billable: off.billable,
    offering_plugin_options: off.pluginOptions,
    offering_backend_id: off.backendId,
    offering_state: off.state,
    offering_components: components.map(serializeComponent),
    provider_name: provider.name,
    provider_uuid: provider.uuid,
    provider_slug: provider.slug,
    category_title: category?.title ?? "",
    category_uuid: category?.uuid ?? null,
    category_icon: category?.icon ?? null,
    plan: plan ? links.publicPlan(off.uuid, plan.uuid) : null,
    plan_unit: plan?.unit ?? null,
    plan_name: plan?.name ?? null,
    plan_uuid: plan?.uuid ?? null,
    plan_description: plan?.description ?? null,
    attributes: r.attributes,
    limits: r.limits,
    current_usages: r.currentUsages,
    limit_usage: {},
    is_usage_based: components.some((c) => c.billingType === "usage"),
    is_limit_based: components.some((c) => c.billingType === "limit"),
    project: links.to("projects", project.uuid),
    project_uuid: project.uuid,
    project_name: project.name,
    project_slug: project.slug,
    project_description: project.description,
    project_end_date: project.endDate,
    project_end_date_requested_by: null,
    customer_uuid: customer.uuid,
    customer_name: customer.name,
    customer_slug: customer.slug,
    backend_metadata: r.backendMetadata,
    can_terminate: ["OK", "Erred"].includes(r.state),
    report: r.report ?? [],
    end_date: r.endDate,
    end_date_requested_by: null,
    username: null,
    downscaled: r.downscaled,
    restrict_member_access: r.restrictMemberAccess,
    paused: r.paused,
    endpoints: r.endpoints,
    error_message: r.errorMessage,
    error_traceback: r.errorTraceback,
    options: r.options,
    available_actions: availableActions(r.state),
    // Waldur's clients convert these when present (uuid/datetime/nested model): absent, not null.
    ...(r.lastSync ? { last_sync: r.lastSync } : {}),
    ...(inProgress ? { order_in_progress: serializeOrder(links, inProgress, rel) } : {}),
    ...(creation ? { creation_order: serializeOrder(links, creation, rel) } : {}),
    user_requires_reconsent: false,
    renewal_date: null,
  };
}
