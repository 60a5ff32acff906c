// Marketplace read model: categories, service providers, offerings, components, plans, orders,
// resources, usage and offering users. Prices and usage amounts are exact decimal strings.
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { bool, ids, json, timestamps } from "./common.ts";
import { customers, projects, users } from "./structure.ts";

export interface CategorySection {
  key: string;
  title: string;
  is_standalone: boolean;
  attributes: { key: string; title: string; type: string; options: { key: string; title: string }[]; required: boolean; default: unknown }[];
}
export interface CategoryComponent {
  type: string;
  name: string;
  description: string;
  measured_unit: string;
}

export const categories = sqliteTable("categories", {
  ...ids(),
  title: text("title").notNull(),
  description: text("description").notNull().default(""),
  icon: text("icon"),
  sections: json<CategorySection[]>("sections").notNull().default([]),
  components: json<CategoryComponent[]>("components").notNull().default([]),
  defaultVmCategory: bool("default_vm_category").notNull().default(false),
  defaultVolumeCategory: bool("default_volume_category").notNull().default(false),
  defaultTenantCategory: bool("default_tenant_category").notNull().default(false),
  ...timestamps(),
});

export const serviceProviders = sqliteTable("service_providers", {
  ...ids(),
  customerId: integer("customer_id")
    .notNull()
    .unique()
    .references(() => customers.id),
  description: text("description").notNull().default(""),
  enableNotifications: bool("enable_notifications").notNull().default(true),
  image: text("image"),
  /** SHA-256 of the provider's API secret code (shown once when generated). */
  apiSecretCodeHash: text("api_secret_code_hash"),
  ...timestamps(),
});

export type OfferingState = "Draft" | "Active" | "Paused" | "Archived" | "Unavailable";

export const offerings = sqliteTable(
  "offerings",
  {
    ...ids(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id),
    categoryId: integer("category_id")
      .notNull()
      .references(() => categories.id),
    projectId: integer("project_id"),
    parentId: integer("parent_id"),
    name: text("name").notNull(),
    slug: text("slug").notNull().unique(),
    description: text("description").notNull().default(""),
    fullDescription: text("full_description").notNull().default(""),
    privacyPolicyLink: text("privacy_policy_link").notNull().default(""),
    accessUrl: text("access_url").notNull().default(""),
    gettingStarted: text("getting_started").notNull().default(""),
    integrationGuide: text("integration_guide").notNull().default(""),
    vendorDetails: text("vendor_details").notNull().default(""),
    type: text("type").notNull(),
    state: text("state").$type<OfferingState>().notNull().default("Draft"),
    pausedReason: text("paused_reason").notNull().default(""),
    shared: bool("shared").notNull().default(true),
    billable: bool("billable").notNull().default(true),
    attributes: json<Record<string, unknown>>("attributes").notNull().default({}),
    options: json<Record<string, unknown>>("options").notNull().default({}),
    resourceOptions: json<Record<string, unknown>>("resource_options").notNull().default({}),
    pluginOptions: json<Record<string, unknown>>("plugin_options").notNull().default({}),
    /** Secret options sealed with the executor key (src/secrets), never plaintext. */
    secretOptionsSealed: text("secret_options_sealed"),
    /** Names of the secret options set (shown masked to the provider). */
    secretOptionsKeys: json<string[]>("secret_options_keys").notNull().default([]),
    serviceAttributes: json<Record<string, unknown>>("service_attributes").notNull().default({}),
    backendId: text("backend_id").notNull().default(""),
    backendMetadata: json<Record<string, unknown>>("backend_metadata").notNull().default({}),
    endpoints: json<{ uuid: string; name: string; url: string }[]>("endpoints").notNull().default([]),
    partitions: json<Record<string, unknown>[]>("partitions").notNull().default([]),
    tags: json<string[]>("tags").notNull().default([]),
    image: text("image"),
    thumbnail: text("thumbnail"),
    latitude: text("latitude"),
    longitude: text("longitude"),
    country: text("country").notNull().default(""),
    /** Remote Waldur link for imported offerings (bridge); null for native ones. */
    remoteUuid: text("remote_uuid"),
    /** Minimum identity score (0..100) a customer needs to order; 0 means anyone (issue 7). */
    requiredIdentityScore: integer("required_identity_score").notNull().default(0),
    ...timestamps(),
  },
  (t) => [
    index("offerings_customer").on(t.customerId),
    index("offerings_category").on(t.categoryId),
    index("offerings_state").on(t.state),
  ],
);

