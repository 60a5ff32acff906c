// /api/marketplace-service-providers/: organizations registered to sell, with the nested lists the
// site agent and the portal read (keys, offerings, projects, customers, users).
import { and, count, eq, like, ne, or, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { CUSTOMER_ROLES, hasRole, PROVIDER_ROLES, seesEverything } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import { sha256Hex } from "../auth/tokens.ts";
import { batchThen, serviceProviderCreatedItems } from "../bridge/chain/marketplace.ts";
import { customers, offerings, projects, resources, roleGrants, serviceProviders, sshKeys, users } from "../db/schema/index.ts";
import { fieldError, notFound, permissionDenied, viewError } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qOne, qUuids, sparse } from "../http/list.ts";
import { hyperlink, linksFor, type Links } from "../http/links.ts";
import { body, bool, optStr, requiredStr, str, v } from "../http/validate.ts";
import { loadBundles, serializeOffering } from "../marketplace/catalog/serialize.ts";
import { setOfferingsUsername } from "../marketplace/offering-users/usernames.ts";
import { customerVisible, serializeCustomers, serializeProjects } from "../structure/customers.ts";
import { mountRoleActions } from "../structure/roles.ts";
import { serializeKey } from "./keys.ts";
import { fullName, serializeUser } from "../structure/users.ts";

const BASE = "/api/marketplace-service-providers";
type Provider = typeof serviceProviders.$inferSelect;
type Customer = typeof customers.$inferSelect;

function serialize(links: Links, sp: Provider, cust: Customer, offeringCount: number) {
  return {
    url: links.to("marketplace-service-providers", sp.uuid),
    uuid: sp.uuid,
    created: sp.created,
    description: sp.description,
    enable_notifications: sp.enableNotifications,
    customer: links.to("customers", cust.uuid),
    customer_name: cust.name,
    customer_uuid: cust.uuid,
    customer_image: null,
    customer_abbreviation: cust.abbreviation,
    customer_slug: cust.slug,
    customer_native_name: cust.nativeName,
    customer_country: cust.country,
    image: sp.image,
    organization_groups: [],
    offering_count: offeringCount,
  };
}

async function serializeMany(c: Context<AppEnv>, rows: { sp: Provider; cust: Customer }[]) {
  const ids = rows.map((r) => r.cust.id);
  const counts = ids.length
    ? await c.var.db
        .select({ id: offerings.customerId, n: count() })
        .from(offerings)
        .where(and(inArray(offerings.customerId, ids), ne(offerings.state, "Archived")))
        .groupBy(offerings.customerId)
        .all()
    : [];
  const links = linksFor(c);
  return rows.map((r) => serialize(links, r.sp, r.cust, counts.find((x) => x.id === r.cust.id)?.n ?? 0));
}

/** Providers are public (customers browse them); management needs a provider role. */
async function findProvider(c: Context<AppEnv>): Promise<{ sp: Provider; cust: Customer }> {
  const row = await c.var.db
    .select({ sp: serviceProviders, cust: customers })
    .from(serviceProviders)
    .innerJoin(customers, eq(customers.id, serviceProviders.customerId))
    .where(eq(serviceProviders.uuid, pathUuid(c.req.param("uuid"))))
    .get();
  if (!row) throw notFound();
  return row;
}

async function manage(c: Context<AppEnv>): Promise<{ me: User; sp: Provider; cust: Customer }> {
  const me = requireUser(c.var.user);
  const r = await findProvider(c);
  if (!seesEverything(me) && !(await hasRole(c.var.db, me, "customer", r.cust.id, PROVIDER_ROLES))) throw notFound();
  return { me, ...r };
}

/** Projects that hold resources of this provider's offerings. */
const clientProjectIds = (c: Context<AppEnv>, customerId: number) =>
  c.var.db
    .select({ id: resources.projectId })
    .from(resources)
    .where(inArray(resources.offeringId, c.var.db.select({ id: offerings.id }).from(offerings).where(eq(offerings.customerId, customerId))));

