// ProviderOfferingDetails / PublicOfferingDetails / plan shapes, as Waldur renders them.
import { count } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { Db } from "../../app-env.ts";
import {
  categories,
  customers,
  offeringComponents,
  type offerings,
  planComponents,
  plans,
  projects,
  resources,
  serviceProviders,
} from "../../db/schema/index.ts";
import { addDecimal, formatPrice, mulDecimal } from "../../http/decimal.ts";
import type { Links } from "../../http/links.ts";

export type Offering = typeof offerings.$inferSelect;
export type Component = typeof offeringComponents.$inferSelect;
export type Plan = typeof plans.$inferSelect;
export type PlanComponent = typeof planComponents.$inferSelect;

export function serializeComponent(c: Component) {
  return {
    uuid: c.uuid,
    billing_type: c.billingType,
    type: c.type,
    name: c.name,
    description: c.description,
    measured_unit: c.measuredUnit,
    unit_factor: c.unitFactor,
    limit_period: c.limitPeriod,
    limit_amount: c.limitAmount,
    article_code: c.articleCode,
    max_value: c.maxValue,
    min_value: c.minValue,
    max_available_limit: c.maxAvailableLimit,
    is_boolean: c.isBoolean,
    default_limit: c.defaultLimit,
    factor: c.unitFactor,
    is_builtin: c.isBuiltin,
    is_prepaid: c.isPrepaid,
    overage_component: null,
    min_prepaid_duration: null,
    max_prepaid_duration: null,
  };
}

export interface PlanView {
  plan: Plan;
  prices: { component: Component; pc: PlanComponent | undefined }[];
  resourcesCount: number;
}

/** Plan fields shared by the provider and public views; `url` differs by view. */
export function serializePlan(links: Links, offering: Offering, v: PlanView, view: "provider" | "public") {
  const prices: Record<string, string> = {};
  const quotas: Record<string, number> = {};
  const futurePrices: Record<string, string | null> = {};
  for (const { component, pc } of v.prices) {
    prices[component.type] = formatPrice(pc?.price ?? "0");
    quotas[component.type] = pc?.amount ?? 0;
    futurePrices[component.type] = pc?.futurePrice ?? null;
  }
  const minimal = v.prices
    .filter((x) => x.component.billingType === "fixed")
    .reduce((acc, x) => formatPrice(addDecimal(acc, mulDecimal(x.pc?.price ?? "0", x.pc?.amount ?? 0, 10), 10)), "0.00");
  return {
    url: view === "public" ? links.publicPlan(offering.uuid, v.plan.uuid) : links.to("marketplace-plans", v.plan.uuid),
    uuid: v.plan.uuid,
    name: v.plan.name,
    description: v.plan.description,
    article_code: v.plan.articleCode,
    max_amount: v.plan.maxAmount,
    archived: v.plan.archived,
    is_active: !v.plan.archived,
    unit_price: formatPrice(v.plan.unitPrice),
    unit: v.plan.unit,
    init_price: "0.00",
    switch_price: "0.00",
    backend_id: v.plan.backendId,
    organization_groups: [],
    components: v.prices.map(({ component, pc }) => ({
      type: component.type,
      name: component.name,
      measured_unit: component.measuredUnit,
      amount: pc?.amount ?? 0,
      price: formatPrice(pc?.price ?? "0"),
      future_price: pc?.futurePrice ?? null,
      discount_threshold: null,
      discount_rate: null,
    })),
    prices,
    future_prices: futurePrices,
    quotas,
    resources_count: v.resourcesCount,
    plan_type: v.prices.some((x) => x.component.billingType === "usage") ? "usage-based" : "fixed",
    minimal_price: minimal,
    ...(view === "provider" ? { offering: links.to("marketplace-provider-offerings", offering.uuid) } : {}),
  };
}

export interface OfferingBundle {
  offering: Offering;
  components: Component[];
  plans: PlanView[];
  customer: typeof customers.$inferSelect;
  category: typeof categories.$inferSelect;
  project: typeof projects.$inferSelect | null;
  orderCount: number;
}

