// OrderDetails, as Waldur renders it (waldur-api.md §3.4).
import { fullName } from "../../structure/users.ts";
import type { Links } from "../../http/links.ts";
import type { Order, Related } from "./context.ts";
import { MANUAL_TYPES } from "../catalog/types.ts";

export function serializeOrder(links: Links, o: Order, rel: Related) {
  const off = rel.offerings.get(o.offeringId)!;
  const provider = rel.customers.get(off.customerId)!;
  const project = rel.projects.get(o.projectId)!;
  const customer = rel.customers.get(project.customerId)!;
  const category = rel.categories.get(off.categoryId);
  const plan = o.planId ? rel.plans.get(o.planId) : undefined;
  const oldPlan = o.oldPlanId ? rel.plans.get(o.oldPlanId) : undefined;
  const resource = o.resourceId ? rel.resources.get(o.resourceId) : undefined;
  const by = o.createdById ? rel.users.get(o.createdById) : undefined;
  const consumer = o.consumerReviewedById ? rel.users.get(o.consumerReviewedById) : undefined;
  const providerReviewer = o.providerReviewedById ? rel.users.get(o.providerReviewedById) : undefined;
  return {
    url: links.to("marketplace-orders", o.uuid),
    uuid: o.uuid,
    created: o.created,
    modified: o.modified,
    slug: o.slug,
    state: o.state,
    type: o.type,
    offering: links.to("marketplace-public-offerings", off.uuid),
    offering_name: off.name,
    offering_uuid: off.uuid,
    offering_description: off.description,
    offering_image: off.image,
    offering_thumbnail: off.thumbnail,
    offering_type: off.type,
    offering_shared: off.shared,
    offering_billable: off.billable,
    offering_plugin_options: off.pluginOptions,
    provider_name: provider.name,
    provider_uuid: provider.uuid,
    provider_slug: provider.slug,
    provider_description: "",
    category_title: category?.title ?? "",
    category_uuid: category?.uuid ?? null,
    category_icon: category?.icon ?? null,
    plan: plan ? links.publicPlan(off.uuid, plan.uuid) : null,
    plan_unit: plan?.unit ?? null,
    plan_name: plan?.name ?? null,
    plan_uuid: plan?.uuid ?? null,
    plan_description: plan?.description ?? null,
    attributes: o.attributes,
    limits: o.limits,
    resource_uuid: resource?.uuid ?? null,
    resource_type: off.type,
    resource_name: resource?.name ?? (typeof o.attributes.name === "string" ? o.attributes.name : ""),
    marketplace_resource_uuid: resource?.uuid ?? null,
    cost: o.cost,
    output: o.output,
    output_updated_at: null,
    error_message: o.errorMessage,
    error_traceback: o.errorTraceback,
    error_updated_at: null,
    callback_url: o.callbackUrl,
    completed_at: o.completedAt,
    request_comment: o.requestComment,
    attachment: null,
    start_date: o.startDate,
    consumer_reviewed_by: consumer?.username ?? null,
    consumer_reviewed_by_full_name: consumer ? fullName(consumer) : null,
    consumer_reviewed_by_username: consumer?.username ?? null,
    consumer_reviewed_at: o.consumerReviewedAt,
    provider_reviewed_by: providerReviewer?.username ?? null,
    provider_reviewed_by_full_name: providerReviewer ? fullName(providerReviewer) : null,
    provider_reviewed_by_username: providerReviewer?.username ?? null,
    provider_reviewed_at: o.providerReviewedAt,
    created_by_username: by?.username ?? null,
    created_by_full_name: by ? fullName(by) : null,
    created_by_civil_number: by?.civilNumber ?? null,
    created_by_email: by?.email ?? null,
    created_by_organization: by?.organization ?? null,
    created_by_organization_registry_code: null,
    customer_name: customer.name,
    customer_uuid: customer.uuid,
    customer_slug: customer.slug,
    project_name: project.name,
    project_uuid: project.uuid,
    project_description: project.description,
    project_slug: project.slug,
    old_plan_name: oldPlan?.name ?? null,
    new_plan_name: plan?.name ?? null,
    old_plan_uuid: oldPlan?.uuid ?? null,
    new_plan_uuid: plan?.uuid ?? null,
    old_cost_estimate: null,
    new_cost_estimate: null,
    can_terminate: MANUAL_TYPES.includes(off.type) && ["pending-consumer", "pending-provider", "executing"].includes(o.state),
    fixed_price: null,
    activation_price: null,
    termination_comment: o.terminationComment,
    backend_id: o.backendId,
    order_subtype: null,
    provider_message: o.providerMessage,
    provider_message_url: o.providerMessageUrl,
    provider_message_attachment: null,
    consumer_message: o.consumerMessage,
    consumer_message_attachment: null,
    consumer_rejection_comment: o.consumerRejectionComment,
    provider_rejection_comment: o.providerRejectionComment,
  };
}