export function mountServiceProviders(app: Hono<AppEnv>) {
  app.get(`${BASE}/`, async (c) => {
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [];
    const cu = qUuids(c, "customer_uuid");
    if (cu.length) conds.push(inArray(customers.uuid, cu));
    const kw = qOne(c, "customer_keyword");
    if (kw) conds.push(or(like(customers.name, `%${kw}%`), like(customers.abbreviation, `%${kw}%`)));
    const where = and(...conds);
    const p = pageOf(c);
    const total =
      (await db.select({ n: count() }).from(serviceProviders).innerJoin(customers, eq(customers.id, serviceProviders.customerId)).where(where).get())?.n ?? 0;
    const rows = await db
      .select({ sp: serviceProviders, cust: customers })
      .from(serviceProviders)
      .innerJoin(customers, eq(customers.id, serviceProviders.customerId))
      .where(where)
      .orderBy(...ordering(c, { customer_name: customers.name, created: serviceProviders.created }, [serviceProviders.id]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await serializeMany(c, rows));
  });

  app.post(`${BASE}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const b = await body(c, v.object({ customer: hyperlink("customers"), description: optStr(2000), enable_notifications: v.optional(bool(), true), image: v.optional(v.nullable(str(500)), null) }));
    const cust = await db.select().from(customers).where(and(eq(customers.uuid, b.customer), customerVisible(db, me))).get();
    if (!cust) throw fieldError("customer", "Invalid hyperlink - Object does not exist.");
    if (!(await hasRole(db, me, "customer", cust.id, ["CUSTOMER.OWNER"]))) throw permissionDenied();
    if (await db.select({ id: serviceProviders.id }).from(serviceProviders).where(eq(serviceProviders.customerId, cust.id)).get()) {
      throw fieldError("customer", "Service provider with this customer already exists.");
    }
    const now = nowIso();
    const uuid = newUuid();
    // The wallet's x/market provider record goes to the outbox in the same batch.
    const onChain = await serviceProviderCreatedItems(db, cust.id, uuid);
    const [sp] = await batchThen(
      db,
      onChain,
      db
        .insert(serviceProviders)
        .values({ uuid, customerId: cust.id, description: b.description, enableNotifications: b.enable_notifications, image: b.image, created: now, modified: now })
        .returning(),
    );
    if (!sp) throw new Error("service provider insert returned nothing");
    return c.json((await serializeMany(c, [{ sp, cust }]))[0], 201);
  });

  app.get(`${BASE}/:uuid/`, async (c) => c.json(sparse(c, (await serializeMany(c, [await findProvider(c)]))[0]!)));

  const update = async (c: Context<AppEnv>) => {
    const { sp, cust } = await manage(c);
    const b = await body(c, v.partial(v.object({ description: str(2000), enable_notifications: bool(), image: v.nullable(str(500)) })));
    const row = await c.var.db
      .update(serviceProviders)
      .set({
        modified: nowIso(),
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.enable_notifications !== undefined ? { enableNotifications: b.enable_notifications } : {}),
        ...(b.image !== undefined ? { image: b.image } : {}),
      })
      .where(eq(serviceProviders.id, sp.id))
      .returning()
      .get();
    return c.json((await serializeMany(c, [{ sp: row, cust }]))[0]);
  };
  app.put(`${BASE}/:uuid/`, update);
  app.patch(`${BASE}/:uuid/`, update);

  app.delete(`${BASE}/:uuid/`, async (c) => {
    const { me, sp, cust } = await manage(c);
    if (!me.isStaff && !(await hasRole(c.var.db, me, "customer", cust.id, ["CUSTOMER.OWNER"]))) throw permissionDenied();
    const live = await c.var.db
      .select({ id: offerings.id })
      .from(offerings)
      .where(and(eq(offerings.customerId, cust.id), inArray(offerings.state, ["Active", "Paused"])))
      .get();
    if (live) throw viewError("Service provider has active offerings. Please archive them first.");
    await c.var.db.delete(serviceProviders).where(eq(serviceProviders.id, sp.id));
    return c.body(null, 204);
  });

  app.get(`${BASE}/:uuid/offerings/`, async (c) => {
    const { cust } = await manage(c);
    const db = c.var.db;
    const where = eq(offerings.customerId, cust.id);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(offerings).where(where).get())?.n ?? 0;
    const rows = await db.select().from(offerings).where(where).orderBy(offerings.id).limit(p.size).offset(p.offset).all();
    const links = linksFor(c);
    return paginated(c, p, total, (await loadBundles(db, rows)).map((b) => serializeOffering(links, b, "provider")));
  });

  app.get(`${BASE}/:uuid/projects/`, async (c) => {
    const { cust } = await manage(c);
    const db = c.var.db;
    const where = inArray(projects.id, clientProjectIds(c, cust.id));
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(projects).where(where).get())?.n ?? 0;
    const rows = await db.select().from(projects).where(where).orderBy(projects.id).limit(p.size).offset(p.offset).all();
    return paginated(c, p, total, await serializeProjects(db, linksFor(c), rows));
  });

  app.get(`${BASE}/:uuid/customers/`, async (c) => {
    const { cust } = await manage(c);
    const db = c.var.db;
    const where = inArray(customers.id, db.select({ id: projects.customerId }).from(projects).where(inArray(projects.id, clientProjectIds(c, cust.id))));
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(customers).where(where).get())?.n ?? 0;
    const rows = await db.select().from(customers).where(where).orderBy(customers.id).limit(p.size).offset(p.offset).all();
    return paginated(c, p, total, await serializeCustomers(db, linksFor(c), rows));
  });

  /** Users with a role in the provider's client projects (the people the provider serves). */
  const clientUserIds = (c: Context<AppEnv>, customerId: number) =>
    c.var.db
      .select({ id: roleGrants.userId })
      .from(roleGrants)
      .where(and(eq(roleGrants.scopeType, "project"), inArray(roleGrants.scopeId, clientProjectIds(c, customerId))));

  app.get(`${BASE}/:uuid/users/`, async (c) => {
    const { cust } = await manage(c);
    const db = c.var.db;
    const where = inArray(users.id, clientUserIds(c, cust.id));
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(users).where(where).get())?.n ?? 0;
    const rows = await db.select().from(users).where(where).orderBy(users.id).limit(p.size).offset(p.offset).all();
    const links = linksFor(c);
    return paginated(c, p, total, rows.map((u) => serializeUser(links, u)));
  });

  app.get(`${BASE}/:uuid/keys/`, async (c) => {
    const { cust } = await manage(c);
    const db = c.var.db;
    const where = inArray(sshKeys.userId, clientUserIds(c, cust.id));
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(sshKeys).where(where).get())?.n ?? 0;
    const rows = await db
      .select({ k: sshKeys, u: users })
      .from(sshKeys)
      .innerJoin(users, eq(users.id, sshKeys.userId))
      .where(where)
      .orderBy(sshKeys.id)
      .limit(p.size)
      .offset(p.offset)
      .all();
    const links = linksFor(c);
    return paginated(
      c,
      p,
      total,
      rows.map(({ k, u }) => serializeKey(links, k, { uuid: u.uuid, username: u.username, fullName: fullName(u) })),
    );
  });

  app.get(`${BASE}/:uuid/project_permissions/`, async (c) => {
    const { cust } = await manage(c);
    const db = c.var.db;
    const where = and(eq(roleGrants.scopeType, "project"), inArray(roleGrants.scopeId, clientProjectIds(c, cust.id)));
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(roleGrants).where(where).get())?.n ?? 0;
    const rows = await db
      .select({ g: roleGrants, u: users, pr: projects })
      .from(roleGrants)
      .innerJoin(users, eq(users.id, roleGrants.userId))
      .innerJoin(projects, eq(projects.id, roleGrants.scopeId))
      .where(where)
      .orderBy(roleGrants.id)
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(
      c,
      p,
      total,
      rows.map(({ g, u, pr }) => ({
        uuid: g.uuid,
        created: g.created,
        expiration_time: g.expirationTime,
        role_name: g.role,
        project_uuid: pr.uuid,
        project_name: pr.name,
        user_uuid: u.uuid,
        user_username: u.username,
        user_full_name: fullName(u),
      })),
    );
  });

  // The secret is shown once; only its hash is kept (as with API tokens).
  app.on(["GET", "POST"], `${BASE}/:uuid/api_secret_code/`, async (c) => {
    const { sp } = await manage(c);
    if (c.req.method === "GET") return c.json({ api_secret_code: null });
    const code = newUuid() + newUuid();
    await c.var.db
      .update(serviceProviders)
      .set({ apiSecretCodeHash: await sha256Hex(code), modified: nowIso() })
      .where(eq(serviceProviders.id, sp.id));
    return c.json({ api_secret_code: code });
  });

  app.post(`${BASE}/:uuid/set_offerings_username/`, async (c) => {
    const { cust } = await manage(c);
    const b = await body(c, v.object({ user_uuid: requiredStr(36), username: requiredStr(100) }));
    const n = await setOfferingsUsername(c.var.db, cust.id, b.user_uuid.replaceAll("-", "").toLowerCase(), b.username);
    if (n === null) throw fieldError("user_uuid", "User does not exist.");
    return c.json({ detail: `Offering users updated: ${n}.` }, 201);
  });

  mountRoleActions(app, BASE, {
    scopeType: "customer",
    roles: CUSTOMER_ROLES,
    find: async (c, _uuid, user) => {
      const r = await findProvider(c);
      if (!seesEverything(user) && !(await hasRole(c.var.db, user, "customer", r.cust.id, CUSTOMER_ROLES))) throw notFound();
      return { id: r.cust.id, name: r.cust.name };
    },
    canManage: async (db, user, scope) => hasRole(db, user, "customer", scope.id, ["CUSTOMER.OWNER"]),
  });
}
