// /api/marketplace-provider-offerings/ (the provider's view and editors) and
// /api/marketplace-public-offerings/ (what customers and anonymous visitors browse).
import { and, count, eq, exists, gte, like, or, type SQL, sql } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { hasRole, OFFERING_ROLES, PROVIDER_ROLES, scopeIdsOf, seesEverything } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import {
  categories,
  customers,
  offeringComponents,
  offeringUserAttributeConfigs,
  offerings,
  plans,
  resources,
  serviceProviders,
} from "../db/schema/index.ts";
import { ApiError, fieldError, methodNotAllowed, notFound, permissionDenied, viewError } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qAll, qBool, qChoices, qOne, qUuids, sparse } from "../http/list.ts";
import { hyperlink, linksFor } from "../http/links.ts";
import { body, bool, jsonObject, optStr, requiredStr, str, v } from "../http/validate.ts";
import { attributeConditions, parseAttributeFilter } from "../marketplace/catalog/attribute-filter.ts";
import { cached, catalogVersion, gzip, remember } from "../marketplace/catalog/page-cache.ts";
import { findProviderOffering, findPublicOffering, providerVisible, publicVisible } from "../marketplace/catalog/queries.ts";
import { componentSchema, offeringCreateSchema, requiredIdentityScore } from "../marketplace/catalog/schemas.ts";
import { loadBundles, type Offering, serializeComponent, serializeOffering, serializePlan } from "../marketplace/catalog/serialize.ts";
import { checkPlanKeys, componentRow, componentsFor, insertOffering, refuseImportedEdit } from "../marketplace/catalog/write.ts";
import { requireSealableSecretOptions, SECRET_OPTIONS_ENVELOPE, sealSecretOptions } from "../secrets/offering-secrets.ts";
import { SMALL_ENVELOPE } from "../secrets/sealed-records.ts";
import { batchThen, offeringMovedItems } from "../bridge/chain/marketplace.ts";
import { chainViewOf, chainViews } from "../bridge/chain/view.ts";
import { mountRoleActions } from "../structure/roles.ts";
import { requireVerifiedDomain } from "../identity/scopes/domain.ts";

const PROVIDER = "/api/marketplace-provider-offerings";
const PUBLIC = "/api/marketplace-public-offerings";
const STATES = ["Draft", "Active", "Paused", "Archived", "Unavailable"] as const;

/** Filters shared by both views (Waldur's OfferingFilter). */
function listFilters(c: Context<AppEnv>): (SQL | undefined)[] {
  const db = c.var.db;
  const conds: (SQL | undefined)[] = [];
  const custs = qUuids(c, "customer_uuid");
  if (custs.length) conds.push(inArray(offerings.customerId, db.select({ id: customers.id }).from(customers).where(inArray(customers.uuid, custs))));
  const cats = qUuids(c, "category_uuid");
  if (cats.length) conds.push(inArray(offerings.categoryId, db.select({ id: categories.id }).from(categories).where(inArray(categories.uuid, cats))));
  const states = qChoices(c, "state", STATES);
  if (states.length) conds.push(inArray(offerings.state, states as (typeof STATES)[number][]));
  const types = qAll(c, "type");
  if (types.length) conds.push(inArray(offerings.type, types));
  const name = qOne(c, "name");
  if (name) conds.push(like(offerings.name, `%${name}%`));
  const exact = qOne(c, "name_exact");
  if (exact) conds.push(eq(offerings.name, exact));
  const q = qOne(c, "query") ?? qOne(c, "keyword");
  if (q) conds.push(or(like(offerings.name, `%${q}%`), like(offerings.description, `%${q}%`), like(offerings.slug, `%${q}%`)));
  const shared = qBool(c, "shared");
  if (shared !== undefined) conds.push(eq(offerings.shared, shared));
  const billable = qBool(c, "billable");
  if (billable !== undefined) conds.push(eq(offerings.billable, billable));
  const uuids = qUuids(c, "uuid_list");
  if (uuids.length) conds.push(inArray(offerings.uuid, uuids));
  const slug = qOne(c, "slug");
  if (slug) conds.push(eq(offerings.slug, slug));
  conds.push(...attributeConditions(parseAttributeFilter(qOne(c, "attributes"))));
  // Conditional re-sync (the bridge): changed at or after the given instant.
  const modified = qOne(c, "modified");
  if (modified) {
    const t = Date.parse(modified);
    if (Number.isNaN(t)) throw fieldError("modified", "Enter a valid date/time.");
    conds.push(gte(offerings.modified, new Date(t).toISOString()));
  }
  return conds;
}