export type BillingType = "fixed" | "usage" | "limit" | "one" | "few";

export const offeringComponents = sqliteTable(
  "offering_components",
  {
    ...ids(),
    offeringId: integer("offering_id")
      .notNull()
      .references(() => offerings.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    measuredUnit: text("measured_unit").notNull().default(""),
    billingType: text("billing_type").$type<BillingType>().notNull(),
    limitPeriod: text("limit_period"),
    limitAmount: integer("limit_amount"),
    articleCode: text("article_code").notNull().default(""),
    maxValue: integer("max_value"),
    minValue: integer("min_value"),
    maxAvailableLimit: integer("max_available_limit"),
    defaultLimit: integer("default_limit"),
    isBoolean: bool("is_boolean").notNull().default(false),
    isBuiltin: bool("is_builtin").notNull().default(false),
    isPrepaid: bool("is_prepaid").notNull().default(false),
    /** Backend units per measured unit (Waldur's unit_factor). */
    unitFactor: integer("unit_factor").notNull().default(1),
  },
  (t) => [uniqueIndex("offering_components_type").on(t.offeringId, t.type)],
);

export const plans = sqliteTable(
  "plans",
  {
    ...ids(),
    offeringId: integer("offering_id")
      .notNull()
      .references(() => offerings.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    articleCode: text("article_code").notNull().default(""),
    maxAmount: integer("max_amount"),
    archived: bool("archived").notNull().default(false),
    unit: text("unit").notNull().default("month"),
    unitPrice: text("unit_price").notNull().default("0"),
    backendId: text("backend_id").notNull().default(""),
    ...timestamps(),
  },
  (t) => [index("plans_offering").on(t.offeringId)],
);

export const planComponents = sqliteTable(
  "plan_components",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    planId: integer("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    componentId: integer("component_id")
      .notNull()
      .references(() => offeringComponents.id, { onDelete: "cascade" }),
    amount: integer("amount").notNull().default(0),
    price: text("price").notNull().default("0"),
    futurePrice: text("future_price"),
  },
  (t) => [uniqueIndex("plan_components_unique").on(t.planId, t.componentId)],
);

export type ResourceState = "Creating" | "OK" | "Erred" | "Updating" | "Terminating" | "Terminated";

export const resources = sqliteTable(
  "resources",
  {
    ...ids(),
    offeringId: integer("offering_id")
      .notNull()
      .references(() => offerings.id),
    planId: integer("plan_id"),
    projectId: integer("project_id")
      .notNull()
      .references(() => projects.id),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    description: text("description").notNull().default(""),
    state: text("state").$type<ResourceState>().notNull().default("Creating"),
    backendId: text("backend_id").notNull().default(""),
    effectiveId: text("effective_id").notNull().default(""),
    attributes: json<Record<string, unknown>>("attributes").notNull().default({}),
    limits: json<Record<string, number>>("limits").notNull().default({}),
    currentUsages: json<Record<string, string>>("current_usages").notNull().default({}),
    backendMetadata: json<Record<string, unknown>>("backend_metadata").notNull().default({}),
    endpoints: json<{ uuid: string; name: string; url: string }[]>("endpoints").notNull().default([]),
    report: json<{ header: string; body: string }[]>("report"),
    options: json<Record<string, unknown>>("options").notNull().default({}),
    /** Object key + hash of the access details sealed to the project's members (R2); never plaintext. */
    accessDetailsKey: text("access_details_key"),
    endDate: text("end_date"),
    paused: bool("paused").notNull().default(false),
    downscaled: bool("downscaled").notNull().default(false),
    restrictMemberAccess: bool("restrict_member_access").notNull().default(false),
    errorMessage: text("error_message").notNull().default(""),
    errorTraceback: text("error_traceback").notNull().default(""),
    lastSync: text("last_sync"),
    ...timestamps(),
  },
  (t) => [
    index("resources_offering").on(t.offeringId),
    index("resources_project").on(t.projectId),
    index("resources_state").on(t.state),
  ],
);

export type OrderState =
  | "pending-consumer"
  | "pending-provider"
  | "pending-project"
  | "pending-start-date"
  | "executing"
  | "done"
  | "erred"
  | "canceled"
  | "rejected";
export type OrderType = "Create" | "Update" | "Terminate" | "Restore";

export const orders = sqliteTable(
  "orders",
  {
    ...ids(),
    offeringId: integer("offering_id")
      .notNull()
      .references(() => offerings.id),
    planId: integer("plan_id"),
    oldPlanId: integer("old_plan_id"),
    projectId: integer("project_id")
      .notNull()
      .references(() => projects.id),
    resourceId: integer("resource_id").references(() => resources.id),
    type: text("type").$type<OrderType>().notNull(),
    state: text("state").$type<OrderState>().notNull(),
    attributes: json<Record<string, unknown>>("attributes").notNull().default({}),
    limits: json<Record<string, number>>("limits").notNull().default({}),
    cost: text("cost"),
    slug: text("slug").notNull(),
    output: text("output").notNull().default(""),
    errorMessage: text("error_message").notNull().default(""),
    errorTraceback: text("error_traceback").notNull().default(""),
    callbackUrl: text("callback_url"),
    requestComment: text("request_comment"),
    startDate: text("start_date"),
    backendId: text("backend_id").notNull().default(""),
    createdById: integer("created_by_id").references(() => users.id),
    consumerReviewedById: integer("consumer_reviewed_by_id"),
    consumerReviewedAt: text("consumer_reviewed_at"),
    providerReviewedById: integer("provider_reviewed_by_id"),
    providerReviewedAt: text("provider_reviewed_at"),
    consumerRejectionComment: text("consumer_rejection_comment"),
    providerRejectionComment: text("provider_rejection_comment"),
    terminationComment: text("termination_comment"),
    providerMessage: text("provider_message").notNull().default(""),
    providerMessageUrl: text("provider_message_url").notNull().default(""),
    consumerMessage: text("consumer_message").notNull().default(""),
    completedAt: text("completed_at"),
    ...timestamps(),
  },
  (t) => [
    index("orders_offering_state").on(t.offeringId, t.state),
    index("orders_project").on(t.projectId),
    index("orders_resource").on(t.resourceId),
  ],
);

export const resourcePlanPeriods = sqliteTable(
  "resource_plan_periods",
  {
    ...ids(),
    resourceId: integer("resource_id")
      .notNull()
      .references(() => resources.id, { onDelete: "cascade" }),
    planId: integer("plan_id").notNull(),
    start: text("start").notNull(),
    end: text("end"),
  },
  (t) => [index("plan_periods_resource").on(t.resourceId)],
);

export const componentUsages = sqliteTable(
  "component_usages",
  {
    ...ids(),
    resourceId: integer("resource_id")
      .notNull()
      .references(() => resources.id, { onDelete: "cascade" }),
    componentId: integer("component_id")
      .notNull()
      .references(() => offeringComponents.id),
    planPeriodId: integer("plan_period_id"),
    /** First day of the month, YYYY-MM-01. */
    billingPeriod: text("billing_period").notNull(),
    usage: text("usage").notNull(),
    date: text("date").notNull(),
    description: text("description").notNull().default(""),
    recurring: bool("recurring").notNull().default(false),
    modifiedById: integer("modified_by_id"),
    ...timestamps(),
  },
  (t) => [uniqueIndex("component_usages_period").on(t.resourceId, t.componentId, t.billingPeriod)],
);

export const componentUserUsages = sqliteTable(
  "component_user_usages",
  {
    ...ids(),
    componentUsageId: integer("component_usage_id")
      .notNull()
      .references(() => componentUsages.id, { onDelete: "cascade" }),
    offeringUserId: integer("offering_user_id"),
    username: text("username").notNull(),
    usage: text("usage").notNull(),
    date: text("date").notNull(),
    description: text("description").notNull().default(""),
    backendId: text("backend_id").notNull().default(""),
    ...timestamps(),
  },
  (t) => [uniqueIndex("component_user_usages_unique").on(t.componentUsageId, t.username)],
);

/** Per-user caps inside a resource (the site agent applies them as SLURM user limits). */
export const componentUserUsageLimits = sqliteTable(
  "component_user_usage_limits",
  {
    ...ids(),
    resourceId: integer("resource_id")
      .notNull()
      .references(() => resources.id, { onDelete: "cascade" }),
    componentId: integer("component_id")
      .notNull()
      .references(() => offeringComponents.id, { onDelete: "cascade" }),
    username: text("username").notNull(),
    limit: text("limit").notNull(),
    ...timestamps(),
  },
  (t) => [uniqueIndex("component_user_usage_limits_unique").on(t.resourceId, t.componentId, t.username)],
);

export type OfferingUserState =
  | "Requested"
  | "Creating"
  | "Pending account linking"
  | "Pending additional validation"
  | "OK"
  | "Requested deletion"
  | "Deleting"
  | "Deleted"
  | "Error creating"
  | "Error deleting";

export const offeringUsers = sqliteTable(
  "offering_users",
  {
    ...ids(),
    offeringId: integer("offering_id")
      .notNull()
      .references(() => offerings.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    username: text("username").notNull().default(""),
    state: text("state").$type<OfferingUserState>().notNull().default("Requested"),
    isRestricted: bool("is_restricted").notNull().default(false),
    serviceProviderComment: text("service_provider_comment").notNull().default(""),
    serviceProviderCommentUrl: text("service_provider_comment_url").notNull().default(""),
    ...timestamps(),
  },
  (t) => [uniqueIndex("offering_users_unique").on(t.offeringId, t.userId)],
);

export const offeringUserAttributeConfigs = sqliteTable("offering_user_attribute_configs", {
  ...ids(),
  offeringId: integer("offering_id")
    .notNull()
    .unique()
    .references(() => offerings.id, { onDelete: "cascade" }),
  exposedFields: json<string[]>("exposed_fields").notNull(),
  ...timestamps(),
});

export const agentIdentities = sqliteTable("agent_identities", {
  ...ids(),
  offeringId: integer("offering_id")
    .notNull()
    .references(() => offerings.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  version: text("version").notNull().default(""),
  dependencies: json<{ package: string; version: string }[]>("dependencies").notNull().default([]),
  configFilePath: text("config_file_path").notNull().default(""),
  configFileContent: text("config_file_content").notNull().default(""),
  lastRestarted: text("last_restarted"),
  createdById: integer("created_by_id").notNull(),
  ...timestamps(),
});

export const agentServices = sqliteTable(
  "agent_services",
  {
    ...ids(),
    identityId: integer("identity_id")
      .notNull()
      .references(() => agentIdentities.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    mode: text("mode").notNull().default(""),
    state: text("state").notNull().default("Active"),
    statistics: json<Record<string, unknown>>("statistics").notNull().default({}),
    ...timestamps(),
  },
  (t) => [uniqueIndex("agent_services_name").on(t.identityId, t.name)],
);

export const agentProcessors = sqliteTable(
  "agent_processors",
  {
    ...ids(),
    serviceId: integer("service_id")
      .notNull()
      .references(() => agentServices.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    backendType: text("backend_type").notNull(),
    backendVersion: text("backend_version").notNull().default(""),
    lastRun: text("last_run"),
    ...timestamps(),
  },
  (t) => [uniqueIndex("agent_processors_name").on(t.serviceId, t.name)],
);