/** Loads everything the serializers need for many offerings in one D1 round trip (a batch). */
export async function loadBundles(db: Db, rows: Offering[]): Promise<OfferingBundle[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((o) => o.id);
  const planIds = db.select({ id: plans.id }).from(plans).where(inArray(plans.offeringId, ids));
  const projIds = rows.map((o) => o.projectId).filter((x): x is number => x !== null);
  const [comps, planRows, custRows, catRows, pcs, resCounts, projRows] = await db.batch([
    db.select().from(offeringComponents).where(inArray(offeringComponents.offeringId, ids)),
    db.select().from(plans).where(inArray(plans.offeringId, ids)),
    db.select().from(customers).where(inArray(customers.id, [...new Set(rows.map((o) => o.customerId))])),
    db.select().from(categories).where(inArray(categories.id, [...new Set(rows.map((o) => o.categoryId))])),
    db.select().from(planComponents).where(inArray(planComponents.planId, planIds)),
    db.select({ planId: resources.planId, n: count() }).from(resources).where(inArray(resources.planId, planIds)).groupBy(resources.planId),
    db.select().from(projects).where(inArray(projects.id, projIds.length ? projIds : [-1])),
  ]);
  return rows.map((o) => {
    const components = comps.filter((c) => c.offeringId === o.id).sort((a, b) => a.id - b.id);
    return {
      offering: o,
      components,
      plans: planRows
        .filter((p) => p.offeringId === o.id)
        .sort((a, b) => a.id - b.id)
        .map((plan) => ({
          plan,
          prices: components.map((component) => ({
            component,
            pc: pcs.find((x) => x.planId === plan.id && x.componentId === component.id),
          })),
          resourcesCount: resCounts.find((r) => r.planId === plan.id)?.n ?? 0,
        })),
      customer: custRows.find((c) => c.id === o.customerId)!,
      category: catRows.find((c) => c.id === o.categoryId)!,
      project: projRows.find((p) => p.id === o.projectId) ?? null,
      orderCount: 0,
    };
  });
}

export async function serviceProviderOf(db: Db, customerIds: number[]) {
  return customerIds.length ? db.select().from(serviceProviders).where(inArray(serviceProviders.customerId, customerIds)).all() : [];
}

export function serializeOffering(links: Links, b: OfferingBundle, view: "provider" | "public") {
  const o = b.offering;
  const common = {
    url: links.to(view === "public" ? "marketplace-public-offerings" : "marketplace-provider-offerings", o.uuid),
    uuid: o.uuid,
    created: o.created,
    name: o.name,
    slug: o.slug,
    description: o.description,
    full_description: o.fullDescription,
    privacy_policy_link: o.privacyPolicyLink,
    access_url: o.accessUrl,
    endpoints: o.endpoints,
    software_catalogs: [],
    partitions: o.partitions,
    roles: [],
    customer: links.to("customers", b.customer.uuid),
    customer_uuid: b.customer.uuid,
    customer_name: b.customer.name,
    customer_slug: b.customer.slug,
    project: b.project ? links.to("projects", b.project.uuid) : null,
    project_uuid: b.project?.uuid ?? null,
    project_name: b.project?.name ?? null,
    category: links.to("marketplace-categories", b.category.uuid),
    category_uuid: b.category.uuid,
    category_title: b.category.title,
    attributes: o.attributes,
    options: o.options,
    resource_options: o.resourceOptions,
    components: b.components.map(serializeComponent),
    plugin_options: o.pluginOptions,
    state: o.state,
    vendor_details: o.vendorDetails,
    getting_started: o.gettingStarted,
    integration_guide: o.integrationGuide,
    thumbnail: o.thumbnail,
    order_count: b.orderCount,
    plans: b.plans.filter((p) => view === "provider" || !p.plan.archived).map((p) => serializePlan(links, o, p, view)),
    screenshots: [],
    type: o.type,
    shared: o.shared,
    billable: o.billable,
    scope: null,
    scope_uuid: null,
    scope_name: null,
    scope_state: null,
    scope_error_message: null,
    files: [],
    quotas: [],
    paused_reason: o.pausedReason,
    datacite_doi: "",
    citation_count: -1,
    latitude: o.latitude === null ? null : Number(o.latitude),
    longitude: o.longitude === null ? null : Number(o.longitude),
    country: o.country,
    backend_id: o.backendId,
    organization_groups: [],
    tags: o.tags,
    image: o.image,
    total_customers: null,
    total_cost: null,
    total_cost_estimated: null,
    parent_description: null,
    parent_uuid: null,
    parent_name: null,
    backend_metadata: o.backendMetadata,
    has_compliance_requirements: false,
    billing_type_classification: classify(b.components),
    compliance_checklist: null,
    google_calendar_is_public: null,
    google_calendar_link: null,
    remote_uuid: o.remoteUuid,
    required_identity_score: o.requiredIdentityScore,
  };
  if (view === "public") return { ...common, user_has_consent: true, is_accessible: true, promotion_campaigns: [] };
  return {
    ...common,
    // Secret options are never returned in clear: only which keys are set.
    secret_options: Object.fromEntries((o.secretOptionsKeys ?? []).map((k) => [k, "********"])),
    service_attributes: o.serviceAttributes,
    backend_id_rules: {},
    integration_status: [],
  };
}

function classify(components: Component[]): "limit_only" | "usage_only" | "mixed" {
  const kinds = new Set(components.map((c) => c.billingType));
  if (kinds.size === 1 && kinds.has("limit")) return "limit_only";
  if (kinds.size === 1 && kinds.has("usage")) return "usage_only";
  return "mixed";
}