const ORDERING = { name: offerings.name, created: offerings.created, state: offerings.state, type: offerings.type };

async function listView(c: Context<AppEnv>, view: "provider" | "public", visible: SQL | undefined) {
  const db = c.var.db;
  const where = and(visible, ...listFilters(c));
  const p = pageOf(c);
  // The total rides along as a window count: one round trip for the page and its size.
  const page = await db
    .select({ row: offerings, total: sql<number>`count(*) over ()` })
    .from(offerings)
    .where(where)
    .orderBy(...ordering(c, ORDERING, [offerings.created, offerings.id]))
    .limit(p.size)
    .offset(p.offset)
    .all();
  const total = page[0]?.total ?? (p.offset > 0 ? ((await db.select({ n: count() }).from(offerings).where(where).get())?.n ?? 0) : 0);
  const links = linksFor(c);
  const rows = page.map((r) => r.row);
  // The provider's list (not cached) shows where each offering is on chain; the cached public list does not.
  const [bundles, chain] = await Promise.all([loadBundles(db, rows), view === "provider" ? chainViews(db, "offering", rows.map((o) => o.uuid)) : null]);
  return paginated(
    c,
    p,
    total,
    bundles.map((b) => ({ ...serializeOffering(links, b, view), ...(chain ? chainViewOf(chain, b.offering.uuid) : {}) })),
  );
}

async function one(c: Context<AppEnv>, o: Offering, view: "provider" | "public") {
  const [[b], chain] = await Promise.all([loadBundles(c.var.db, [o]), chainViews(c.var.db, "offering", [o.uuid])]);
  return sparse(c, { ...serializeOffering(linksFor(c), b!, view), ...chainViewOf(chain, o.uuid) });
}

async function providerOffering(c: Context<AppEnv>): Promise<{ me: User; o: Offering }> {
  const me = requireUser(c.var.user);
  return { me, o: await findProviderOffering(c.var.db, me, pathUuid(c.req.param("uuid"))) };
}

async function touch(c: Context<AppEnv>, id: number, set: Partial<typeof offerings.$inferInsert>) {
  return c.var.db.update(offerings).set({ ...set, modified: nowIso() }).where(eq(offerings.id, id)).returning().get();
}

/** Offering state machine (Waldur §5.1): allowed source states per action. */
const TRANSITIONS: Record<string, { from: readonly string[]; to: (typeof STATES)[number]; needsPlan?: boolean; staffOnly?: boolean }> = {
  activate: { from: ["Draft", "Paused", "Unavailable"], to: "Active", needsPlan: true, staffOnly: true },
  pause: { from: ["Active"], to: "Paused" },
  unpause: { from: ["Paused"], to: "Active", needsPlan: true },
  archive: { from: ["Draft", "Active", "Paused", "Unavailable"], to: "Archived" },
  draft: { from: ["Active", "Paused", "Archived", "Unavailable"], to: "Draft" },
  make_available: { from: ["Unavailable"], to: "Active" },
  make_unavailable: { from: ["Active", "Paused"], to: "Unavailable" },
};

export function mountOfferings(app: Hono<AppEnv>) {
  // ---- provider view
  app.get(`${PROVIDER}/`, async (c) => {
    const me = requireUser(c.var.user);
    return listView(c, "provider", providerVisible(c.var.db, me));
  });

  app.post(`${PROVIDER}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const b = await body(c, offeringCreateSchema);
    const category = await db.select().from(categories).where(eq(categories.uuid, b.category)).get();
    if (!category) throw fieldError("category", "Invalid hyperlink - Object does not exist.");
    let customerId: number;
    if (b.customer) {
      const cust = await db.select().from(customers).where(eq(customers.uuid, b.customer)).get();
      if (!cust) throw fieldError("customer", "Invalid hyperlink - Object does not exist.");
      customerId = cust.id;
    } else {
      // Without a customer, the caller's own service provider organization, when it has exactly one.
      const owned = await db
        .select({ id: serviceProviders.customerId })
        .from(serviceProviders)
        .where(inArray(serviceProviders.customerId, scopeIdsOf(db, me.id, "customer", PROVIDER_ROLES)))
        .all();
      if (owned.length !== 1) throw fieldError("customer", "This field is required.");
      customerId = owned[0]!.id;
    }
    if (!(await hasRole(db, me, "customer", customerId, PROVIDER_ROLES))) throw permissionDenied();
    const sp = await db.select().from(serviceProviders).where(eq(serviceProviders.customerId, customerId)).get();
    if (!sp) throw fieldError("customer", "Organization is not registered as a service provider.");
    const comps = componentsFor(b.type, b.components);
    checkPlanKeys(b.plans, comps.map((x) => x.type));
    for (const [k, lim] of Object.entries(b.limits)) {
      const comp = comps.find((x) => x.type === k);
      if (!comp) throw fieldError("limits", `"${k}" is not a component of this offering.`);
      comp.min_value = lim.min ?? comp.min_value;
      comp.max_value = lim.max ?? comp.max_value;
      comp.max_available_limit = lim.max_available_limit ?? comp.max_available_limit;
    }
    if (b.slug && (await db.select({ id: offerings.id }).from(offerings).where(eq(offerings.slug, b.slug)).get())) {
      throw fieldError("slug", "Offering with this slug already exists.");
    }
    // Refused before anything is written: an offering is never created without the credentials it was sent with.
    await precheckCreateSecrets(c, customerId, b.secret_options);
    const row = await insertOffering(db, {
      customerId,
      categoryId: category.id,
      type: b.type,
      components: comps,
      plans: b.plans,
      values: {
        name: b.name,
        slug: b.slug,
        description: b.description,
        fullDescription: b.full_description,
        privacyPolicyLink: b.privacy_policy_link,
        accessUrl: b.access_url,
        vendorDetails: b.vendor_details,
        gettingStarted: b.getting_started,
        integrationGuide: b.integration_guide,
        attributes: b.attributes,
        options: b.options,
        resourceOptions: b.resource_options,
        pluginOptions: b.plugin_options,
        serviceAttributes: b.service_attributes,
        shared: b.shared,
        billable: b.billable,
        backendId: b.backend_id,
        country: b.country,
        latitude: b.latitude === null ? null : String(b.latitude),
        longitude: b.longitude === null ? null : String(b.longitude),
        image: b.image,
        thumbnail: b.thumbnail,
        requiredIdentityScore: b.required_identity_score,
      },
    });
    const sealed = await setSecrets(c, row, b.secret_options, null).catch(async (e) => {
      await db.delete(offerings).where(eq(offerings.id, row.id));
      throw e;
    });
    return c.json(await one(c, sealed, "provider"), 201);
  });

  app.get(`${PROVIDER}/:uuid/`, async (c) => {
    const { o } = await providerOffering(c);
    return c.json(await one(c, o, "provider"));
  });

  for (const m of ["put", "patch"] as const) {
    app[m](`${PROVIDER}/:uuid/`, async (c) => {
      await providerOffering(c);
      throw methodNotAllowed(m.toUpperCase());
    });
  }

  app.delete(`${PROVIDER}/:uuid/`, async (c) => {
    const { me, o } = await providerOffering(c);
    const db = c.var.db;
    const n = (await db.select({ n: count() }).from(resources).where(eq(resources.offeringId, o.id)).get())?.n ?? 0;
    if (!me.isStaff) {
      if (o.state !== "Draft") throw new ApiError(403, { detail: "Offering was not deleted since offering is not in draft state." });
      if (n > 0) throw new ApiError(403, { detail: "Offering was not deleted since it has resources." });
    } else if (n > 0) {
      throw new ApiError(409, { detail: "Cannot delete offering with existing resources" });
    }
    await db.delete(offerings).where(eq(offerings.id, o.id));
    return c.body(null, 204);
  });

  for (const [action, t] of Object.entries(TRANSITIONS)) {
    app.post(`${PROVIDER}/:uuid/${action}/`, async (c) => {
      const { me, o } = await providerOffering(c);
      refuseImportedEdit(o);
      if (t.staffOnly && !me.isStaff) throw permissionDenied();
      const extra: Partial<typeof offerings.$inferInsert> = {};
      if (action === "pause") {
        const b = await body(c, v.object({ paused_reason: optStr(2000) }));
        extra.pausedReason = b.paused_reason;
      }
      if (!t.from.includes(o.state)) throw viewError("Offering state is invalid.");
      if (t.needsPlan) {
        const active = await c.var.db.select({ id: plans.id }).from(plans).where(and(eq(plans.offeringId, o.id), eq(plans.archived, false))).get();
        if (!active) throw viewError("Offering must have at least one plan.");
      }
      // Issue 7: providers must verify their domain before going live (no staff override; see domain.ts).
      if (action === "activate") await requireVerifiedDomain(c.var.db, o.customerId);
      // Conditional on the state read: two concurrent transitions cannot both apply.
      const stillIn = and(eq(offerings.id, o.id), eq(offerings.state, o.state));
      const update = c.var.db
        .update(offerings)
        .set({ state: t.to, modified: nowIso(), ...extra })
        .where(stillIn)
        .returning();
      // Going Active puts the offering on chain (x/market), later moves update it there: same batch, same condition.
      const onChain = await offeringMovedItems(c.var.db, o, t.to, exists(c.var.db.select({ one: sql`1` }).from(offerings).where(stillIn)));
      const [updated] = await batchThen(c.var.db, onChain, update);
      if (!updated) throw viewError("Offering state is invalid.");
      return c.json({ detail: "Offering state updated.", state: updated.state });
    });
  }

  // ---- editors
  const editor = <S extends v.GenericSchema>(action: string, schema: S, apply: (c: Context<AppEnv>, o: Offering, b: v.InferOutput<S>) => Promise<Partial<typeof offerings.$inferInsert>>) =>
    app.post(`${PROVIDER}/:uuid/${action}/`, async (c) => {
      const { o } = await providerOffering(c);
      refuseImportedEdit(o);
      const b = await body(c, schema);
      const updated = await touch(c, o.id, await apply(c, o, b));
      return c.json(await one(c, updated, "provider"));
    });

  editor(
    "update_overview",
    v.object({
      name: requiredStr(150),
      description: v.optional(str(4000)),
      full_description: v.optional(str(20000)),
      privacy_policy_link: v.optional(str(200)),
      access_url: v.optional(str(200)),
      getting_started: v.optional(str(20000)),
      integration_guide: v.optional(str(20000)),
      slug: v.optional(v.pipe(str(50), v.regex(/^[a-z0-9-]+$/, "Enter a valid “slug”."))),
    }),
    async (_c, _o, b) => ({
      name: b.name,
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.full_description !== undefined ? { fullDescription: b.full_description } : {}),
      ...(b.privacy_policy_link !== undefined ? { privacyPolicyLink: b.privacy_policy_link } : {}),
      ...(b.access_url !== undefined ? { accessUrl: b.access_url } : {}),
      ...(b.getting_started !== undefined ? { gettingStarted: b.getting_started } : {}),
      ...(b.integration_guide !== undefined ? { integrationGuide: b.integration_guide } : {}),
      ...(b.slug ? { slug: b.slug } : {}),
    }),
  );
  editor("update_description", v.object({ category: hyperlink("marketplace-categories") }), async (c, _o, b) => {
    const cat = await c.var.db.select().from(categories).where(eq(categories.uuid, b.category)).get();
    if (!cat) throw fieldError("category", "Invalid hyperlink - Object does not exist.");
    return { categoryId: cat.id };
  });
  editor("update_attributes", jsonObject(), async (_c, _o, b) => ({ attributes: b }));
  editor("update_options", v.object({ options: jsonObject() }), async (_c, _o, b) => ({ options: b.options }));
  editor("update_resource_options", v.object({ resource_options: jsonObject() }), async (_c, _o, b) => ({ resourceOptions: b.resource_options }));
  editor(
    "update_integration",
    v.object({
      plugin_options: v.optional(jsonObject()),
      secret_options: v.optional(jsonObject()),
      /** The secret options as a VEENV envelope the provider sealed (openapi/sealed-flows.md). */
      secret_options_envelope: v.optional(v.nullable(str(SMALL_ENVELOPE * 2)), null),
      service_attributes: v.optional(jsonObject()),
      backend_id: v.optional(str(255)),
    }),
    async (c, o, b) => {
      if (b.secret_options || b.secret_options_envelope !== null) await setSecrets(c, o, b.secret_options ?? null, b.secret_options_envelope);
      return {
        ...(b.plugin_options ? { pluginOptions: b.plugin_options } : {}),
        ...(b.service_attributes ? { serviceAttributes: b.service_attributes } : {}),
        ...(b.backend_id !== undefined ? { backendId: b.backend_id } : {}),
      };
    },
  );
  editor(
    "update_location",
    v.object({ latitude: v.pipe(v.number(), v.minValue(-90), v.maxValue(90)), longitude: v.pipe(v.number(), v.minValue(-180), v.maxValue(180)) }),
    async (_c, _o, b) => ({ latitude: String(b.latitude), longitude: String(b.longitude) }),
  );
  editor("update_image", v.object({ image: v.nullable(str(500)) }), async (_c, _o, b) => ({ image: b.image }));
  editor("update_thumbnail", v.object({ thumbnail: v.nullable(str(500)) }), async (_c, _o, b) => ({ thumbnail: b.thumbnail }));
  editor("update_tags", v.object({ tags: v.pipe(v.array(str(100)), v.maxLength(50)) }), async (_c, _o, b) => ({ tags: b.tags }));
  editor("update_required_identity_score", v.object({ required_identity_score: requiredIdentityScore() }), async (_c, _o, b) => ({
    requiredIdentityScore: b.required_identity_score,
  }));
  editor("set_backend_metadata", v.object({ backend_metadata: jsonObject() }), async (_c, _o, b) => ({ backendMetadata: b.backend_metadata }));

  // ---- components
  app.post(`${PROVIDER}/:uuid/create_offering_component/`, async (c) => {
    const { o } = await providerOffering(c);
    refuseImportedEdit(o);
    const b = await body(c, componentSchema);
    if (o.type in { "OpenStack.Tenant": 1, "SlurmInvoices.SlurmPackage": 1, "Marketplace.Rancher": 1 }) {
      throw new ApiError(400, { components: "Extra components are not allowed." });
    }
    const exists = await c.var.db
      .select({ id: offeringComponents.id })
      .from(offeringComponents)
      .where(and(eq(offeringComponents.offeringId, o.id), eq(offeringComponents.type, b.type)))
      .get();
    if (exists) throw fieldError("type", `Component type "${b.type}" already exists in this offering.`);
    await c.var.db.insert(offeringComponents).values(componentRow(o.id, b));
    await touch(c, o.id, {});
    return c.body(null, 201);
  });

  app.post(`${PROVIDER}/:uuid/update_offering_component/`, async (c) => {
    const { o } = await providerOffering(c);
    refuseImportedEdit(o);
    const b = await body(c, v.object({ uuid: v.pipe(v.string(), v.regex(/^[0-9a-f-]{32,36}$/i, "Must be a valid UUID.")), ...componentSchema.pipe[0].entries }));
    const uuid = b.uuid.replaceAll("-", "").toLowerCase();
    const comp = await c.var.db
      .select()
      .from(offeringComponents)
      .where(and(eq(offeringComponents.offeringId, o.id), eq(offeringComponents.uuid, uuid)))
      .get();
    if (!comp) throw fieldError("uuid", "Component does not exist in this offering.");
    if (comp.isBuiltin && (b.type !== comp.type || b.billing_type !== comp.billingType)) {
      throw fieldError("type", "Built-in components keep their type and billing type.");
    }
    const { uuid: _drop, ...row } = componentRow(o.id, b);
    await c.var.db.update(offeringComponents).set({ ...row, isBuiltin: comp.isBuiltin }).where(eq(offeringComponents.id, comp.id));
    await touch(c, o.id, {});
    return c.json(serializeComponent({ ...comp, ...row, isBuiltin: comp.isBuiltin, uuid: comp.uuid }));
  });

  app.post(`${PROVIDER}/:uuid/remove_offering_component/`, async (c) => {
    const { o } = await providerOffering(c);
    refuseImportedEdit(o);
    const b = await body(c, v.object({ uuid: requiredStr(36) }));
    const comp = await c.var.db
      .select()
      .from(offeringComponents)
      .where(and(eq(offeringComponents.offeringId, o.id), eq(offeringComponents.uuid, b.uuid.replaceAll("-", "").toLowerCase())))
      .get();
    if (!comp) throw fieldError("uuid", "Component does not exist in this offering.");
    if (comp.isBuiltin) throw viewError("Built-in components cannot be removed.");
    await c.var.db.delete(offeringComponents).where(eq(offeringComponents.id, comp.id));
    await touch(c, o.id, {});
    return c.json({ status: "Component has been removed." });
  });

  // ---- endpoints and partitions
  app.post(`${PROVIDER}/:uuid/add_endpoint/`, async (c) => {
    const { o } = await providerOffering(c);
    const b = await body(c, v.object({ name: requiredStr(255), url: v.pipe(requiredStr(500), v.url("Enter a valid URL.")) }));
    const uuid = newUuid();
    await touch(c, o.id, { endpoints: [...o.endpoints, { uuid, name: b.name, url: b.url }] });
    return c.json({ uuid }, 201);
  });
  app.post(`${PROVIDER}/:uuid/delete_endpoint/`, async (c) => {
    const { o } = await providerOffering(c);
    const b = await body(c, v.object({ uuid: requiredStr(36) }));
    const id = b.uuid.replaceAll("-", "").toLowerCase();
    if (!o.endpoints.some((e) => e.uuid === id)) throw fieldError("uuid", "Endpoint does not exist.");
    await touch(c, o.id, { endpoints: o.endpoints.filter((e) => e.uuid !== id) });
    return c.body(null, 204);
  });
  const partition = v.object({
    partition_name: requiredStr(255),
    cpu_bind: v.optional(v.nullable(str(50))),
    def_cpu_per_gpu: v.optional(v.nullable(v.number())),
    def_mem_per_cpu: v.optional(v.nullable(v.number())),
    max_cpus_per_node: v.optional(v.nullable(v.number())),
    max_mem_per_node: v.optional(v.nullable(v.number())),
    max_time: v.optional(v.nullable(v.number())),
    default_time: v.optional(v.nullable(v.number())),
    priority_tier: v.optional(v.nullable(v.number())),
  });
  app.post(`${PROVIDER}/:uuid/add_partition/`, async (c) => {
    const { o } = await providerOffering(c);
    const b = await body(c, partition);
    if (o.partitions.some((p) => p.partition_name === b.partition_name)) throw fieldError("partition_name", "Partition already exists.");
    const uuid = newUuid();
    await touch(c, o.id, { partitions: [...o.partitions, { uuid, ...b }] });
    return c.json({ uuid, ...b }, 201);
  });
  app.patch(`${PROVIDER}/:uuid/update_partition/`, async (c) => {
    const { o } = await providerOffering(c);
    const b = await body(c, v.object({ partition_uuid: requiredStr(36), ...partition.entries }));
    const id = b.partition_uuid.replaceAll("-", "").toLowerCase();
    if (!o.partitions.some((p) => p.uuid === id)) throw fieldError("partition_uuid", "Partition does not exist.");
    const { partition_uuid: _p, ...rest } = b;
    await touch(c, o.id, { partitions: o.partitions.map((p) => (p.uuid === id ? { uuid: id, ...rest } : p)) });
    return c.json({ uuid: id, ...rest });
  });
  app.post(`${PROVIDER}/:uuid/remove_partition/`, async (c) => {
    const { o } = await providerOffering(c);
    const b = await body(c, v.object({ partition_uuid: requiredStr(36) }));
    const id = b.partition_uuid.replaceAll("-", "").toLowerCase();
    if (!o.partitions.some((p) => p.uuid === id)) throw fieldError("partition_uuid", "Partition does not exist.");
    await touch(c, o.id, { partitions: o.partitions.filter((p) => p.uuid !== id) });
    return c.body(null, 204);
  });

  // ---- agent helpers
  app.post(`${PROVIDER}/:uuid/check_unique_backend_id/`, async (c) => {
    const { o } = await providerOffering(c);
    const b = await body(c, v.object({ backend_id: requiredStr(255), check_all_offerings: v.optional(bool(), false) }));
    const clash = await c.var.db
      .select({ id: resources.id })
      .from(resources)
      .where(and(eq(resources.backendId, b.backend_id), b.check_all_offerings ? undefined : eq(resources.offeringId, o.id)))
      .get();
    return c.json({ is_unique: !clash, is_valid_format: true, errors: [] });
  });

  const DEFAULT_EXPOSED = ["username", "full_name", "email"];
  const attrConfig = async (c: Context<AppEnv>, o: Offering) => {
    const row = await c.var.db.select().from(offeringUserAttributeConfigs).where(eq(offeringUserAttributeConfigs.offeringId, o.id)).get();
    const fields = row?.exposedFields ?? DEFAULT_EXPOSED;
    return {
      uuid: row?.uuid ?? o.uuid,
      created: row?.created ?? o.created,
      modified: row?.modified ?? o.modified,
      exposed_fields: fields,
      is_default: !row,
      offering_uuid: o.uuid,
      offering_name: o.name,
      ...Object.fromEntries(
        ["username", "full_name", "email", "phone_number", "organization", "job_title", "affiliations", "first_name", "last_name"].map((f) => [
          `expose_${f}`,
          fields.includes(f),
        ]),
      ),
    };
  };
  app.get(`${PROVIDER}/:uuid/user-attribute-config/`, async (c) => {
    const { o } = await providerOffering(c);
    return c.json(await attrConfig(c, o));
  });
  for (const m of ["post", "put", "patch"] as const) {
    app[m](`${PROVIDER}/:uuid/update-user-attribute-config/`, async (c) => {
      const { o } = await providerOffering(c);
      const b = await body(c, v.object({ exposed_fields: v.pipe(v.array(str(64)), v.maxLength(40)) }));
      const now = nowIso();
      await c.var.db
        .insert(offeringUserAttributeConfigs)
        .values({ uuid: newUuid(), offeringId: o.id, exposedFields: b.exposed_fields, created: now, modified: now })
        .onConflictDoUpdate({ target: offeringUserAttributeConfigs.offeringId, set: { exposedFields: b.exposed_fields, modified: now } });
      return c.json(await attrConfig(c, o));
    });
  }
  app.delete(`${PROVIDER}/:uuid/delete-user-attribute-config/`, async (c) => {
    const { o } = await providerOffering(c);
    await c.var.db.delete(offeringUserAttributeConfigs).where(eq(offeringUserAttributeConfigs.offeringId, o.id));
    return c.body(null, 204);
  });
  // VirtEngine has no project service accounts or course accounts: the truthful answer is an empty page.
  for (const action of ["list_project_service_accounts", "list_course_accounts"]) {
    app.get(`${PROVIDER}/:uuid/${action}/`, async (c) => {
      await providerOffering(c);
      return paginated(c, pageOf(c), 0, []);
    });
  }

  mountRoleActions(app, PROVIDER, {
    scopeType: "offering",
    roles: OFFERING_ROLES,
    find: async (c, uuid, user) => findProviderOffering(c.var.db, user, uuid),
    canManage: async (db, user, scope) => {
      const o = await db.select().from(offerings).where(eq(offerings.id, scope.id)).get();
      return !!o && (user.isStaff || (await hasRole(db, user, "customer", o.customerId, ["CUSTOMER.OWNER"])));
    },
  });

  // ---- public view (rendered pages cached until the catalog changes)
  app.get(`${PUBLIC}/`, async (c) => {
    const me = c.var.user;
    const audience = !me ? "anon" : seesEverything(me) ? "all" : `user:${me.id}`;
    const url = new URL(c.req.url);
    const key = `${audience} ${c.req.header("x-forwarded-proto") ?? ""} ${url.host} ${url.search}`;
    const version = await catalogVersion(c.var.db);
    const hit = cached(key, version);
    if (hit) {
      const headers = { ...hit.headers, "Content-Type": "application/json", Vary: "Accept-Encoding" };
      if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
        // encodeBody "manual": the bytes are already gzip; workerd must not encode them again.
        return new Response(hit.gzip as unknown as ArrayBuffer, { headers: { ...headers, "Content-Encoding": "gzip" }, encodeBody: "manual" } as ResponseInit);
      }
      return c.body(hit.body, 200, headers);
    }
    const res = await listView(c, "public", publicVisible(c.var.db, me));
    const body = await res.clone().text();
    const headers: Record<string, string> = {};
    for (const h of ["X-Result-Count", "Link", "Access-Control-Expose-Headers"]) {
      const val = res.headers.get(h);
      if (val !== null) headers[h] = val;
    }
    remember(key, { version, body, gzip: await gzip(body), headers });
    return res;
  });
  app.get(`${PUBLIC}/:uuid/`, async (c) => {
    const o = await findPublicOffering(c.var.db, c.var.user, pathUuid(c.req.param("uuid")));
    return c.json(await one(c, o, "public"));
  });
  app.get(`${PUBLIC}/:uuid/plans/`, async (c) => {
    const o = await findPublicOffering(c.var.db, c.var.user, pathUuid(c.req.param("uuid")));
    const [b] = await loadBundles(c.var.db, [o]);
    const links = linksFor(c);
    return c.json(b!.plans.filter((p) => !p.plan.archived).map((p) => serializePlan(links, o, p, "public")));
  });
  app.get(`${PUBLIC}/:uuid/plans/:plan_uuid/`, async (c) => {
    const o = await findPublicOffering(c.var.db, c.var.user, pathUuid(c.req.param("uuid")));
    const planUuid = pathUuid(c.req.param("plan_uuid"));
    const [b] = await loadBundles(c.var.db, [o]);
    const p = b!.plans.find((x) => x.plan.uuid === planUuid && !x.plan.archived);
    if (!p) throw notFound();
    return c.json(serializePlan(linksFor(c), o, p, "public"));
  });
}

/** Sealed to the provider's owners and the executor key it authorised (src/secrets/offering-secrets.ts). */
async function setSecrets(c: Context<AppEnv>, o: Offering, plaintext: Record<string, unknown> | null, envelope: string | null): Promise<Offering> {
  const s = await sealSecretOptions(c.var.db, c.env, o, { plaintext, envelope });
  return touch(c, o.id, { secretOptionsSealed: s.sealed, secretOptionsKeys: s.keys });
}

/** A new offering's secrets: plaintext only (an envelope is bound to the offering's uuid, which it does not have yet). */
async function precheckCreateSecrets(c: Context<AppEnv>, customerId: number, secrets: Record<string, unknown>): Promise<void> {
  const raw = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
  if (raw[SECRET_OPTIONS_ENVELOPE] !== undefined && raw[SECRET_OPTIONS_ENVELOPE] !== null) {
    throw fieldError(SECRET_OPTIONS_ENVELOPE, "Create the offering first, then send the envelope (sealed for the offering's uuid) with update_integration.");
  }
  if (Object.keys(secrets).length) await requireSealableSecretOptions(c.var.db, c.env, customerId, "secret_options");
}
